//! The organisation report (`audit --org`): one v1 report per assessed account, and for
//! every selected account that could not be assessed (role not assumable, suspended),
//! the reason. Schema `auditor.org-report.v1`, documented in `REPORT-V1.md`; the same
//! rule as v1 holds: fields are only ever added.

use crate::json_v1::{self, Report, Tool};
use auditor_checks::catalog::REVISION;
use auditor_model::{ApiCounts, AuditResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tabled::builder::Builder;

/// The value of the `schema` field.
pub const SCHEMA: &str = "auditor.org-report.v1";

/// One selected account and what became of it.
#[derive(Debug, Clone)]
pub struct AccountOutcome {
    /// The 12-digit id.
    pub id: String,
    /// Its name in Organizations.
    pub name: String,
    /// The audit, or why there is none.
    pub outcome: Result<AuditResult, String>,
    /// The run recorded in the findings store, if any.
    pub run_id: Option<i64>,
}

/// What the organisation-wide audit covered.
#[derive(Debug, Clone)]
pub struct OrgAudit {
    /// `o-...`.
    pub organization: Option<String>,
    /// The management account.
    pub management_account: Option<String>,
    /// The filter that selected the accounts, as the user gave it.
    pub filter: Filter,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: String,
    /// Requests sent to list the organisation (Organizations' own API).
    pub discovery_api: BTreeMap<String, ApiCounts>,
    /// Every selected account.
    pub accounts: Vec<AccountOutcome>,
}

/// The account selection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Organizational units (or the root) the accounts are below.
    pub ous: Vec<String>,
    /// Tags every account carries.
    pub tags: BTreeMap<String, String>,
    /// Accounts left out.
    pub exclude: Vec<String>,
}

/// The whole organisation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgReport {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The program that wrote it.
    pub tool: Tool,
    /// The Well-Architected revision every id refers to.
    pub wa_revision: String,
    /// `o-...`.
    pub organization: Option<String>,
    /// The management account.
    pub management_account: Option<String>,
    /// The account selection.
    pub filter: Filter,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: String,
    /// Totals over the accounts.
    pub summary: OrgSummary,
    /// AWS requests per service, over the whole audit (listing the organisation included).
    pub api_requests: BTreeMap<String, ApiCounts>,
    /// Every selected account, by id.
    pub accounts: Vec<AccountEntry>,
}

/// Totals over the accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSummary {
    /// Accounts selected.
    pub accounts: usize,
    /// Accounts audited.
    pub assessed: usize,
    /// Accounts that could not be audited.
    pub not_assessed: usize,
    /// Failing findings over the assessed accounts.
    pub fail: usize,
    /// Passing findings.
    pub pass: usize,
    /// Findings not assessed within assessed accounts.
    pub findings_not_assessed: usize,
    /// Failing findings per severity.
    pub failing_by_severity: BTreeMap<String, usize>,
    /// Coverage gaps over the assessed accounts.
    pub coverage_gaps: usize,
}

/// One account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEntry {
    /// The 12-digit id.
    pub account: String,
    /// Its name in Organizations.
    pub name: String,
    /// `assessed` or `not_assessed`.
    pub status: String,
    /// Why the account was not assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The run in the findings store, when the audit recorded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<i64>,
    /// The account's v1 report, when assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

