//! Findings: the outcome of one check on one resource.

use crate::{Severity, WaId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The outcome of a check on a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The resource breaks the practice.
    Fail,
    /// The data needed was not read; the reason says why. Never counted as a pass.
    NotAssessed,
    /// The resource meets the practice.
    Pass,
}

impl Status {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::NotAssessed => "not_assessed",
            Status::Pass => "pass",
        }
    }
}

/// The resource a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Resource {
    /// The resource ARN (or, for region/account-wide settings, a synthetic ARN that
    /// names the setting, e.g. `arn:aws:ec2:eu-west-1:123456789012:ebs-encryption-by-default`).
    pub arn: String,
    /// The account the resource lives in. (Shared by the findings of a check, as `kind` and
    /// `region`: see `Emitter` in `auditor-checks`.)
    pub account: std::sync::Arc<str>,
    /// The region, or `None` for global resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<std::sync::Arc<str>>,
    /// The kind, e.g. `security-group`, `vpc`, `instance`.
    pub kind: std::sync::Arc<str>,
    /// The short id, e.g. `sg-0123`.
    pub id: String,
    /// A human name (Name tag, group name) where one exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One observed fact behind a finding: which API field, what it held, and why that matters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    /// The API field, e.g. `IpPermissions[0].IpRanges[0].CidrIp`. Shared, as `observed`.
    pub field: std::sync::Arc<str>,
    /// What was observed, e.g. `0.0.0.0/0 -> tcp 22`. Shared: thousands of findings of a
    /// large account observe the same thing (see `Emitter` in `auditor-checks`).
    pub observed: std::sync::Arc<str>,
    /// Why this fails (or passes) the check, in one sentence. Shared, as `observed`.
    pub reason: std::sync::Arc<str>,
}

/// The result of one check on one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The check's stable code, e.g. `EC2-002`.
    pub code: std::borrow::Cow<'static, str>,
    /// The check's name, e.g. `sg-open-admin-ports`.
    pub name: std::borrow::Cow<'static, str>,
    /// The check's one-line title.
    pub title: std::borrow::Cow<'static, str>,
    /// Severity of a failure (kept on passes too, for sorting and roll-ups).
    pub severity: Severity,
    /// Fail, pass or not assessed.
    pub status: Status,
    /// Why the finding could not be assessed (only with [`Status::NotAssessed`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// The resource.
    pub resource: Resource,
    /// What was observed.
    pub evidence: Vec<Evidence>,
    /// The Well-Architected practices this check serves.
    /// (Shared by every finding of a check.)
    pub wa_ids: std::sync::Arc<[WaId]>,
    /// How to fix a failure, naming its resource; empty on passing and unassessed findings
    /// (the check's own text is its metadata's).
    pub remediation: String,
    /// Stable id: code + resource ARN + failing evidence, so history survives reruns.
    pub fingerprint: String,
    /// The suppression from config that matches this failure, if any: in force (the
    /// failure is accepted until it expires) or expired (it no longer applies).
    /// Boxed: most findings have none, and a large account has tens of thousands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Box<Suppression>>,
}

/// A suppression from config, as applied to one failing finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Suppression {
    /// Why the failure is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// Last day it applies (YYYY-MM-DD).
    pub expires: String,
    /// It expired before this audit: the failure counts again.
    pub expired: bool,
}

impl Finding {
    /// A failure that no suppression in force accepts: what gates exit codes.
    pub fn fails_unsuppressed(&self) -> bool {
        self.status == Status::Fail && self.suppression.as_ref().is_none_or(|s| s.expired)
    }
}

/// Computes a finding's fingerprint from its code, resource ARN and the evidence that
/// decides its status. Order of evidence does not matter; messages (`reason`) do not count,
/// so rewording a check's prose does not reset history.
pub fn fingerprint(code: &str, status: Status, arn: &str, evidence: &[Evidence]) -> String {
    let mut facts: Vec<(&str, &str)> = evidence.iter().map(|e| (&*e.field, &*e.observed)).collect();
    facts.sort_unstable();
    let mut h = Sha256::new();
    for part in [code, status.as_str(), arn] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    for (f, o) in facts {
        h.update(f.as_bytes());
        h.update([0u8]);
        h.update(o.as_bytes());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(f: &str, o: &str, r: &str) -> Evidence {
        Evidence {
            field: f.into(),
            observed: o.into(),
            reason: r.into(),
        }
    }

    #[test]
    fn fingerprint_ignores_order_and_wording_but_not_facts() {
        let a = [ev("x", "1", "why"), ev("y", "2", "why")];
        let b = [ev("y", "2", "other words"), ev("x", "1", "why")];
        let c = [ev("x", "1", "why"), ev("y", "3", "why")];
        let fa = fingerprint("EC2-001", Status::Fail, "arn:a", &a);
        assert_eq!(fa, fingerprint("EC2-001", Status::Fail, "arn:a", &b));
        assert_ne!(fa, fingerprint("EC2-001", Status::Fail, "arn:a", &c));
        assert_ne!(fa, fingerprint("EC2-002", Status::Fail, "arn:a", &a));
        assert_ne!(fa, fingerprint("EC2-001", Status::Fail, "arn:b", &a));
        assert_eq!(fa.len(), 32);
    }
}
