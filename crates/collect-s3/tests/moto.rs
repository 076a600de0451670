//! The S3 collector against moto: discovery by `.tfstate` keys, the bound on listing,
//! every bucket setting as written, "not configured" answers as `None`, the account public
//! access block through S3 Control, and the secret scan naming paths, never values.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::s3::{Origin, PublicAccessBlock};
use auditor_testkit::{unique_account, Emulator};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketLoggingStatus, BucketVersioningStatus,
    CreateBucketConfiguration, LoggingEnabled, ObjectOwnership, OwnershipControls,
    OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use collect_s3::S3Options;

const STATE: &str = r#"{"version": 4, "resources": [{"mode": "managed", "type": "aws_db_instance",
  "name": "main", "instances": [{"attributes": {"password": "do-not-print-me", "identifier": "crm"},
  "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}]}], "outputs": {}}"#;

async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, body: &str) {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.as_bytes().to_vec()))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn discovers_state_buckets_and_reads_their_settings() {
    let emu = Emulator::shared();
    let account = unique_account();
    let cfg = emu.account_config(&account, "us-east-1").await;
    let s3 = collect_s3::client(&cfg, "us-east-1");
    let s3_eu = collect_s3::client(&cfg, "eu-west-1");
    let state = format!("tf-{account}");
    let plain = format!("assets-{account}");
    let logs = format!("logs-{account}");
    let deep = format!("deep-{account}");

    for b in [&state, &plain] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    s3.create_bucket()
        .bucket(&logs)
        .acl(aws_sdk_s3::types::BucketCannedAcl::from(
            "log-delivery-write",
        ))
        .send()
        .await
        .unwrap();
    s3_eu
        .create_bucket()
        .bucket(&deep)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    put(&s3, &state, "services/crm/prod/network/tf.tfstate", STATE).await;
    put(&s3, &state, "services/fraud-detection/dev/tf.tfstate", "{}").await;
    put(&s3, &state, "README.md", "not state").await;
    put(&s3, &plain, "index.html", "<html>").await;
    for i in 0..3 {
        put(&s3_eu, &deep, &format!("a/{i}.txt"), "x").await;
    }
    put(&s3_eu, &deep, "z/late.tfstate", "{}").await;

    s3.put_bucket_versioning()
        .bucket(&state)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_encryption()
        .bucket(&state)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::AwsKms)
                                .kms_master_key_id("alias/tfstate")
                                .build()
                                .unwrap(),
                        )
                        .bucket_key_enabled(true)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_public_access_block()
        .bucket(&state)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_ownership_controls()
        .bucket(&state)
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_logging()
        .bucket(&state)
        .bucket_logging_status(
            BucketLoggingStatus::builder()
                .logging_enabled(
                    LoggingEnabled::builder()
                        .target_bucket(&logs)
                        .target_prefix("tf/")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    // (moto enforces bucket policies on object calls and ignores conditions: a TLS Deny
    // would refuse the scan's GetObject here.)
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Readers","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{state}/*"}}]}}"#
    );
    s3.put_bucket_policy()
        .bucket(&state)
        .policy(&policy)
        .send()
        .await
        .unwrap();

    let opts = S3Options {
        discovery_max_keys: 2,
        scan_secrets: true,
        ..S3Options::default()
    };
    let got = collect_s3::collect(&cfg, &account, "us-east-1", &[], &opts, 4).await;

    // Discovery: the state bucket only; the deep one's state key is past the bound.
    let buckets = got.buckets.get().unwrap();
    let names: Vec<&str> = buckets.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, vec![state.as_str()]);
    assert_eq!(got.discovery.buckets_seen, 4);
    // (moto delivers access logs into the log bucket, which may pass the bound too.)
    let incomplete = &got.discovery.incomplete;
    assert!(incomplete.contains(&deep), "{incomplete:?}");
    assert!(!incomplete.contains(&plain) && !incomplete.contains(&state));
    assert!(got.discovery.gaps.is_empty(), "{:?}", got.discovery.gaps);
    assert_eq!(got.account_public_access_block.get().unwrap(), &None);

    let b = &buckets[0];
    assert_eq!(b.origin, Origin::Discovered);
    assert_eq!(b.region.as_deref(), Some("us-east-1"));
    let keys: Vec<&str> = b
        .state
        .get()
        .unwrap()
        .keys
        .iter()
        .map(|k| k.key.as_str())
        .collect();
    assert_eq!(
        keys,
        vec![
            "services/crm/prod/network/tf.tfstate",
            "services/fraud-detection/dev/tf.tfstate"
        ]
    );
    let enc = b.encryption.get().unwrap().as_ref().unwrap();
    assert_eq!(enc.algorithm, "aws:kms");
    assert_eq!(enc.kms_key.as_deref(), Some("alias/tfstate"));
    assert!(enc.bucket_key_enabled);
    assert_eq!(
        b.versioning.get().unwrap().status.as_deref(),
        Some("Enabled")
    );
    assert_eq!(
        b.public_access_block.get().unwrap(),
        &Some(PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: false,
        })
    );
    assert_eq!(b.policy.get().unwrap().as_deref(), Some(policy.as_str()));
    assert_eq!(
        b.object_ownership.get().unwrap().as_deref(),
        Some("BucketOwnerEnforced")
    );
    let logging = b.logging.get().unwrap().as_ref().unwrap();
    assert_eq!(
        (
            logging.target_bucket.as_str(),
            logging.target_prefix.as_str()
        ),
        (logs.as_str(), "tf/")
    );
    assert_eq!(b.object_lock.get().unwrap(), &None);

    // The scan names the path and never the value, and says what it could not read.
    let scan = b.secret_scan.as_ref().unwrap();
    assert_eq!(scan.hits.len(), 1, "{scan:?}");
    assert_eq!(
        scan.hits[0].path,
        "resources[aws_db_instance.main].instances[0].attributes.password"
    );
    assert!(scan.hits[0].marked_sensitive);
    assert_eq!(scan.scanned.len(), 2);
    let json = serde_json::to_string(&got).unwrap();
    assert!(!json.contains("do-not-print-me"));

    // A configured bucket is a state bucket whatever its keys; a bare one reads as "none set".
    let opts = S3Options {
        state_buckets: vec![plain.clone()],
        discover: false,
        ..S3Options::default()
    };
    let got = collect_s3::collect(&cfg, &account, "us-east-1", &[], &opts, 4).await;
    let buckets = got.buckets.get().unwrap();
    assert_eq!(buckets.len(), 1);
    let p = &buckets[0];
    assert_eq!(
        (p.name.as_str(), p.origin),
        (plain.as_str(), Origin::Config)
    );
    assert!(p.state.get().unwrap().keys.is_empty());
    assert_eq!(p.encryption.get().unwrap(), &None);
    assert_eq!(p.versioning.get().unwrap().status, None);
    assert_eq!(p.public_access_block.get().unwrap(), &None);
    assert_eq!(p.policy.get().unwrap(), &None);
    assert_eq!(p.policy_is_public.get().unwrap(), &None);
    assert_eq!(p.object_ownership.get().unwrap(), &None);
    assert_eq!(p.logging.get().unwrap(), &None);
    assert!(p.secret_scan.is_none());
}

#[tokio::test]
async fn account_public_access_block_through_s3_control() {
    let emu = Emulator::shared();
    let account = unique_account();
    let cfg = emu.account_config(&account, "us-east-1").await;
    collect_s3::control_client(&cfg)
        .put_public_access_block()
        .account_id(&account)
        .public_access_block_configuration(
            aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let got = collect_s3::collect(&cfg, &account, "us-east-1", &[], &S3Options::default(), 2).await;
    let pab = got.account_public_access_block.get().unwrap().unwrap();
    assert!(pab.flags().iter().all(|(_, on)| *on), "{pab:?}");
    assert!(got.buckets.get().unwrap().is_empty());
}

/// A key holding a control character (which XML 1.0 cannot carry), a space, a plus and
/// non-ASCII text: the listing stays readable (keys come URL-encoded and are decoded), and
/// the state bucket is found with its keys as written.
#[tokio::test]
async fn keys_with_control_characters_do_not_hide_a_state_bucket() {
    let emu = Emulator::shared();
    let account = unique_account();
    let cfg = emu.account_config(&account, "us-east-1").await;
    let s3 = collect_s3::client(&cfg, "us-east-1");
    let bucket = format!("tf-ctl-{account}");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let odd = [
        "env:/dev/a\u{1}b.tfstate",
        "team a+b/é.tfstate",
        "x%41.tfstate",
    ];
    for k in odd {
        put(&s3, &bucket, k, "{}").await;
    }
    let opts = S3Options {
        state_buckets: vec![bucket.clone()],
        discover: false,
        ..S3Options::default()
    };
    let got = collect_s3::collect(&cfg, &account, "us-east-1", &[], &opts, 2).await;
    let buckets = got.buckets.get().unwrap();
    assert_eq!(buckets.len(), 1, "{:?}", got.discovery.gaps);
    let mut keys: Vec<String> = buckets[0]
        .state
        .get()
        .unwrap()
        .keys
        .iter()
        .map(|k| k.key.clone())
        .collect();
    keys.sort();
    let mut want: Vec<String> = odd.iter().map(|k| (*k).to_owned()).collect();
    want.sort();
    assert_eq!(keys, want);
}

/// moto's ListBuckets names no bucket's region (AWS's does): it is asked once per audited
/// region, filtered by BucketRegion, instead of one GetBucketLocation per bucket. Each bucket
/// lands in its own region; a bucket in a region not audited is still located by itself. A
/// bucket without a policy is not asked its policy status (S3 has none to give).
#[tokio::test]
async fn bucket_regions_come_from_one_listing_per_region() {
    let emu = Emulator::spawn_private();
    let account = unique_account();
    let cfg = emu.account_config(&account, "us-east-1").await;
    let mut want = Vec::new();
    for (i, region) in [
        "us-east-1",
        "us-east-1",
        "us-east-1",
        "eu-west-1",
        "eu-west-1",
        "ap-southeast-2",
    ]
    .into_iter()
    .enumerate()
    {
        let s3 = collect_s3::client(&cfg, region);
        let bucket = format!("tf-{i}-{account}");
        let mut create = s3.create_bucket().bucket(&bucket);
        if region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        create.send().await.unwrap();
        put(&s3, &bucket, "services/a/terraform.tfstate", "{}").await;
        want.push((bucket, region.to_owned()));
    }
    let with_policy = &want[3].0.clone();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::{with_policy}/*"}}]}}"#
    );
    collect_s3::client(&cfg, "eu-west-1")
        .put_bucket_policy()
        .bucket(with_policy)
        .policy(&policy)
        .send()
        .await
        .unwrap();

    emu.start_recording().await;
    let regions = ["us-east-1".to_owned(), "eu-west-1".to_owned()];
    let got = collect_s3::collect(
        &cfg,
        &account,
        "us-east-1",
        &regions,
        &S3Options::default(),
        4,
    )
    .await;
    let recorded = emu.stop_recording().await;

    let buckets = got.buckets.get().unwrap();
    let mut seen: Vec<(String, String)> = buckets
        .iter()
        .map(|b| (b.name.clone(), b.region.clone().unwrap()))
        .collect();
    seen.sort();
    want.sort();
    assert_eq!(seen, want);
    for b in buckets {
        let public = b.policy_is_public.get().unwrap();
        if &b.name == with_policy {
            assert_eq!(public, &Some(false), "{}", b.name);
            assert!(b.policy.get().unwrap().is_some());
        } else {
            assert_eq!(public, &None, "{}", b.name);
        }
    }
    let count = |op: &str| {
        recorded
            .iter()
            .filter(|r| r.action.as_deref() == Some(op))
            .count()
    };
    assert_eq!(
        count("ListBuckets"),
        3,
        "one unfiltered, one per audited region"
    );
    assert_eq!(
        count("GetBucketLocation"),
        1,
        "the bucket outside the audited regions"
    );
    assert_eq!(
        count("GetBucketPolicyStatus"),
        1,
        "the bucket with a policy"
    );
    assert_eq!(count("GetBucketPolicy"), 6);
}
