//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers: one run; the rules are
//! the checks that ran (their docs as help, their Well-Architected ids as tags, a
//! `security-severity` for GitHub); the results are the failing findings (a suppressed one
//! carries its suppression), each at its resource: the ARN as a logical location, and a
//! physical location `aws/<account>/<region>/<kind>/<id>` (SARIF consumers such as GitHub
//! need one; it names no file of the repository); `partialFingerprints` from the finding's
//! fingerprint, so an alert follows its resource across runs. Coverage gaps are tool
//! notifications.
//!
//! GitHub's upload limits (docs "SARIF support for code scanning"): at most 25,000 results
//! per run (only the first 5,000 are shown), 20 tags per rule, 10 MB gzip-compressed.
//! Results are capped at [`MAX_RESULTS`], highest severity first, with a notification
//! saying how many were left out; tags are the WA ids and FSBP controls plus `security`, at most 20.

use auditor_model::AuditResult;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Value};

/// Results per run GitHub accepts.
pub const MAX_RESULTS: usize = 25_000;

/// What stays as is in a path segment of the resource's location.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// GitHub's `security-severity`: critical ≥ 9.0, high 7.0–8.9, medium 4.0–6.9, low < 4.
fn security_severity(severity: &str) -> &'static str {
    match severity {
        "critical" => "9.5",
        "high" => "8.0",
        "medium" => "5.5",
        "low" => "3.0",
        _ => "0.0",
    }
}

fn level(severity: &str) -> &'static str {
    match severity {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    }
}

/// The run as SARIF 2.1.0 (pretty-printed JSON).
pub fn to_sarif(result: &AuditResult) -> String {
    let report = crate::json_v1::build_full(result);
    let mut rules = Vec::new();
    let mut index = std::collections::BTreeMap::new();
    for code in &result.checks_run {
        let Some(check) = auditor_checks::by_code(code) else {
            continue;
        };
        let m = check.meta();
        index.insert(m.code.to_owned(), rules.len());
        let mut tags: Vec<String> = vec!["security".into()];
        tags.extend(m.wa.iter().map(|w| (*w).to_owned()));
        tags.extend(m.fsbp.iter().map(|f| format!("FSBP {f}")));
        tags.truncate(20);
        let references = m.section("References").unwrap_or_default();
        rules.push(json!({
            "id": m.code,
            "name": m.name,
            "shortDescription": { "text": m.title },
            "fullDescription": { "text": m.section("What it checks").unwrap_or_else(|| m.title.to_owned()) },
            "help": {
                "text": format!("{}\n\nReferences:\n{references}", m.remediation()),
                "markdown": m.doc_text(),
            },
            "defaultConfiguration": { "level": level(m.severity.as_str()) },
            "properties": {
                "tags": tags,
                "security-severity": security_severity(m.severity.as_str()),
                "precision": "high",
            },
        }));
    }
    let failing: Vec<&crate::json_v1::Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == "fail")
        .collect();
    let left_out = failing.len().saturating_sub(MAX_RESULTS);
    let results: Vec<Value> = failing
        .iter()
        .take(MAX_RESULTS)
        .map(|f| {
            let region = f.resource.region.as_deref().unwrap_or("global");
            let uri = format!(
                "aws/{}/{}/{}/{}",
                segment(&f.resource.account),
                segment(region),
                segment(&f.resource.kind),
                segment(&f.resource.id)
            );
            let mut r = json!({
                "ruleId": f.code,
                "level": level(&f.severity),
                "message": {
                    "text": format!("{} — {}: {}", f.title, f.resource.arn, f.evidence_text()),
                },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri },
                        "region": { "startLine": 1 },
                    },
                    "logicalLocations": [{
                        "fullyQualifiedName": f.resource.arn,
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": { "auditorFingerprint/v1": f.fingerprint },
                "properties": {
                    "severity": f.severity,
                    "security-severity": security_severity(&f.severity),
                    "remediation": f.remediation,
                    "wa": f.wa.iter().map(|w| w.id.clone()).collect::<Vec<_>>(),
                },
            });
            if let Some(i) = index.get(&f.code) {
                r["ruleIndex"] = json!(i);
            }
            if let Some(s) = f.suppression.as_ref().filter(|s| !s.expired) {
                r["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("{} (owner {}, until {})", s.reason, s.owner, s.expires),
                }]);
            }
            r
        })
        .collect();
    let mut notifications: Vec<Value> = report
        .coverage_gaps
        .iter()
        .map(|g| {
            json!({
                "level": "warning",
                "message": {
                    "text": format!(
                        "coverage gap: {} in {}: {}: {} (checks not assessed: {})",
                        g.api,
                        g.region.as_deref().unwrap_or("global"),
                        g.kind,
                        g.message,
                        g.checks.join(", ")
                    ),
                },
            })
        })
        .collect();
    if left_out > 0 {
        notifications.push(json!({
            "level": "warning",
            "message": { "text": format!("{left_out} failing findings left out: SARIF consumers such as GitHub take {MAX_RESULTS} per run; the JSON report has them all") },
        }));
    }
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "auditor",
                    "version": report.tool.version,
                    "informationUri": "https://github.com/auditor/auditor",
                    "rules": rules,
                },
            },
            "automationDetails": { "id": format!("auditor/{}/", result.account_id) },
            "invocations": [{
                "executionSuccessful": true,
                "startTimeUtc": report.started_at,
                "endTimeUtc": report.finished_at,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
            "properties": {
                "account": result.account_id,
                "regions": result.regions,
            },
        }],
    });
    serde_json::to_string_pretty(&sarif).unwrap_or_default()
}
