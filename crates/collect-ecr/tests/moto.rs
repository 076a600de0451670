//! The ECR collector against moto: repository settings, "no policy" answers as `None`,
//! policies and registry scanning as written, the newest image by push time.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::GapKind;
use auditor_testkit::{unique_account, Emulator};
use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    RegistryScanningRule, ScanFrequency, ScanType, ScanningRepositoryFilter,
    ScanningRepositoryFilterType,
};
use aws_sdk_ecr::Client;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}"#;
const LIFECYCLE: &str = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}"#;

fn manifest(n: u8) -> String {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":{n},"digest":"sha256:{}"}},"layers":[]}}"#,
        format!("{n:02x}").repeat(32)
    )
}

#[tokio::test]
async fn collects_repositories_registry_and_newest_image() {
    let emu = Emulator::shared();
    let region = "eu-west-1";
    let cfg = emu.account_config(&unique_account(), region).await;
    let ecr = Client::new(&cfg);

    ecr.create_repository()
        .repository_name("team/api")
        .image_tag_mutability(ImageTagMutability::Immutable)
        .image_scanning_configuration(
            ImageScanningConfiguration::builder()
                .scan_on_push(true)
                .build(),
        )
        .encryption_configuration(
            EncryptionConfiguration::builder()
                .encryption_type(EncryptionType::Kms)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    ecr.create_repository()
        .repository_name("legacy")
        .send()
        .await
        .unwrap();
    ecr.set_repository_policy()
        .repository_name("team/api")
        .policy_text(POLICY)
        .send()
        .await
        .unwrap();
    ecr.put_lifecycle_policy()
        .repository_name("team/api")
        .lifecycle_policy_text(LIFECYCLE)
        .send()
        .await
        .unwrap();
    for (n, tag) in [(1, "v1"), (2, "v2")] {
        ecr.put_image()
            .repository_name("team/api")
            .image_manifest(manifest(n))
            .image_tag(tag)
            .send()
            .await
            .unwrap();
        // Push times have one-second resolution.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    ecr.put_registry_scanning_configuration()
        .scan_type(ScanType::Enhanced)
        .rules(
            RegistryScanningRule::builder()
                .scan_frequency(ScanFrequency::ContinuousScan)
                .repository_filters(
                    ScanningRepositoryFilter::builder()
                        .filter("team/*")
                        .filter_type(ScanningRepositoryFilterType::Wildcard)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let r = collect_ecr::collect_region(&cfg, region, 4).await;

    let repos = r.repositories.get().unwrap();
    assert_eq!(repos.len(), 2);
    let api = repos
        .iter()
        .find(|x| x.repository_name == "team/api")
        .unwrap();
    assert!(
        api.repository_arn.ends_with(":repository/team/api"),
        "{}",
        api.repository_arn
    );
    assert_eq!(api.image_tag_mutability.as_deref(), Some("IMMUTABLE"));
    assert!(api.scan_on_push);
    assert_eq!(api.encryption_type.as_deref(), Some("KMS"));
    assert_eq!(
        api.repository_policy.get().unwrap().as_deref(),
        Some(POLICY)
    );
    assert!(api
        .lifecycle_policy
        .get()
        .unwrap()
        .as_deref()
        .is_some_and(|p| p.contains("expire")));
    let newest = api.newest_image.get().unwrap().as_ref().unwrap();
    assert_eq!(newest.image_tags, ["v2"], "the most recently pushed image");
    assert!(
        newest.finding_severity_counts.is_none(),
        "moto has no scan results"
    );

    let legacy = repos
        .iter()
        .find(|x| x.repository_name == "legacy")
        .unwrap();
    assert_eq!(legacy.image_tag_mutability.as_deref(), Some("MUTABLE"));
    assert_eq!(
        legacy.repository_policy.get().unwrap(),
        &None,
        "RepositoryPolicyNotFound is no policy, not a gap"
    );
    assert_eq!(
        legacy.lifecycle_policy.get().unwrap(),
        &None,
        "LifecyclePolicyNotFound is no policy, not a gap"
    );
    assert_eq!(legacy.newest_image.get().unwrap(), &None);

    let scanning = r.registry_scanning.get().unwrap();
    assert_eq!(scanning.scan_type, "ENHANCED");
    assert_eq!(scanning.rules[0].scan_frequency, "CONTINUOUS_SCAN");
    assert_eq!(scanning.rules[0].repository_filters, ["team/*"]);
    assert_eq!(r.registry_policy.get().unwrap(), &None);
    // moto answers DescribePullThroughCacheRules with a bare HTTP 500.
    assert_eq!(
        r.pull_through_cache_rules.gap().map(|g| g.kind),
        Some(GapKind::NotOffered)
    );
}
