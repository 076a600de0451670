//! Reporters: the JSON report v1 (a frozen, versioned schema separate from internal
//! types), the terminal table, and the Well-Architected roll-up they share.
//!
//! Architecture invariant: `json_v1` is the public contract. Internal types may change;
//! the v1 structs change only by adding optional fields. A breaking change is a v2 module.
#![deny(missing_docs)]

pub mod asff;
pub mod csv;
pub mod html;
pub mod json_v1;
pub mod ocsf;
pub mod org;
pub mod rollup;
pub mod sarif;
pub mod table;

use auditor_model::{Finding, Status};

/// Sorts findings for every reporter: failures first, then not assessed, then passes;
/// within each, highest severity first, then code and resource.
pub fn sort_findings<F: std::borrow::Borrow<Finding>>(findings: &mut [F]) {
    findings.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        a.status
            .cmp(&b.status)
            .then(b.severity.cmp(&a.severity))
            .then(a.code.cmp(&b.code))
            .then(a.resource.arn.cmp(&b.resource.arn))
    });
}

/// Counts of findings by status.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
pub struct Counts {
    /// Failing.
    pub fail: usize,
    /// Passing.
    pub pass: usize,
    /// Not assessed.
    pub not_assessed: usize,
}

impl Counts {
    /// Counts one more finding.
    pub fn add(&mut self, f: &Finding) {
        match f.status {
            Status::Fail => self.fail += 1,
            Status::Pass => self.pass += 1,
            Status::NotAssessed => self.not_assessed += 1,
        }
    }

    /// Counts the findings that satisfy `keep`.
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.status {
                Status::Fail => c.fail += 1,
                Status::Pass => c.pass += 1,
                Status::NotAssessed => c.not_assessed += 1,
            }
        }
        c
    }
}
