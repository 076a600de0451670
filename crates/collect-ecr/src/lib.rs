//! The ECR collector: repositories (tag mutability, scan on push, encryption), their
//! lifecycle and repository policies and newest image's scan summary, the registry's
//! scanning configuration and policy, and pull-through cache rules, per region.
//!
//! Architecture invariant: SDK types stop here (see `auditor_model::ecr`). Calls are
//! `Describe*`/`Get*` only. Per-repository calls (lifecycle policy, repository policy,
//! images) have no batch form in the ECR API; they run concurrently, bounded by the
//! engine's concurrency.
#![deny(missing_docs)]

use auditor_model::ecr::{
    EcrRegion, Image, PullThroughCacheRule, RegistryScanning, Repository, ScanRule,
};
use auditor_model::{Collected, Gap};
use aws_config::SdkConfig;
use aws_sdk_ecr::Client;
use aws_smithy_types::date_time::Format;
use futures::stream::{self, StreamExt};

/// The service name used in coverage gaps.
pub const SERVICE: &str = "ecr";

/// Collects one region. Never fails: each API that fails becomes a gap in its part.
pub async fn collect_region(cfg: &SdkConfig, region: &str, concurrency: usize) -> EcrRegion {
    collect_region_with(&Client::new(cfg), region, concurrency).await
}

/// [`collect_region`] with a given client (tests give a mocked one).
pub async fn collect_region_with(c: &Client, region: &str, concurrency: usize) -> EcrRegion {
    let r = Some(region);
    // The repositories (listed, then each read) go alongside the registry's settings, not
    // after them: a registry call the SDK retries does not hold up the repositories.
    let repositories = async {
        let repos = auditor_aws::paged(
            SERVICE,
            r,
            "ecr:DescribeRepositories",
            c.describe_repositories()
                .max_results(1000)
                .into_paginator()
                .items()
                .send(),
        )
        .await?;
        Ok(stream::iter(repos.iter().filter_map(|repo| {
            let name = repo.repository_name()?.to_owned();
            let arn = repo.repository_arn()?.to_owned();
            Some(repository(c, region, name, arn, repo))
        }))
        .buffered(concurrency.max(1))
        .collect::<Vec<_>>()
        .await)
    };
    let (repositories, scanning, registry_policy, ptc) = futures::join!(
        repositories,
        registry_scanning(c, region),
        registry_policy(c, region),
        auditor_aws::paged(
            SERVICE,
            r,
            "ecr:DescribePullThroughCacheRules",
            c.describe_pull_through_cache_rules()
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
        ),
    );
    EcrRegion {
        repositories: Collected::from_result(repositories),
        registry_scanning: Collected::from_result(scanning),
        registry_policy: Collected::from_result(registry_policy),
        pull_through_cache_rules: Collected::from_result(ptc.map(|rules| {
            rules
                .iter()
                .filter_map(|p| {
                    Some(PullThroughCacheRule {
                        ecr_repository_prefix: p.ecr_repository_prefix()?.to_owned(),
                        upstream_registry_url: p.upstream_registry_url()?.to_owned(),
                    })
                })
                .collect()
        })),
    }
}

async fn repository(
    c: &Client,
    region: &str,
    name: String,
    arn: String,
    repo: &aws_sdk_ecr::types::Repository,
) -> Repository {
    let r = Some(region);
    let (lifecycle, policy, images) = futures::join!(
        async {
            match c.get_lifecycle_policy().repository_name(&name).send().await {
                Ok(o) => Ok(o.lifecycle_policy_text().map(str::to_owned)),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_lifecycle_policy_not_found_exception()) =>
                {
                    Ok(None)
                }
                Err(e) => Err(auditor_aws::gap(SERVICE, r, "ecr:GetLifecyclePolicy", &e)),
            }
        },
        async {
            match c
                .get_repository_policy()
                .repository_name(&name)
                .send()
                .await
            {
                Ok(o) => Ok(o.policy_text().map(str::to_owned)),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_repository_policy_not_found_exception()) =>
                {
                    Ok(None)
                }
                Err(e) => Err(auditor_aws::gap(SERVICE, r, "ecr:GetRepositoryPolicy", &e)),
            }
        },
        auditor_aws::paged(
            SERVICE,
            r,
            "ecr:DescribeImages",
            c.describe_images()
                .repository_name(&name)
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
        ),
    );
    let newest = images.map(|imgs| {
        imgs.iter()
            .filter(|i| i.image_digest().is_some())
            .max_by_key(|i| i.image_pushed_at().map(|t| (t.secs(), t.subsec_nanos())))
            .map(|i| Image {
                image_digest: i.image_digest().unwrap_or_default().to_owned(),
                image_tags: i.image_tags().to_vec(),
                image_pushed_at: i
                    .image_pushed_at()
                    .and_then(|t| t.fmt(Format::DateTime).ok()),
                scan_status: i
                    .image_scan_status()
                    .and_then(|s| s.status())
                    .map(|s| s.as_str().to_owned()),
                finding_severity_counts: i
                    .image_scan_findings_summary()
                    .and_then(|s| s.finding_severity_counts())
                    .map(|m| m.iter().map(|(k, v)| (k.as_str().to_owned(), *v)).collect()),
            })
    });
    Repository {
        repository_name: name,
        repository_arn: arn,
        image_tag_mutability: repo.image_tag_mutability().map(|m| m.as_str().to_owned()),
        scan_on_push: repo
            .image_scanning_configuration()
            .is_some_and(|s| s.scan_on_push()),
        encryption_type: repo
            .encryption_configuration()
            .map(|e| e.encryption_type().as_str().to_owned()),
        kms_key: repo
            .encryption_configuration()
            .and_then(|e| e.kms_key())
            .map(str::to_owned),
        lifecycle_policy: Collected::from_result(lifecycle),
        repository_policy: Collected::from_result(policy),
        newest_image: Collected::from_result(newest),
    }
}

async fn registry_scanning(c: &Client, region: &str) -> Result<RegistryScanning, Gap> {
    let out = c
        .get_registry_scanning_configuration()
        .send()
        .await
        .map_err(|e| {
            auditor_aws::gap(
                SERVICE,
                Some(region),
                "ecr:GetRegistryScanningConfiguration",
                &e,
            )
        })?;
    let cfg = out.scanning_configuration();
    Ok(RegistryScanning {
        // A registry that was never configured scans BASIC with no rules.
        scan_type: cfg
            .and_then(|c| c.scan_type())
            .map_or("BASIC", |t| t.as_str())
            .to_owned(),
        rules: cfg
            .map(|c| c.rules())
            .unwrap_or_default()
            .iter()
            .map(|rule| ScanRule {
                scan_frequency: rule.scan_frequency().as_str().to_owned(),
                repository_filters: rule
                    .repository_filters()
                    .iter()
                    .map(|f| f.filter().to_owned())
                    .collect(),
            })
            .collect(),
    })
}

async fn registry_policy(c: &Client, region: &str) -> Result<Option<String>, Gap> {
    match c.get_registry_policy().send().await {
        Ok(o) => Ok(o.policy_text().map(str::to_owned)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_registry_policy_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(auditor_aws::gap(
            SERVICE,
            Some(region),
            "ecr:GetRegistryPolicy",
            &e,
        )),
    }
}
