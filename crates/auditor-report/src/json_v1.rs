//! JSON report, schema version 1. Documented field by field in `REPORT-V1.md`.
//!
//! These structs are the contract with users' pipelines: fields are only ever added
//! (optional), never renamed or removed, within v1.

use crate::rollup::rollup;
use crate::{sort_findings, Counts};
use auditor_checks::catalog::{catalog, REVISION};
use auditor_model::{AuditResult, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;

/// The value of the `schema` field.
pub const SCHEMA: &str = "auditor.report.v1";

/// The value of the `schema_version` field: v1's minor version (fields only added; see
/// `REPORT-V1.md`, "Versions").
pub const SCHEMA_VERSION: &str = "1.1";

/// Evidence items listed per finding, at most; `evidence_omitted` counts the rest.
pub const EVIDENCE_CAP: usize = 50;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The minor version within v1, [`SCHEMA_VERSION`]. Added in 1.1 (absent before:
    /// 1.0).
    #[serde(default = "v1_0")]
    pub schema_version: String,
    /// The program that wrote it.
    pub tool: Tool,
    /// The Well-Architected revision every `SECnn-BPnn` id refers to.
    pub wa_revision: String,
    /// The audited account.
    pub account: String,
    /// Its partition.
    pub partition: String,
    /// The identity the audit acted as.
    pub caller_arn: String,
    /// The role assumed into the account, if any.
    pub assumed_role: Option<String>,
    /// Regions audited.
    pub regions: Vec<String>,
    /// Services collected.
    pub services: Vec<String>,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: String,
    /// Totals.
    pub summary: Summary,
    /// Every check that ran, with its counts.
    pub checks: Vec<CheckRun>,
    /// Every finding: failures first, then not assessed, then passes.
    pub findings: Vec<Finding>,
    /// What could not be read, and the checks that lost data because of it.
    pub coverage_gaps: Vec<CoverageGap>,
    /// Every practice of the catalog with this audit's verdict.
    pub wa_rollup: Vec<Practice>,
    /// Terraform state buckets: who can read, write and delete which team's state
    /// (principal × team), when S3 was audited. Added in 0.1 (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_access: Vec<auditor_model::s3::StateAccessMatrix>,
    /// The principals each grouped row of `state_access` stands for (`rows[].group`).
    /// Added in 1.1 (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state_access_groups: Vec<auditor_model::s3::PrincipalGroup>,
    /// AWS requests the audit sent, per service: `requests` (retries included),
    /// `throttled` answers, `rate_limited_ms` spent waiting for the auditor's own rate
    /// limit, and the SDK's `retries` with `retry_wait_ms` spent waiting to retry. Absent
    /// for audits of a saved inventory. Added in 0.1 (optional).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub api_requests: BTreeMap<String, auditor_model::ApiCounts>,
}

/// The program.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tool {
    /// `auditor`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Summary {
    /// Findings by status.
    #[serde(flatten)]
    pub counts: Counts,
    /// Failing findings per severity (every severity present, zeros included).
    pub failing_by_severity: BTreeMap<String, usize>,
    /// Number of coverage gaps.
    pub coverage_gaps: usize,
    /// Failing findings accepted by a suppression in force (counted in `fail` too).
    #[serde(default)]
    pub suppressed: usize,
}

/// A check that ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CheckRun {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Severity of failures (after the user's remapping).
    pub severity: String,
    /// WA ids.
    pub wa: Vec<String>,
    /// The Security Hub controls (AWS Foundational Security Best Practices) it matches,
    /// e.g. `ELB.1`. Added in 0.1 (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fsbp: Vec<String>,
    /// How to fix a failure, as the check's documentation says it (placeholders such as
    /// `<bucket>` unfilled; each failing finding carries its own, filled). Added in 1.1.
    #[serde(default)]
    pub remediation: String,
    /// Why it matters, from the check's documentation. Added in 1.1.
    #[serde(default)]
    pub why: String,
    /// The documents the check rests on. Added in 1.1.
    #[serde(default)]
    pub references: Vec<String>,
    /// Its findings by status.
    #[serde(flatten)]
    pub counts: Counts,
}

/// A finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    /// Check code.
    pub code: String,
    /// Check name.
    pub name: String,
    /// Check title.
    pub title: String,
    /// `info` ... `critical`.
    pub severity: String,
    /// `fail`, `pass` or `not_assessed`.
    pub status: String,
    /// Why it was not assessed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_reason: Option<String>,
    /// The resource.
    pub resource: Resource,
    /// What was observed (at most [`EVIDENCE_CAP`] items).
    pub evidence: Vec<Evidence>,
    /// Evidence items left out past [`EVIDENCE_CAP`]. Added in 1.1 (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub evidence_omitted: usize,
    /// WA practices with titles.
    pub wa: Vec<WaRef>,
    /// How to fix this failure, naming its resource. Since 1.1 empty on passing and
    /// unassessed findings (the check's text is `checks[].remediation`).
    #[serde(default)]
    pub remediation: String,
    /// Stable id across runs.
    pub fingerprint: String,
    /// The suppression from config matching this failure: in force, or expired.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suppression: Option<auditor_model::Suppression>,
}

