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
pub const SCHEMA_VERSION: &str = "1.2";

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

/// Builds the v1 report with every evidence item and each finding's remediation as the
/// audit has it (on failures; on passes too in runs stored before remediation was kept for
/// failures only): what the other formats (CSV, SARIF, ASFF, OCSF, HTML, the table) are
/// written from.
pub fn build_full(result: &AuditResult) -> Report {
    build_with(result, false)
}

fn build_with(result: &AuditResult, compact: bool) -> Report {
    let v = View::of(result, compact);
    Report {
        schema: v.schema.into(),
        schema_version: v.schema_version.into(),
        tool: v.tool,
        wa_revision: v.wa_revision.into(),
        account: v.account.into(),
        partition: v.partition.into(),
        caller_arn: v.caller_arn.into(),
        assumed_role: v.assumed_role.map(str::to_owned),
        regions: v.regions.to_vec(),
        services: v.services,
        started_at: v.started_at,
        finished_at: v.finished_at,
        summary: v.summary,
        checks: v.checks,
        findings: v
            .findings
            .list
            .iter()
            .map(|f| v.findings.of(f).owned())
            .collect(),
        coverage_gaps: v.coverage_gaps,
        wa_rollup: v.wa_rollup,
        state_access: v.state_access.to_vec(),
        state_access_groups: v.state_access_groups.to_vec(),
        api_requests: v.api_requests.clone(),
    }
}

/// The report as [`Report`] serialises it, borrowing the findings, their evidence and the
/// state-access matrices from the audit: what [`write_json`] streams, so a large account's
/// report never holds a second copy of them. Field for field [`Report`]'s, in its order
/// (a test compares the two texts).
#[derive(Serialize)]
struct View<'a> {
    schema: &'static str,
    schema_version: &'static str,
    tool: Tool,
    wa_revision: &'static str,
    account: &'a str,
    partition: &'a str,
    caller_arn: &'a str,
    assumed_role: Option<&'a str>,
    regions: &'a [String],
    services: Vec<String>,
    started_at: String,
    finished_at: String,
    summary: Summary,
    checks: Vec<CheckRun>,
    findings: Findings<'a>,
    coverage_gaps: Vec<CoverageGap>,
    wa_rollup: Vec<Practice>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    state_access: &'a [auditor_model::s3::StateAccessMatrix],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    state_access_groups: &'a [auditor_model::s3::PrincipalGroup],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    api_requests: &'a BTreeMap<String, auditor_model::ApiCounts>,
}

/// The findings in report order, each serialised as it is written.
struct Findings<'a> {
    list: Vec<&'a auditor_model::Finding>,
    /// Evidence items per finding, at most.
    cap: usize,
    /// Each finding's remediation as the audit has it (the full report), rather than on
    /// failures only (the JSON report).
    remediation_as_found: bool,
}

impl<'a> Findings<'a> {
    fn of(&self, f: &'a auditor_model::Finding) -> FindingView<'a> {
        let wa_title =
            |id: &str| -> &'static str { catalog().get(id).map_or("", |p| p.title.as_str()) };
        FindingView {
            code: &f.code,
            name: &f.name,
            title: &f.title,
            severity: f.severity.as_str(),
            status: f.status.as_str(),
            status_reason: f.status_reason.as_deref(),
            resource: &f.resource,
            evidence: &f.evidence[..f.evidence.len().min(self.cap)],
            evidence_omitted: f.evidence.len().saturating_sub(self.cap),
            wa: f
                .wa_ids
                .iter()
                .map(|w| WaView {
                    id: w.as_str(),
                    title: wa_title(w.as_str()),
                })
                .collect(),
            remediation: if f.status == Status::Fail || self.remediation_as_found {
                &f.remediation
            } else {
                ""
            },
            fingerprint: &f.fingerprint,
            suppression: f.suppression.as_deref(),
        }
    }
}

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.list.len()))?;
        for f in &self.list {
            seq.serialize_element(&self.of(f))?;
        }
        seq.end()
    }
}

/// A [`Finding`] borrowed from the audit's.
#[derive(Serialize)]
struct FindingView<'a> {
    code: &'a str,
    name: &'a str,
    title: &'a str,
    severity: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_reason: Option<&'a str>,
    /// The model's resource: the same fields as [`Resource`], serialised the same way.
    resource: &'a auditor_model::Resource,
    /// The model's evidence: the same fields as [`Evidence`].
    evidence: &'a [auditor_model::Evidence],
    #[serde(skip_serializing_if = "is_zero")]
    evidence_omitted: usize,
    wa: Vec<WaView<'a>>,
    remediation: &'a str,
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<&'a auditor_model::Suppression>,
}

#[derive(Serialize)]
struct WaView<'a> {
    id: &'a str,
    title: &'static str,
}

impl FindingView<'_> {
    fn owned(&self) -> Finding {
        let r = self.resource;
        Finding {
            code: self.code.into(),
            name: self.name.into(),
            title: self.title.into(),
            severity: self.severity.into(),
            status: self.status.into(),
            status_reason: self.status_reason.map(str::to_owned),
            resource: Resource {
                arn: r.arn.clone(),
                account: r.account.to_string(),
                region: r.region.as_deref().map(str::to_owned),
                kind: r.kind.to_string(),
                id: r.id.clone(),
                name: r.name.clone(),
            },
            evidence: self
                .evidence
                .iter()
                .map(|e| Evidence {
                    field: e.field.to_string(),
                    observed: e.observed.to_string(),
                    reason: e.reason.to_string(),
                })
                .collect(),
            evidence_omitted: self.evidence_omitted,
            wa: self
                .wa
                .iter()
                .map(|w| WaRef {
                    id: w.id.into(),
                    title: w.title.into(),
                })
                .collect(),
            remediation: self.remediation.into(),
            fingerprint: self.fingerprint.into(),
            suppression: self.suppression.cloned(),
        }
    }
}

impl<'a> View<'a> {
    fn of(result: &'a AuditResult, compact: bool) -> Self {
        let mut findings: Vec<&auditor_model::Finding> = result.findings.iter().collect();
        sort_findings(&mut findings);
        let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
        for f in &findings {
            counts.entry(&*f.code).or_default().add(f);
        }
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

        View {
            schema: SCHEMA,
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "auditor".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            wa_revision: REVISION,
            account: &result.account_id,
            partition: &result.partition,
            caller_arn: &result.caller_arn,
            assumed_role: result.assumed_role.as_deref(),
            regions: &result.regions,
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
            findings: Findings {
                list: findings,
                cap: if compact { EVIDENCE_CAP } else { usize::MAX },
                remediation_as_found: !compact,
            },
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
            state_access: &result.state_access,
            state_access_groups: &result.state_access_groups,
            api_requests: &result.api,
        }
    }
}

/// The report as pretty JSON, newline-terminated.
pub fn to_json(result: &AuditResult) -> String {
    let mut out = Vec::new();
    // Serializing plain structs of strings and numbers into memory cannot fail.
    let _ = write_json(result, &mut out);
    String::from_utf8(out).unwrap_or_default()
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
    write_report(&View::of(result, true), &mut w)?;
    w.flush()
}

/// Pretty JSON with a one-space indent: as readable as two, and a large account's report
/// is a tenth smaller (the indentation of 20,000 findings is megabytes).
fn write_report(report: &impl Serialize, mut w: impl std::io::Write) -> std::io::Result<()> {
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