/// Builds the organisation report.
pub fn build(audit: &OrgAudit) -> OrgReport {
    let mut accounts: Vec<AccountEntry> = audit
        .accounts
        .iter()
        .map(|a| match &a.outcome {
            Ok(result) => AccountEntry {
                account: a.id.clone(),
                name: a.name.clone(),
                status: "assessed".into(),
                reason: None,
                run_id: a.run_id,
                report: Some(json_v1::build(result)),
            },
            Err(why) => AccountEntry {
                account: a.id.clone(),
                name: a.name.clone(),
                status: "not_assessed".into(),
                reason: Some(why.clone()),
                run_id: a.run_id,
                report: None,
            },
        })
        .collect();
    accounts.sort_by(|a, b| a.account.cmp(&b.account));
    let reports: Vec<&Report> = accounts.iter().filter_map(|a| a.report.as_ref()).collect();
    let mut failing_by_severity: BTreeMap<String, usize> = BTreeMap::new();
    let mut api = audit.discovery_api.clone();
    for r in &reports {
        for (k, n) in &r.summary.failing_by_severity {
            *failing_by_severity.entry(k.clone()).or_default() += n;
        }
    }
    for a in &audit.accounts {
        if let Ok(r) = &a.outcome {
            for (s, c) in &r.api {
                api.entry(s.clone()).or_default().add(c);
            }
        }
    }
    OrgReport {
        schema: SCHEMA.into(),
        tool: Tool {
            name: "auditor".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        wa_revision: REVISION.into(),
        organization: audit.organization.clone(),
        management_account: audit.management_account.clone(),
        filter: audit.filter.clone(),
        started_at: audit.started_at.clone(),
        finished_at: audit.finished_at.clone(),
        summary: OrgSummary {
            accounts: accounts.len(),
            assessed: reports.len(),
            not_assessed: accounts.len() - reports.len(),
            fail: reports.iter().map(|r| r.summary.counts.fail).sum(),
            pass: reports.iter().map(|r| r.summary.counts.pass).sum(),
            findings_not_assessed: reports.iter().map(|r| r.summary.counts.not_assessed).sum(),
            failing_by_severity,
            coverage_gaps: reports.iter().map(|r| r.summary.coverage_gaps).sum(),
        },
        api_requests: api,
        accounts,
    }
}

/// The organisation report as pretty JSON, newline-terminated.
pub fn to_json(audit: &OrgAudit) -> String {
    let mut s = serde_json::to_string_pretty(&build(audit)).unwrap_or_default();
    s.push('\n');
    s
}

/// The terminal rendering: each assessed account's table, then the accounts at a glance.
pub fn render(audit: &OrgAudit, opts: crate::table::TableOptions) -> String {
    // Text outside the tables (bucket names, reasons) is AWS's too: shown, never obeyed.
    auditor_model::text::escape_cell(&render_raw(audit, opts)).into_owned()
}

fn render_raw(audit: &OrgAudit, opts: crate::table::TableOptions) -> String {
    let r = build(audit);
    let mut out = String::new();
    for a in &audit.accounts {
        if let Ok(result) = &a.outcome {
            out += &format!("━━ {} ({}) ━━\n", a.id, a.name);
            out += &crate::table::render(result, opts);
            out.push('\n');
        }
    }
    let mut b = Builder::default();
    b.push_record([
        "ACCOUNT", "NAME", "STATUS", "FAIL", "PASS", "N/A", "GAPS", "REASON",
    ]);
    for a in &r.accounts {
        let (fail, pass, na, gaps) = match &a.report {
            Some(rep) => (
                rep.summary.counts.fail.to_string(),
                rep.summary.counts.pass.to_string(),
                rep.summary.counts.not_assessed.to_string(),
                rep.summary.coverage_gaps.to_string(),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        b.push_record([
            a.account.clone(),
            crate::table::clip(&a.name, 30),
            a.status.replace('_', " "),
            fail,
            pass,
            na,
            gaps,
            crate::table::clip(a.reason.as_deref().unwrap_or(""), 70),
        ]);
    }
    out += &format!(
        "Organisation {} (management account {}): {} account(s) selected, {} assessed, {} not assessed.\n",
        r.organization.as_deref().unwrap_or("(unknown)"),
        r.management_account.as_deref().unwrap_or("(unknown)"),
        r.summary.accounts,
        r.summary.assessed,
        r.summary.not_assessed,
    );
    out += &crate::table::sharp(b);
    out += "\n";
    out += &crate::table::api_line(&r.api_requests);
    out
}