/// A resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Resource {
    /// ARN (synthetic for account settings).
    pub arn: String,
    /// Account.
    pub account: String,
    /// Region; absent for global resources.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<String>,
    /// Kind.
    pub kind: String,
    /// Short id.
    pub id: String,
    /// Human name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
}

/// Evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// API field.
    pub field: String,
    /// Observed value.
    pub observed: String,
    /// Why it matters.
    pub reason: String,
}

impl Evidence {
    /// `field: observed (reason)`, as the flat formats (CSV, SARIF, ASFF, OCSF) show it.
    pub fn line(&self) -> String {
        format!("{}: {} ({})", self.field, self.observed, self.reason)
    }
}

impl Finding {
    /// Its evidence as one text: the lines joined with `; `.
    pub fn evidence_text(&self) -> String {
        self.evidence
            .iter()
            .map(Evidence::line)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A WA practice reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WaRef {
    /// Id.
    pub id: String,
    /// Title in [`Report::wa_revision`].
    pub title: String,
}

/// A coverage gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CoverageGap {
    /// Service.
    pub service: String,
    /// Region; absent for global APIs.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub region: Option<String>,
    /// The API, as the IAM action to grant (`*` for a whole region).
    pub api: String,
    /// `access_denied`, `throttled`, `region_disabled`, `not_offered`, `absent`, `other`.
    pub kind: String,
    /// One line.
    pub message: String,
    /// The ARN of the one resource the gap is about, when it vanished with it (a bucket
    /// the discovery could not look into); its checks report it "not assessed".
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub resource: Option<String>,
    /// Checks that read this API.
    pub checks: Vec<String>,
}

/// A practice in the roll-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Practice {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Risk level.
    pub risk: String,
    /// `failing`, `not_assessed`, `passing`, `no_resources`, `not_run`, `no_automated_check`.
    pub status: String,
    /// Checks serving it.
    pub checks: Vec<String>,
    /// Findings of those checks.
    #[serde(flatten)]
    pub counts: Counts,
}

