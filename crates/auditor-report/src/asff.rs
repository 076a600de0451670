//! The AWS Security Finding Format, ready for Security Hub: `asff` output is one JSON object
//! per line, each `{"Findings": [...]}` of at most 100 findings, the input of
//! `aws securityhub batch-import-findings --cli-input-json "$line"` (the API takes 100 at a
//! time). Every finding of the run is one ASFF finding: fail → `Compliance.Status` FAILED,
//! pass → PASSED, not assessed → NOT_AVAILABLE; `Compliance.RelatedRequirements` holds the
//! Well-Architected ids and the FSBP controls the check matches; a suppressed failure has `Workflow.Status` SUPPRESSED. The product
//! is the account's own custom integration (`product/<account>/default`). An issue a stored
//! run resolved comes as `RecordState` ARCHIVED (with `resolved`).

use crate::table::clip;
use auditor_model::AuditResult;
use serde_json::{json, Value};

/// Findings per `BatchImportFindings` call.
pub const BATCH: usize = 100;

/// An issue resolved by the run (from a store's history): archived in Security Hub.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Fingerprint.
    pub fingerprint: String,
    /// Check code.
    pub code: String,
    /// Check title.
    pub title: String,
    /// Resource ARN.
    pub resource_arn: String,
    /// Region, for regional resources.
    pub region: Option<String>,
}

fn label(severity: &str) -> &'static str {
    match severity {
        "critical" => "CRITICAL",
        "high" => "HIGH",
        "medium" => "MEDIUM",
        "low" => "LOW",
        _ => "INFORMATIONAL",
    }
}

/// The FSBP controls a check matches (from its metadata).
fn fsbp_of(code: &str) -> &'static [&'static str] {
    auditor_checks::by_code(code).map_or(&[], |c| c.meta().fsbp)
}

/// Security Hub's resource type for the kinds the auditor reports, `Other` for the rest.
fn resource_type(arn: &str, kind: &str) -> &'static str {
    match (arn.split(':').nth(2).unwrap_or_default(), kind) {
        ("ec2", "security-group") => "AwsEc2SecurityGroup",
        ("ec2", "vpc") => "AwsEc2Vpc",
        ("ec2", "instance") => "AwsEc2Instance",
        ("ec2", "subnet") => "AwsEc2Subnet",
        ("ec2", "network-acl") => "AwsEc2NetworkAcl",
        ("iam", "role") => "AwsIamRole",
        ("iam", "user") => "AwsIamUser",
        ("iam", "policy") => "AwsIamPolicy",
        ("s3", _) => "AwsS3Bucket",
        ("ecr", _) => "AwsEcrRepository",
        ("eks", "cluster") => "AwsEksCluster",
        ("elasticloadbalancing", "load-balancer") => "AwsElbv2LoadBalancer",
        ("cloudtrail", "trail") => "AwsCloudTrailTrail",
        _ => "Other",
    }
}

/// The run as ASFF batches, one JSON object per line; `resolved` from a store, if any.
pub fn to_asff(result: &AuditResult, resolved: &[Resolved]) -> String {
    let report = crate::json_v1::build_full(result);
    let home = result
        .regions
        .first()
        .cloned()
        .unwrap_or_else(|| "us-east-1".into());
    let partition = &result.partition;
    let account = &result.account_id;
    let product = format!("arn:{partition}:securityhub:{home}:{account}:product/{account}/default");
    let at = &report.finished_at;
    let base = |id: &str, code: &str, title: &str, arn: &str, region: Option<&str>| {
        json!({
            "SchemaVersion": "2018-10-08",
            "Id": format!("auditor/{account}/{id}"),
            "ProductArn": product,
            "ProductName": "Auditor",
            "CompanyName": "Auditor",
            "GeneratorId": format!("auditor/{code}"),
            "AwsAccountId": account,
            "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
            "CreatedAt": at,
            "UpdatedAt": at,
            "Title": clip(title, 256),
            "Resources": [{
                "Type": "Other",
                "Id": arn,
                "Partition": partition,
                "Region": region.unwrap_or(&home),
            }],
        })
    };
    let mut all: Vec<Value> = Vec::new();
    for f in &report.findings {
        let mut v = base(
            &f.fingerprint,
            &f.code,
            &f.title,
            &f.resource.arn,
            f.resource.region.as_deref(),
        );
        v["Resources"][0]["Type"] = resource_type(&f.resource.arn, &f.resource.kind).into();
        let description = match (&f.status_reason, f.evidence.is_empty()) {
            (Some(why), _) => format!("{}: not assessed: {why}", f.title),
            (None, false) => f.evidence_text(),
            (None, true) => f.title.clone(),
        };
        v["Description"] = clip(&description, 1024).into();
        v["Severity"] = json!({ "Label": label(&f.severity) });
        v["Compliance"] = json!({
            "Status": match f.status.as_str() {
                "fail" => "FAILED",
                "pass" => "PASSED",
                _ => "NOT_AVAILABLE",
            },
            "RelatedRequirements": f
                .wa
                .iter()
                .map(|w| format!("AWS Well-Architected {}", w.id))
                .chain(fsbp_of(&f.code).iter().map(|c| format!("AWS Foundational Security Best Practices {c}")))
                .take(32)
                .collect::<Vec<_>>(),
        });
        if !f.remediation.is_empty() {
            v["Remediation"] = json!({ "Recommendation": { "Text": clip(&f.remediation, 512) } });
        }
        let suppressed = f.suppression.as_ref().is_some_and(|s| !s.expired);
        v["Workflow"] = json!({ "Status": if suppressed { "SUPPRESSED" } else { "NEW" } });
        v["RecordState"] = "ACTIVE".into();
        all.push(v);
    }
    for r in resolved {
        let mut v = base(
            &r.fingerprint,
            &r.code,
            &r.title,
            &r.resource_arn,
            r.region.as_deref(),
        );
        v["Description"] = format!("{}: resolved", clip(&r.title, 1000)).into();
        v["Severity"] = json!({ "Label": "INFORMATIONAL" });
        v["Compliance"] = json!({ "Status": "PASSED" });
        v["Workflow"] = json!({ "Status": "RESOLVED" });
        v["RecordState"] = "ARCHIVED".into();
        all.push(v);
    }
    let mut out = String::new();
    for batch in all.chunks(BATCH) {
        out += &json!({ "Findings": batch }).to_string();
        out.push('\n');
    }
    out
}
