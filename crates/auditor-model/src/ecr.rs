//! ECR inventory types, one [`EcrRegion`] per region.

use crate::Collected;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything collected from ECR in one region (the account's private registry there).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EcrRegion {
    /// DescribeRepositories, with per-repository settings.
    #[serde(default)]
    pub repositories: Collected<Vec<Repository>>,
    /// GetRegistryScanningConfiguration.
    #[serde(default)]
    pub registry_scanning: Collected<RegistryScanning>,
    /// GetRegistryPolicy: the policy text, or `None` when the registry has none.
    #[serde(default)]
    pub registry_policy: Collected<Option<String>>,
    /// DescribePullThroughCacheRules.
    #[serde(default)]
    pub pull_through_cache_rules: Collected<Vec<PullThroughCacheRule>>,
}

/// A repository and what is read per repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repository {
    /// e.g. `team/app`.
    pub repository_name: String,
    /// Its ARN.
    pub repository_arn: String,
    /// `MUTABLE`, `IMMUTABLE` (and the `*_WITH_EXCLUSION` variants).
    #[serde(default)]
    pub image_tag_mutability: Option<String>,
    /// Repository-level scan on push (basic scanning).
    #[serde(default)]
    pub scan_on_push: bool,
    /// `AES256`, `KMS` or `KMS_DSSE`.
    #[serde(default)]
    pub encryption_type: Option<String>,
    /// The KMS key, when encrypted with KMS.
    #[serde(default)]
    pub kms_key: Option<String>,
    /// GetLifecyclePolicy: the policy text, or `None` when the repository has none.
    #[serde(default)]
    pub lifecycle_policy: Collected<Option<String>>,
    /// GetRepositoryPolicy: the policy text, or `None` when the repository has none.
    #[serde(default)]
    pub repository_policy: Collected<Option<String>>,
    /// DescribeImages: the most recently pushed image, or `None` for an empty repository.
    #[serde(default)]
    pub newest_image: Collected<Option<Image>>,
}

/// An image and its scan summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// `sha256:...`
    pub image_digest: String,
    /// Tags.
    #[serde(default)]
    pub image_tags: Vec<String>,
    /// RFC 3339.
    #[serde(default)]
    pub image_pushed_at: Option<String>,
    /// `COMPLETE`, `ACTIVE`, `FAILED`, `SCAN_ELIGIBILITY_EXPIRED`, ... (absent: never scanned).
    #[serde(default)]
    pub scan_status: Option<String>,
    /// Findings per severity (`CRITICAL`, `HIGH`, ...), present once a scan completed.
    #[serde(default)]
    pub finding_severity_counts: Option<BTreeMap<String, i32>>,
}

/// The registry's scanning configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryScanning {
    /// `BASIC` or `ENHANCED`.
    pub scan_type: String,
    /// Rules: which repositories are scanned, how often.
    #[serde(default)]
    pub rules: Vec<ScanRule>,
}

/// A registry scanning rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRule {
    /// `SCAN_ON_PUSH`, `CONTINUOUS_SCAN` or `MANUAL`.
    pub scan_frequency: String,
    /// Repository name filters (`*` wildcards).
    #[serde(default)]
    pub repository_filters: Vec<String>,
}

/// A pull-through cache rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullThroughCacheRule {
    /// The local repository prefix, e.g. `docker-hub`.
    pub ecr_repository_prefix: String,
    /// The upstream registry URL, e.g. `registry-1.docker.io`.
    pub upstream_registry_url: String,
}

/// Whether an ECR repository filter (`*` matches any run of characters) matches a name.
/// The same matcher serves configured ARN patterns; it never backtracks (see
/// [`crate::wildcard`]).
pub fn filter_matches(filter: &str, name: &str) -> bool {
    crate::wildcard::Wildcard::star_only(filter).is_match(name)
}

#[cfg(test)]
mod tests {
    use super::filter_matches;

    #[test]
    fn wildcard_filters() {
        assert!(filter_matches("*", "anything/at/all"));
        assert!(filter_matches("prod/*", "prod/api"));
        assert!(!filter_matches("prod/*", "staging/api"));
        assert!(filter_matches("*-service", "orders-service"));
        assert!(filter_matches("team/app", "team/app"));
        assert!(!filter_matches("team/app", "team/app2"));
        assert!(filter_matches("a*b*c", "a-x-b-y-c"));
    }
}
