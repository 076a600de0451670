//! The CloudTrail collector against moto: a multi-region trail read in full in its home
//! region and listed (not read again) elsewhere, what basic and advanced event selectors
//! record, and the delivery buckets' public access.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_testkit::{unique_account, Emulator};
use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, ReadWriteType,
};
use aws_sdk_cloudtrail::Client;
use aws_sdk_s3::types::PublicAccessBlockConfiguration;

#[tokio::test]
async fn collects_trails_once_with_what_they_record() {
    let emu = Emulator::shared();
    let account = unique_account();
    let cfg = emu.account_config(&account, "us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    let (blocked, open) = (
        format!("ct-blocked-{account}"),
        format!("ct-open-{account}"),
    );
    for b in [&blocked, &open] {
        s3.create_bucket().bucket(b).send().await.unwrap();
    }
    s3.put_public_access_block()
        .bucket(&blocked)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let ct = Client::new(&cfg);
    ct.create_trail()
        .name("everywhere")
        .s3_bucket_name(&blocked)
        .is_multi_region_trail(true)
        .enable_log_file_validation(true)
        .kms_key_id(format!("arn:aws:kms:us-east-1:{account}:key/k"))
        .send()
        .await
        .unwrap();
    ct.start_logging().name("everywhere").send().await.unwrap();
    let field = |f: &str, equals: &[&str], starts: &[&str]| {
        let mut b = AdvancedFieldSelector::builder().field(f);
        for e in equals {
            b = b.equals(*e);
        }
        for s in starts {
            b = b.starts_with(*s);
        }
        b.build().unwrap()
    };
    ct.put_event_selectors()
        .trail_name("everywhere")
        .advanced_event_selectors(
            AdvancedEventSelector::builder()
                .field_selectors(field("eventCategory", &["Management"], &[]))
                .build()
                .unwrap(),
        )
        .advanced_event_selectors(
            AdvancedEventSelector::builder()
                .field_selectors(field("eventCategory", &["Data"], &[]))
                .field_selectors(field("resources.type", &["AWS::S3::Object"], &[]))
                .field_selectors(field("resources.ARN", &[], &["arn:aws:s3:::tfstate-"]))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    ct.create_trail()
        .name("reads-only")
        .s3_bucket_name(&open)
        .send()
        .await
        .unwrap();
    ct.put_event_selectors()
        .trail_name("reads-only")
        .event_selectors(
            EventSelector::builder()
                .read_write_type(ReadWriteType::ReadOnly)
                .include_management_events(false)
                .data_resources(
                    DataResource::builder()
                        .r#type("AWS::S3::Object")
                        .values("arn:aws:s3")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let home = collect_cloudtrail::collect_region(&cfg, &account, "us-east-1").await;
    let trails = home.trails.get().unwrap();
    let every = trails.iter().find(|t| t.name == "everywhere").unwrap();
    assert!(every.multi_region && every.log_file_validation && every.kms_key_id.is_some());
    assert!(every.status.as_ref().unwrap().get().unwrap().is_logging);
    let sel = every.selectors.as_ref().unwrap().get().unwrap();
    assert!(sel.management_events);
    assert!(sel.covers_s3_bucket("aws", "tfstate-prod") && !sel.covers_s3_bucket("aws", "logs"));
    let b = every.bucket.as_ref().unwrap().get().unwrap();
    assert!(b.public_access_blocked && !b.policy_public);

    let ro = trails.iter().find(|t| t.name == "reads-only").unwrap();
    assert!(!ro.status.as_ref().unwrap().get().unwrap().is_logging);
    let sel = ro.selectors.as_ref().unwrap().get().unwrap();
    assert!(!sel.management_events && !sel.covers_s3_bucket("aws", "tfstate-prod"));
    assert!(
        !ro.bucket
            .as_ref()
            .unwrap()
            .get()
            .unwrap()
            .public_access_blocked
    );

    // In another region the multi-region trail is listed, not read again.
    let other = emu.account_config(&account, "eu-west-1").await;
    let away = collect_cloudtrail::collect_region(&other, &account, "eu-west-1").await;
    let shadow = away
        .trails
        .get()
        .unwrap()
        .iter()
        .find(|t| t.name == "everywhere")
        .unwrap();
    assert_eq!(shadow.home_region, "us-east-1");
    assert!(shadow.status.is_none() && shadow.selectors.is_none() && shadow.bucket.is_none());
}
