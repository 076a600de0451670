//! The result of one audit of one account: what the reporters and the store receive.

use crate::{Finding, Gap, Service};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// One audit of one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditResult {
    /// The audited account.
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The identity the audit acted as (after role assumption).
    pub caller_arn: String,
    /// The role assumed into the account, if any.
    pub assumed_role: Option<String>,
    /// Regions audited.
    pub regions: Vec<String>,
    /// Services collected.
    pub services: Vec<Service>,
    /// When collection began.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When the checks finished.
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    /// Codes of the checks that ran.
    pub checks_run: Vec<String>,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// What could not be read.
    pub gaps: Vec<Gap>,
    /// Who can reach which team's Terraform state, per state bucket (S3 audits).
    #[serde(default)]
    pub state_access: Vec<crate::s3::StateAccessMatrix>,
    /// The groups of principals that rows of `state_access` stand for
    /// ([`crate::s3::group_rows`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_access_groups: Vec<crate::s3::PrincipalGroup>,
    /// AWS requests the collection sent, per service (signing name: `ec2`, `iam`, ...).
    #[serde(default)]
    pub api: std::collections::BTreeMap<String, ApiCounts>,
    /// The (check, region) pairs a coverage gap cost data (region `None`: a global gap, which
    /// costs the check everywhere). A check's findings there may be incomplete, so history
    /// resolves none of its issues there: they stay open, unknown.
    #[serde(default, skip_serializing_if = "std::collections::BTreeSet::is_empty")]
    pub incomplete: std::collections::BTreeSet<(String, Option<String>)>,
}

/// What one service's API saw of an audit: requests (each retry counts), answers that
/// said "slow down", and the time requests waited for the auditor's own rate limit.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ApiCounts {
    /// Requests sent, retries included.
    pub requests: u64,
    /// Answers that were throttling errors (HTTP 429/503 or a `Throttling*` code).
    pub throttled: u64,
    /// Milliseconds requests waited for the client-side rate limit, summed.
    #[serde(default)]
    pub rate_limited_ms: u64,
    /// Requests that were the SDK's retries of an earlier attempt (throttled, a server
    /// error, a dropped connection). Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retries: u64,
    /// Milliseconds between a failed attempt's answer and its retry (the SDK's back-off and
    /// its adaptive slow-down after throttling; this client's own rate limit is in
    /// `rate_limited_ms`), summed.
    /// Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retry_wait_ms: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ApiCounts {
    /// Adds another count to this one.
    pub fn add(&mut self, o: &ApiCounts) {
        self.requests += o.requests;
        self.throttled += o.throttled;
        self.rate_limited_ms += o.rate_limited_ms;
        self.retries += o.retries;
        self.retry_wait_ms += o.retry_wait_ms;
    }
}
