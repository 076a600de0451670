//! What moto cannot show, with the SDK's mock support and answers shaped like AWS's:
//! refusals (ListBuckets, one bucket's policy, a bucket's listing, the account public access
//! block), MFA delete and Object Lock, and BucketRegion from ListBuckets.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::s3::Origin;
use auditor_model::GapKind;
use auditor_testkit::responses::rest_xml_error;
use aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput;
use aws_sdk_s3::operation::get_bucket_location::GetBucketLocationOutput;
use aws_sdk_s3::operation::get_bucket_logging::GetBucketLoggingOutput;
use aws_sdk_s3::operation::get_bucket_ownership_controls::GetBucketOwnershipControlsOutput;
use aws_sdk_s3::operation::get_bucket_policy_status::GetBucketPolicyStatusOutput;
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput;
use aws_sdk_s3::operation::get_object_lock_configuration::GetObjectLockConfigurationOutput;
use aws_sdk_s3::operation::get_public_access_block::GetPublicAccessBlockOutput;
use aws_sdk_s3::operation::list_buckets::ListBucketsOutput;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::types::{
    Bucket, BucketLocationConstraint, BucketVersioningStatus, DefaultRetention, MfaDeleteStatus,
    Object, ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode, ObjectLockRule,
    PolicyStatus, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use aws_sdk_s3::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::Response;
use collect_s3::S3Options;

fn denied() -> Response {
    rest_xml_error(403, "AccessDenied", "Access Denied")
}

fn control_denied() -> aws_sdk_s3control::Client {
    let rules =
        vec![mock!(aws_sdk_s3control::Client::get_public_access_block).then_http_response(denied)];
    mock_client!(aws_sdk_s3control, RuleMode::MatchAny, &rules)
}

fn settings_rules() -> Vec<Rule> {
    vec![
        mock!(Client::get_bucket_encryption).then_output(|| {
            GetBucketEncryptionOutput::builder()
                .server_side_encryption_configuration(
                    ServerSideEncryptionConfiguration::builder()
                        .rules(
                            ServerSideEncryptionRule::builder()
                                .apply_server_side_encryption_by_default(
                                    ServerSideEncryptionByDefault::builder()
                                        .sse_algorithm(ServerSideEncryption::Aes256)
                                        .build()
                                        .unwrap(),
                                )
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
        }),
        mock!(Client::get_bucket_versioning).then_output(|| {
            GetBucketVersioningOutput::builder()
                .status(BucketVersioningStatus::Enabled)
                .mfa_delete(MfaDeleteStatus::Enabled)
                .build()
        }),
        mock!(Client::get_public_access_block).then_output(|| {
            GetPublicAccessBlockOutput::builder()
                .public_access_block_configuration(
                    PublicAccessBlockConfiguration::builder()
                        .block_public_acls(true)
                        .ignore_public_acls(true)
                        .block_public_policy(true)
                        .restrict_public_buckets(true)
                        .build(),
                )
                .build()
        }),
        mock!(Client::get_bucket_policy).then_http_response(denied),
        mock!(Client::get_bucket_policy_status).then_output(|| {
            GetBucketPolicyStatusOutput::builder()
                .policy_status(PolicyStatus::builder().is_public(false).build())
                .build()
        }),
        mock!(Client::get_bucket_ownership_controls)
            .then_output(|| GetBucketOwnershipControlsOutput::builder().build()),
        mock!(Client::get_bucket_logging).then_output(|| GetBucketLoggingOutput::builder().build()),
        mock!(Client::get_object_lock_configuration).then_output(|| {
            GetObjectLockConfigurationOutput::builder()
                .object_lock_configuration(
                    ObjectLockConfiguration::builder()
                        .object_lock_enabled(ObjectLockEnabled::Enabled)
                        .rule(
                            ObjectLockRule::builder()
                                .default_retention(
                                    DefaultRetention::builder()
                                        .mode(ObjectLockRetentionMode::Compliance)
                                        .days(30)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()
        }),
    ]
}

#[tokio::test]
async fn refused_bucket_list_still_inspects_the_configured_bucket() {
    let mut rules = vec![
        mock!(Client::list_buckets).then_http_response(denied),
        mock!(Client::get_bucket_location).then_output(|| {
            GetBucketLocationOutput::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build()
        }),
        mock!(Client::list_objects_v2).then_output(|| {
            ListObjectsV2Output::builder()
                .contents(
                    Object::builder()
                        .key("services/crm/prod/tf.tfstate")
                        .size(42)
                        .build(),
                )
                .contents(Object::builder().key("README.md").build())
                .build()
        }),
    ];
    rules.extend(settings_rules());
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &rules);
    let regional = s3.clone();
    let opts = S3Options {
        state_buckets: vec!["tf-central".into()],
        ..S3Options::default()
    };
    let got = collect_s3::collect_with(
        s3,
        &control_denied(),
        move |_| regional.clone(),
        "111122223333",
        &[],
        &opts,
        2,
    )
    .await;

    let gaps: Vec<(&str, GapKind)> = got
        .discovery
        .gaps
        .iter()
        .map(|g| (g.api.as_str(), g.kind))
        .collect();
    assert_eq!(gaps, [("s3:ListAllMyBuckets", GapKind::AccessDenied)]);
    let pab_gap = got.account_public_access_block.gap().unwrap();
    assert_eq!(pab_gap.api, "s3:GetAccountPublicAccessBlock");
    assert_eq!(pab_gap.kind, GapKind::AccessDenied);

    let buckets = got.buckets.get().unwrap();
    assert_eq!(buckets.len(), 1);
    let b = &buckets[0];
    assert_eq!((b.name.as_str(), b.origin), ("tf-central", Origin::Config));
    assert_eq!(b.region.as_deref(), Some("eu-west-1"));
    let keys = &b.state.get().unwrap().keys;
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0].key.as_str(), keys[0].size),
        ("services/crm/prod/tf.tfstate", 42)
    );
    // One refused setting is that part's gap, naming the bucket; the others are read.
    let g = b.policy.gap().unwrap();
    assert_eq!(
        (g.api.as_str(), g.kind),
        ("s3:GetBucketPolicy", GapKind::AccessDenied)
    );
    assert_eq!(g.region.as_deref(), Some("eu-west-1"));
    assert!(
        g.message.starts_with("bucket tf-central: AccessDenied"),
        "{}",
        g.message
    );
    let v = b.versioning.get().unwrap();
    assert_eq!(
        (v.status.as_deref(), v.mfa_delete.as_deref()),
        (Some("Enabled"), Some("Enabled"))
    );
    assert_eq!(
        b.encryption.get().unwrap().as_ref().unwrap().algorithm,
        "AES256"
    );
    let lock = b.object_lock.get().unwrap().as_ref().unwrap();
    assert!(lock.enabled);
    assert_eq!(lock.mode.as_deref(), Some("COMPLIANCE"));
    assert_eq!(b.policy_is_public.get().unwrap(), &Some(false));
    assert_eq!(b.object_ownership.get().unwrap(), &None);
    assert_eq!(b.logging.get().unwrap(), &None);
}

#[tokio::test]
async fn a_bucket_that_cannot_be_listed_is_a_discovery_gap_not_a_pass() {
    let rules = vec![
        mock!(Client::list_buckets).then_output(|| {
            ListBucketsOutput::builder()
                .buckets(
                    Bucket::builder()
                        .name("assets")
                        .bucket_region("us-east-1")
                        .build(),
                )
                .buckets(
                    Bucket::builder()
                        .name("locked")
                        .bucket_region("eu-west-1")
                        .build(),
                )
                .build()
        }),
        mock!(Client::list_objects_v2)
            .match_requests(|r| r.bucket() == Some("assets"))
            .then_output(|| {
                ListObjectsV2Output::builder()
                    .contents(Object::builder().key("index.html").build())
                    .build()
            }),
        mock!(Client::list_objects_v2)
            .match_requests(|r| r.bucket() == Some("locked"))
            .then_http_response(denied),
        // Never called: BucketRegion comes with the list.
        mock!(Client::get_bucket_location).then_http_response(denied),
    ];
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &rules);
    let regional = s3.clone();
    let got = collect_s3::collect_with(
        s3,
        &control_denied(),
        move |_| regional.clone(),
        "111122223333",
        &[],
        &S3Options::default(),
        2,
    )
    .await;
    assert!(got.buckets.get().unwrap().is_empty());
    assert_eq!(got.discovery.buckets_seen, 2);
    assert!(got.discovery.incomplete.is_empty());
    let gaps: Vec<(&str, Option<&str>, &str)> = got
        .discovery
        .gaps
        .iter()
        .map(|g| (g.api.as_str(), g.region.as_deref(), g.message.as_str()))
        .collect();
    assert_eq!(
        gaps,
        [(
            "s3:ListBucket",
            Some("eu-west-1"),
            "bucket locked: AccessDenied: Access Denied"
        )]
    );
}

/// Where ListBuckets names no region, the filtered lists (one per audited region) are used
/// only when every one answered and no bucket is named by two of them: an endpoint that
/// ignores the filter, or a refused list, sends every bucket back to GetBucketLocation, so
/// that no bucket is ever given a region it is not in.
#[tokio::test]
async fn filtered_lists_are_trusted_only_whole_and_disjoint() {
    #[derive(Clone, Copy, Debug)]
    enum Filter {
        Applied,
        Ignored,
        OneRefused,
    }
    let home = [("a", "us-east-1"), ("b", "eu-west-1"), ("c", "eu-west-1")];
    for (filter, locations) in [
        (Filter::Applied, 0),
        (Filter::Ignored, 3),
        (Filter::OneRefused, 3),
    ] {
        let all = move || {
            let mut out = ListBucketsOutput::builder();
            for (name, _) in home {
                out = out.buckets(Bucket::builder().name(name).build());
            }
            out.build()
        };
        let only = move |region: &str| {
            let mut out = ListBucketsOutput::builder();
            for (name, r) in home {
                if matches!(filter, Filter::Ignored) || r == region {
                    out = out.buckets(Bucket::builder().name(name).build());
                }
            }
            out.build()
        };
        let location = mock!(Client::get_bucket_location).then_output(|| {
            GetBucketLocationOutput::builder().build() // us-east-1
        });
        let location_eu = mock!(Client::get_bucket_location)
            .match_requests(|r| r.bucket() != Some("a"))
            .then_output(|| {
                GetBucketLocationOutput::builder()
                    .location_constraint(BucketLocationConstraint::EuWest1)
                    .build()
            });
        let mut rules = vec![
            mock!(Client::list_buckets)
                .match_requests(|r| r.bucket_region().is_none())
                .then_output(all),
            mock!(Client::list_buckets)
                .match_requests(|r| r.bucket_region() == Some("us-east-1"))
                .then_output(move || only("us-east-1")),
            if matches!(filter, Filter::OneRefused) {
                mock!(Client::list_buckets)
                    .match_requests(|r| r.bucket_region() == Some("eu-west-1"))
                    .then_http_response(denied)
            } else {
                mock!(Client::list_buckets)
                    .match_requests(|r| r.bucket_region() == Some("eu-west-1"))
                    .then_output(move || only("eu-west-1"))
            },
            location_eu.clone(),
            location.clone(),
            mock!(Client::list_objects_v2).then_output(|| {
                ListObjectsV2Output::builder()
                    .contents(Object::builder().key("terraform.tfstate").size(1).build())
                    .build()
            }),
        ];
        rules.extend(settings_rules());
        let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, &rules);
        let regional = s3.clone();
        let regions = ["us-east-1".to_owned(), "eu-west-1".to_owned()];
        let got = collect_s3::collect_with(
            s3,
            &control_denied(),
            move |_| regional.clone(),
            "111122223333",
            &regions,
            &S3Options::default(),
            2,
        )
        .await;
        let found: Vec<(&str, &str)> = got
            .buckets
            .get()
            .unwrap()
            .iter()
            .map(|b| (b.name.as_str(), b.region.as_deref().unwrap()))
            .collect();
        assert_eq!(found, home, "{filter:?}");
        assert_eq!(
            location.num_calls() + location_eu.num_calls(),
            locations,
            "{filter:?}: GetBucketLocation calls"
        );
    }
}