fn v1_0() -> String {
    "1.0".into()
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Builds the v1 report of an audit, as the JSON report carries it since 1.1: evidence
/// capped at [`EVIDENCE_CAP`] items, remediation on failing findings only.
pub fn build(result: &AuditResult) -> Report {
    build_with(result, true)
}

/// Builds the v1 report with every evidence item and every finding's remediation: what the
/// other formats (CSV, SARIF, ASFF, OCSF, HTML, the table) are written from.
pub fn build_full(result: &AuditResult) -> Report {
    build_with(result, false)
}

fn build_with(result: &AuditResult, compact: bool) -> Report {
    let cap = if compact { EVIDENCE_CAP } else { usize::MAX };
    let mut findings: Vec<&auditor_model::Finding> = result.findings.iter().collect();
    sort_findings(&mut findings);
    let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
    for f in &findings {
        counts.entry(f.code.as_str()).or_default().add(f);
    }
    let wa_title = |id: &str| {
        catalog()
            .get(id)
            .map(|p| p.title.clone())
            .unwrap_or_default()
    };

    let checks = result
        .checks_run
        .iter()
        .filter_map(|code| auditor_checks::by_code(code))
        .map(|c| {
            let m = c.meta();
            let severity = findings
                .iter()
                .find(|f| f.code == m.code)
                .map_or(m.severity, |f| f.severity);
            CheckRun {
                code: m.code.into(),
                name: m.name.into(),
                title: m.title.into(),
                severity: severity.to_string(),
                wa: m.wa.iter().map(|w| (*w).to_owned()).collect(),
                fsbp: m.fsbp.iter().map(|f| (*f).to_owned()).collect(),
                remediation: m.remediation(),
                why: m.why(),
                references: m.references(),
                counts: counts.get(m.code).copied().unwrap_or_default(),
            }
        })
        .collect();

    let mut failing_by_severity: BTreeMap<String, usize> = auditor_model::Severity::ALL
        .iter()
        .map(|s| (s.to_string(), 0))
        .collect();
    for f in findings
        .iter()
        .filter(|f| f.status == auditor_model::Status::Fail)
    {
        *failing_by_severity
            .entry(f.severity.to_string())
            .or_default() += 1;
    }

    let coverage_gaps = result
        .gaps
        .iter()
        .map(|g| CoverageGap {
            service: g.service.clone(),
            region: g.region.clone(),
            api: g.api.clone(),
            kind: g.kind.as_str().into(),
            message: g.message.clone(),
            resource: g.resource.as_deref().map(str::to_owned),
            checks: result
                .checks_run
                .iter()
                .filter_map(|code| auditor_checks::by_code(code))
                .map(|c| c.meta())
                .filter(|m| m.costed_by(g))
                .map(|m| m.code.to_owned())
                .collect(),
        })
        .collect();

    Report {
        schema: SCHEMA.into(),
        schema_version: SCHEMA_VERSION.into(),
        tool: Tool {
            name: "auditor".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        wa_revision: REVISION.into(),
        account: result.account_id.clone(),
        partition: result.partition.clone(),
        caller_arn: result.caller_arn.clone(),
        assumed_role: result.assumed_role.clone(),
        regions: result.regions.clone(),
        services: result.services.iter().map(|s| s.to_string()).collect(),
        started_at: rfc3339(result.started_at),
        finished_at: rfc3339(result.finished_at),
        summary: Summary {
            counts: Counts::of(findings.iter().copied()),
            failing_by_severity,
            coverage_gaps: result.gaps.len(),
            suppressed: findings
                .iter()
                .filter(|f| f.status == Status::Fail && !f.fails_unsuppressed())
                .count(),
        },
        checks,
        findings: findings
            .iter()
            .map(|f| Finding {
                code: f.code.clone(),
                name: f.name.clone(),
                title: f.title.clone(),
                severity: f.severity.to_string(),
                status: f.status.as_str().into(),
                status_reason: f.status_reason.clone(),
                resource: Resource {
                    arn: f.resource.arn.clone(),
                    account: f.resource.account.clone(),
                    region: f.resource.region.clone(),
                    kind: f.resource.kind.clone(),
                    id: f.resource.id.clone(),
                    name: f.resource.name.clone(),
                },
                evidence: f
                    .evidence
                    .iter()
                    .take(cap)
                    .map(|e| Evidence {
                        field: e.field.clone(),
                        observed: e.observed.clone(),
                        reason: e.reason.clone(),
                    })
                    .collect(),
                evidence_omitted: f.evidence.len().saturating_sub(cap),
                wa: f
                    .wa_ids
                    .iter()
                    .map(|w| WaRef {
                        id: w.to_string(),
                        title: wa_title(w.as_str()),
                    })
                    .collect(),
                remediation: if f.status == Status::Fail || !compact {
                    f.remediation.clone()
                } else {
                    String::new()
                },
                fingerprint: f.fingerprint.clone(),
                suppression: f.suppression.clone(),
            })
            .collect(),
        coverage_gaps,
        wa_rollup: rollup(result)
            .into_iter()
            .map(|p| Practice {
                id: p.id,
                title: p.title,
                risk: p.risk,
                status: p.status.as_str().into(),
                checks: p.checks,
                counts: p.counts,
            })
            .collect(),
        state_access: result.state_access.clone(),
        state_access_groups: result.state_access_groups.clone(),
        api_requests: result.api.clone(),
    }
}

/// The report as pretty JSON, newline-terminated.
pub fn to_json(result: &AuditResult) -> String {
    to_json_of(&build(result))
}

/// A built report as JSON, one value per line indented by one space, newline-terminated.
pub fn to_json_of(report: &Report) -> String {
    let mut out = Vec::new();
    // Serializing plain structs of strings and numbers into memory cannot fail.
    let _ = write_report(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the report of an audit as [`to_json_of`] does, to `w` as it is serialised (no
/// copy of the whole text in memory).
pub fn write_json(result: &AuditResult, w: impl std::io::Write) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    write_report(&build(result), &mut w)?;
    w.flush()
}

/// Pretty JSON with a one-space indent: as readable as two, and a large account's report
/// is a tenth smaller (the indentation of 20,000 findings is megabytes).
fn write_report(report: &Report, mut w: impl std::io::Write) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        &mut w,
        serde_json::ser::PrettyFormatter::with_indent(b" "),
    );
    report.serialize(&mut ser).map_err(std::io::Error::from)?;
    w.write_all(b"\n")
}

/// The JSON Schema of the v1 report, generated from these types (`auditor schema report`;
/// checked in as `crates/auditor-report/report-v1.schema.json`, which a test keeps current).
pub fn schema() -> String {
    // Keys sorted, whatever serde_json's `preserve_order` in this build: the same text from
    // every build (a test compares it with the checked-in file).
    fn sorted(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut entries: Vec<(String, serde_json::Value)> = m.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                serde_json::Value::Object(
                    entries.into_iter().map(|(k, v)| (k, sorted(v))).collect(),
                )
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sorted).collect())
            }
            other => other,
        }
    }
    let schema = serde_json::to_value(schemars::schema_for!(Report)).unwrap_or_default();
    serde_json::to_string_pretty(&sorted(schema)).unwrap_or_default() + "\n"
}
