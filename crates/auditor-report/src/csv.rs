//! The CSV report: one row per finding, RFC 4180 (comma-separated, `"`-quoted where needed,
//! CRLF line ends, a header row), for spreadsheets and ticket imports.
//!
//! A cell that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab or carriage
//! return first) starts with `'`: AWS data (a tag, a name) must not run as a formula on the
//! reviewer's machine. The same columns in every release of the v1 report; new ones are
//! only ever added at the end.

use auditor_model::AuditResult;

/// The columns, in order.
pub const COLUMNS: [&str; 16] = [
    "account",
    "code",
    "name",
    "title",
    "severity",
    "status",
    "status_reason",
    "resource_arn",
    "resource_kind",
    "resource_id",
    "region",
    "evidence",
    "remediation",
    "wa_ids",
    "suppressed_until",
    "fingerprint",
];

/// A cell a spreadsheet shows as text.
fn cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// The findings of `result` as CSV, failures first as in the JSON report.
pub fn to_csv(result: &AuditResult) -> String {
    let report = crate::json_v1::build_full(result);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(COLUMNS);
    for f in &report.findings {
        let wa: Vec<&str> = f.wa.iter().map(|w| w.id.as_str()).collect();
        let row = [
            result.account_id.clone(),
            f.code.clone(),
            f.name.clone(),
            f.title.clone(),
            f.severity.clone(),
            f.status.clone(),
            f.status_reason.clone().unwrap_or_default(),
            f.resource.arn.clone(),
            f.resource.kind.clone(),
            f.resource.id.clone(),
            f.resource.region.clone().unwrap_or_default(),
            f.evidence_text(),
            f.remediation.clone(),
            wa.join(" "),
            f.suppression
                .as_ref()
                .map(|s| s.expires.clone())
                .unwrap_or_default(),
            f.fingerprint.clone(),
        ];
        let _ = w.write_record(row.iter().map(|c| cell(c)));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
