//! What moto lacks, with the SDK's mock support and answers shaped like AWS's: pull-through
//! cache rules, image scan summaries, and AccessDenied on one per-repository API.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::GapKind;
use auditor_testkit::responses::{denied_message, json_error};
use aws_sdk_ecr::operation::describe_images::DescribeImagesOutput;
use aws_sdk_ecr::operation::describe_pull_through_cache_rules::DescribePullThroughCacheRulesOutput;
use aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesOutput;
use aws_sdk_ecr::operation::get_lifecycle_policy::GetLifecyclePolicyOutput;
use aws_sdk_ecr::operation::get_registry_policy::GetRegistryPolicyError;
use aws_sdk_ecr::operation::get_registry_scanning_configuration::GetRegistryScanningConfigurationOutput;
use aws_sdk_ecr::types::error::RegistryPolicyNotFoundException;
use aws_sdk_ecr::types::{
    FindingSeverity, ImageDetail, ImageScanFindingsSummary, ImageScanStatus, PullThroughCacheRule,
    Repository, ScanStatus,
};
use aws_sdk_ecr::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::DateTime;

fn image(tag: &str, pushed: i64, critical: Option<i32>) -> ImageDetail {
    let mut b = ImageDetail::builder()
        .image_digest(format!("sha256:{tag}"))
        .image_tags(tag)
        .image_pushed_at(DateTime::from_secs(pushed))
        .image_scan_status(
            ImageScanStatus::builder()
                .status(ScanStatus::Complete)
                .build(),
        );
    if let Some(c) = critical {
        b = b.image_scan_findings_summary(
            ImageScanFindingsSummary::builder()
                .finding_severity_counts(FindingSeverity::Critical, c)
                .finding_severity_counts(FindingSeverity::Medium, 4)
                .build(),
        );
    }
    b.build()
}

#[tokio::test]
async fn pull_through_rules_scan_summaries_and_a_denied_policy() {
    let rules: Vec<Rule> = vec![
        mock!(Client::describe_repositories).then_output(|| {
            DescribeRepositoriesOutput::builder()
                .repositories(
                    Repository::builder()
                        .repository_name("app")
                        .repository_arn("arn:aws:ecr:eu-west-1:1:repository/app")
                        .build(),
                )
                .build()
        }),
        mock!(Client::get_lifecycle_policy).then_output(|| {
            GetLifecyclePolicyOutput::builder()
                .lifecycle_policy_text("{}")
                .build()
        }),
        mock!(Client::get_repository_policy).then_http_response(|| {
            let message = format!(
                "{} on resource: arn:aws:ecr:eu-west-1:1:repository/app",
                denied_message("ecr:GetRepositoryPolicy")
            );
            json_error(400, "AccessDeniedException", &message)
        }),
        mock!(Client::describe_images).then_output(|| {
            DescribeImagesOutput::builder()
                .image_details(image("old", 1_700_000_000, Some(0)))
                .image_details(image("new", 1_800_000_000, Some(3)))
                .build()
        }),
        mock!(Client::get_registry_scanning_configuration)
            .then_output(|| GetRegistryScanningConfigurationOutput::builder().build()),
        mock!(Client::get_registry_policy).then_error(|| {
            GetRegistryPolicyError::RegistryPolicyNotFoundException(
                RegistryPolicyNotFoundException::builder()
                    .message("none")
                    .build(),
            )
        }),
        mock!(Client::describe_pull_through_cache_rules).then_output(|| {
            DescribePullThroughCacheRulesOutput::builder()
                .pull_through_cache_rules(
                    PullThroughCacheRule::builder()
                        .ecr_repository_prefix("docker-hub")
                        .upstream_registry_url("registry-1.docker.io")
                        .build(),
                )
                .build()
        }),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, &refs, |b| b
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled()));

    let r = collect_ecr::collect_region_with(&client, "eu-west-1", 2).await;

    let ptc = r.pull_through_cache_rules.get().unwrap();
    assert_eq!(ptc[0].ecr_repository_prefix, "docker-hub");
    assert_eq!(ptc[0].upstream_registry_url, "registry-1.docker.io");
    let repo = &r.repositories.get().unwrap()[0];
    let newest = repo.newest_image.get().unwrap().as_ref().unwrap();
    assert_eq!(
        newest.image_tags,
        ["new"],
        "newest by push time, whatever the listing order"
    );
    assert_eq!(newest.scan_status.as_deref(), Some("COMPLETE"));
    let counts = newest.finding_severity_counts.as_ref().unwrap();
    assert_eq!(counts.get("CRITICAL"), Some(&3));
    let gap = repo.repository_policy.gap().unwrap();
    assert_eq!(gap.kind, GapKind::AccessDenied);
    assert_eq!(gap.api, "ecr:GetRepositoryPolicy");
    assert!(
        gap.message.starts_with("AccessDeniedException: User:"),
        "{}",
        gap.message
    );
    assert_eq!(
        repo.lifecycle_policy.get().unwrap().as_deref(),
        Some("{}"),
        "the other per-repository calls still count"
    );
    assert_eq!(r.registry_policy.get().unwrap(), &None);
    let scanning = r.registry_scanning.get().unwrap();
    assert_eq!(
        scanning.scan_type, "BASIC",
        "an unconfigured registry scans BASIC"
    );
}
