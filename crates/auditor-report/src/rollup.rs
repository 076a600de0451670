//! The Well-Architected roll-up: each practice of the catalog with what this audit says of it.

use crate::Counts;
use auditor_checks::catalog::catalog;
use auditor_model::AuditResult;
use serde::{Deserialize, Serialize};

/// What an audit says of one practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PracticeStatus {
    /// At least one finding fails.
    Failing,
    /// Nothing fails, but some data was not read: the practice is not shown as met.
    NotAssessed,
    /// Every finding passes.
    Passing,
    /// Its checks ran and found nothing to evaluate (no resources in scope).
    NoResources,
    /// It has checks, but none ran in this audit (service not selected, check disabled).
    NotRun,
    /// No check of the auditor maps to it.
    NoAutomatedCheck,
}

impl PracticeStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PracticeStatus::Failing => "failing",
            PracticeStatus::NotAssessed => "not_assessed",
            PracticeStatus::Passing => "passing",
            PracticeStatus::NoResources => "no_resources",
            PracticeStatus::NotRun => "not_run",
            PracticeStatus::NoAutomatedCheck => "no_automated_check",
        }
    }
}

/// One practice in the roll-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PracticeRollup {
    /// e.g. `SEC05-BP02`.
    pub id: String,
    /// Title in the catalog's revision.
    pub title: String,
    /// Risk level when not established.
    pub risk: String,
    /// The verdict.
    pub status: PracticeStatus,
    /// Codes of the auditor's checks that serve it.
    pub checks: Vec<String>,
    /// Findings of those checks.
    pub counts: Counts,
}

/// Rolls an audit up per practice, in catalog order.
pub fn rollup(result: &AuditResult) -> Vec<PracticeRollup> {
    catalog()
        .practice
        .iter()
        .map(|p| {
            let checks: Vec<String> = auditor_checks::all()
                .iter()
                .map(|c| c.meta())
                .filter(|m| m.wa.contains(&p.id.as_str()))
                .map(|m| m.code.to_owned())
                .collect();
            let ran = checks.iter().any(|c| result.checks_run.contains(c));
            let counts = Counts::of(
                result
                    .findings
                    .iter()
                    .filter(|f| f.wa_ids.iter().any(|w| w.as_str() == p.id)),
            );
            let status = if checks.is_empty() {
                PracticeStatus::NoAutomatedCheck
            } else if !ran {
                PracticeStatus::NotRun
            } else if counts.fail > 0 {
                PracticeStatus::Failing
            } else if counts.not_assessed > 0 {
                PracticeStatus::NotAssessed
            } else if counts.pass > 0 {
                PracticeStatus::Passing
            } else {
                PracticeStatus::NoResources
            };
            PracticeRollup {
                id: p.id.clone(),
                title: p.title.clone(),
                risk: p.risk.clone(),
                status,
                checks,
                counts,
            }
        })
        .collect()
}
