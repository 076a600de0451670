//! OCSF 1.5 Compliance Finding events (class 2003), one JSON object per line, for Amazon
//! Security Lake and OCSF pipelines.
//!
//! Compliance Finding, not Detection Finding: every result is the evaluation of a resource's
//! configuration against a practice (the Well-Architected Security pillar), which is what the
//! class is for; a Detection Finding reports observed activity (a threat detected), which the
//! auditor never sees. Every finding of the run is one event: `compliance.status_id` Pass (1),
//! Fail (3), or Unknown (0) for not assessed, `compliance.requirements` the WA ids;
//! `status_id` New (1), or Suppressed (3) for an accepted failure; the resource with its ARN,
//! region and partition; the `cloud` profile's account; a failure's remediation as
//! `remediation.desc` (absent on passes and unassessed findings: nothing to fix).

use auditor_model::AuditResult;
use serde_json::json;

/// The OCSF schema version written.
pub const OCSF_VERSION: &str = "1.5.0";

fn severity(s: &str) -> (u8, &'static str) {
    match s {
        "critical" => (5, "Critical"),
        "high" => (4, "High"),
        "medium" => (3, "Medium"),
        "low" => (2, "Low"),
        _ => (1, "Informational"),
    }
}

/// The run as OCSF Compliance Finding events, one per line.
pub fn to_ocsf(result: &AuditResult) -> String {
    let report = crate::json_v1::build_full(result);
    let time_ms = (result.finished_at.unix_timestamp_nanos() / 1_000_000) as i64;
    let mut out = String::new();
    for f in &report.findings {
        let (severity_id, severity_name) = severity(&f.severity);
        let (compliance_id, compliance_name) = match f.status.as_str() {
            "pass" => (1, "Pass"),
            "fail" => (3, "Fail"),
            _ => (0, "Unknown"),
        };
        let suppressed = f.suppression.as_ref().is_some_and(|s| !s.expired) && f.status == "fail";
        let (status_id, status) = if suppressed {
            (3, "Suppressed")
        } else {
            (1, "New")
        };
        let desc = match &f.status_reason {
            Some(why) => format!("not assessed: {why}"),
            None if f.evidence.is_empty() => f.title.clone(),
            None => f.evidence_text(),
        };
        let region = f.resource.region.clone();
        let mut event = json!({
            "activity_id": 1,
            "activity_name": "Create",
            "category_uid": 2,
            "category_name": "Findings",
            "class_uid": 2003,
            "class_name": "Compliance Finding",
            "type_uid": 200301,
            "type_name": "Compliance Finding: Create",
            "time": time_ms,
            "time_dt": report.finished_at,
            "severity_id": severity_id,
            "severity": severity_name,
            "status_id": status_id,
            "status": status,
            "message": f.title,
            "metadata": {
                "version": OCSF_VERSION,
                "product": {
                    "name": "Auditor",
                    "vendor_name": "Auditor",
                    "version": report.tool.version,
                },
                "event_code": f.code,
                "profiles": ["cloud"],
            },
            "finding_info": {
                "uid": f.fingerprint,
                "title": f.title,
                "desc": desc,
                "types": [f.name],
                "created_time": time_ms,
            },
            "compliance": {
                "control": f.code,
                "standards": [format!("AWS Well-Architected Framework, Security Pillar ({})", report.wa_revision)],
                "requirements": f.wa.iter().map(|w| w.id.clone()).collect::<Vec<_>>(),
                "status_id": compliance_id,
                "status": compliance_name,
            },
            "resources": [{
                "uid": f.resource.arn,
                "name": f.resource.id,
                "type": f.resource.kind,
                "region": region,
                "cloud_partition": result.partition,
            }],
            "remediation": { "desc": f.remediation },
            "cloud": {
                "provider": "AWS",
                "account": { "uid": f.resource.account, "type_id": 10, "type": "AWS Account" },
                "region": region,
            },
        });
        if f.remediation.is_empty() {
            if let Some(o) = event.as_object_mut() {
                o.remove("remediation");
            }
        }
        out += &event.to_string();
        out.push('\n');
    }
    out
}
