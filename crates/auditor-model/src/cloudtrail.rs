//! CloudTrail inventory types, one [`CloudTrailRegion`] per region.

use crate::Collected;
use serde::{Deserialize, Serialize};

/// Everything collected from CloudTrail in one region: the trails that apply there (its own
/// and other regions' multi-region and organisation trails), each read in full in its home
/// region only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CloudTrailRegion {
    /// DescribeTrails (shadow trails included).
    #[serde(default)]
    pub trails: Collected<Vec<Trail>>,
}

/// A trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trail {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// The region it was created in; its status and selectors are read there.
    pub home_region: String,
    /// Logs every region.
    #[serde(default)]
    pub multi_region: bool,
    /// An organisation trail (created by the management account).
    #[serde(default)]
    pub organization: bool,
    /// The account that owns it, when not the audited one (an organisation trail seen from
    /// a member account); its selectors and bucket are read in that account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Log file integrity validation.
    #[serde(default)]
    pub log_file_validation: bool,
    /// The KMS key its log files are encrypted with (SSE-KMS), if any.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    /// The bucket it delivers to.
    #[serde(default)]
    pub s3_bucket: Option<String>,
    /// GetTrailStatus (home region only; absent elsewhere).
    #[serde(default)]
    pub status: Option<Collected<TrailStatus>>,
    /// GetEventSelectors (home region only, and only for the account's own trails).
    #[serde(default)]
    pub selectors: Option<Collected<EventSelectors>>,
    /// The delivery bucket's public access, read from the trail's home region in the
    /// bucket's own region (the account's own trails only).
    #[serde(default)]
    pub bucket: Option<Collected<TrailBucket>>,
}

/// GetTrailStatus.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailStatus {
    /// Whether it is logging now.
    pub is_logging: bool,
}

/// What a trail records, from its basic or advanced event selectors.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSelectors {
    /// Whether it records management events (read and write).
    pub management_events: bool,
    /// The S3 object ARN prefixes whose data events it records (`arn:aws:s3` alone: every
    /// bucket). Read-only or write-only data selectors count only as `s3_data_partial`.
    #[serde(default)]
    pub s3_data: Vec<String>,
    /// Prefixes recorded for reads only or writes only.
    #[serde(default)]
    pub s3_data_partial: Vec<String>,
}

/// The trail bucket's public access: GetBucketPolicyStatus and GetPublicAccessBlock.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailBucket {
    /// `PolicyStatus.IsPublic`.
    pub policy_public: bool,
    /// The bucket's public access block: all four settings on.
    pub public_access_blocked: bool,
}

impl EventSelectors {
    /// Whether object-level data events (reads and writes) of every object of `bucket` are
    /// recorded: a recorded prefix that every object ARN of the bucket starts with
    /// (`arn:aws:s3` for all buckets, `arn:aws:s3:::bucket/`, an advanced selector's
    /// `StartsWith` such as `arn:aws:s3:::tfstate-`).
    pub fn covers_s3_bucket(&self, partition: &str, bucket: &str) -> bool {
        let own = format!("arn:{partition}:s3:::{bucket}/");
        self.s3_data.iter().any(|p| own.starts_with(p.as_str()))
    }
}
