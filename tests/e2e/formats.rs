//! Every report format of the demo account's audit (with its coverage gaps and a
//! suppression) validated against its published schema (tests/schemas, vendored), and the
//! formats agreeing with the JSON report.

use crate::emulator::seed_demo;
use crate::{repo_root, run, venv_python};
use auditor_testkit::{unique_account, Emulator};
use serde_json::Value;
use std::path::Path;

/// Validates `doc` against the JSON Schema `schema` (tests/schemas) with the `jsonschema`
/// package of the emulator's venv; the validator's message on failure.
pub(crate) fn validate(schema: &str, doc: &Path) {
    let script = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
cls = jsonschema.validators.validator_for(schema)
errors = sorted(cls(schema).iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(e.path))
for e in errors[:10]:
    print("/".join(map(str, e.path)), e.message[:300])
sys.exit(1 if errors else 0)
"#;
    let out = std::process::Command::new(venv_python())
        .args(["-c", script])
        .arg(if schema.contains('/') {
            repo_root().join(schema)
        } else {
            repo_root().join("tests/schemas").join(schema)
        })
        .arg(doc)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{} does not validate against {schema}:\n{}{}",
        doc.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sarif_csv_and_json_of_the_demo_account_validate_and_agree() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    // The demo's configuration, and one accepted failure: the legacy bucket's grant.
    let cfg = crate::emulator::demo_config_with(
        dir.path(),
        &crate::emulator::accepted_legacy_grant(&account),
    );
    let out = dir.path().join("out");
    let r = run(crate::emulator::demo_audit(&emu, &account, &cfg)
        .arg("--output")
        .arg(out.join("report.json"))
        .arg("--output")
        .arg(out.join("report.sarif"))
        .arg("--output")
        .arg(format!("csv={}", out.join("findings.txt").display()))
        .arg("--output")
        .arg(out.join("findings.asff"))
        .arg("--output")
        .arg(out.join("events.ocsf")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("json"))
            .expect("json");
    assert!(!json["coverage_gaps"].as_array().expect("gaps").is_empty());
    // The v1 report against its own schema (`auditor schema report`, checked in).
    validate(
        "crates/auditor-report/report-v1.schema.json",
        &out.join("report.json"),
    );

    // SARIF 2.1.0, as GitHub code scanning takes it.
    validate("sarif-schema-2.1.0.json", &out.join("report.sarif"));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.sarif")).expect("sarif"))
            .expect("sarif");
    let run0 = &sarif["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(
        rules.len(),
        json["checks"].as_array().expect("checks").len()
    );
    let results = run0["results"].as_array().expect("results");
    let fails: Vec<&Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert_eq!(results.len(), fails.len(), "one result per failing finding");
    for (res, f) in results.iter().zip(&fails) {
        assert_eq!(res["ruleId"], f["code"]);
        assert_eq!(
            res["partialFingerprints"]["auditorFingerprint/v1"],
            f["fingerprint"]
        );
        assert_eq!(
            res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            f["resource"]["arn"]
        );
        let i = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], f["code"]);
        assert!(
            rules[i]["properties"]["tags"]
                .as_array()
                .expect("tags")
                .len()
                <= 20
        );
    }
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1, "the accepted S3-005");
    assert_eq!(suppressed[0]["ruleId"], "S3-005");
    let notes = run0["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notes");
    assert_eq!(
        notes.len(),
        json["coverage_gaps"].as_array().expect("gaps").len()
    );

    // ASFF: every batch is a valid BatchImportFindings input by botocore's own model of
    // Security Hub, at most 100 findings each, every finding of the run once.
    let script = r#"
import json, sys, botocore.session, botocore.validate
model = botocore.session.get_session().get_service_model("securityhub")
shape = model.operation_model("BatchImportFindings").input_shape
total = 0
for n, line in enumerate(open(sys.argv[1]), 1):
    batch = json.loads(line)
    report = botocore.validate.ParamValidator().validate(batch, shape)
    if report.has_errors():
        print(f"batch {n}:", report.generate_report()[:2000]); sys.exit(1)
    assert len(batch["Findings"]) <= 100, len(batch["Findings"])
    total += len(batch["Findings"])
print(total)
"#;
    let asff = std::process::Command::new(venv_python())
        .args(["-c", script])
        .arg(out.join("findings.asff"))
        .output()
        .expect("python");
    assert!(
        asff.status.success(),
        "{}{}",
        String::from_utf8_lossy(&asff.stdout),
        String::from_utf8_lossy(&asff.stderr)
    );
    let total: usize = String::from_utf8_lossy(&asff.stdout)
        .trim()
        .parse()
        .expect("count");
    assert_eq!(total, json["findings"].as_array().expect("findings").len());
    let text = std::fs::read_to_string(out.join("findings.asff")).expect("asff");
    let all: Vec<Value> = text
        .lines()
        .flat_map(|l| {
            serde_json::from_str::<Value>(l).expect("line")["Findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let suppressed: Vec<&Value> = all
        .iter()
        .filter(|f| f["Workflow"]["Status"] == "SUPPRESSED")
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["GeneratorId"], "auditor/S3-005");
    assert!(all.iter().all(|f| f["ProductArn"]
        .as_str()
        .unwrap_or_default()
        .ends_with(&format!(":product/{account}/default"))));

    // OCSF: each line an OCSF 1.x Compliance Finding by the py-ocsf-models package's models.
    let script = r#"
import json, sys
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
n = 0
for line in open(sys.argv[1]):
    event = json.loads(line)
    ComplianceFinding.model_validate(event)
    assert event["class_uid"] == 2003 and event["type_uid"] == 200301, event
    n += 1
print(n)
"#;
    let ocsf = std::process::Command::new(venv_python())
        .args(["-c", script])
        .arg(out.join("events.ocsf"))
        .output()
        .expect("python");
    assert!(
        ocsf.status.success(),
        "{}{}",
        String::from_utf8_lossy(&ocsf.stdout),
        String::from_utf8_lossy(&ocsf.stderr)
    );
    let events: usize = String::from_utf8_lossy(&ocsf.stdout)
        .trim()
        .parse()
        .expect("count");
    assert_eq!(events, json["findings"].as_array().expect("findings").len());

    // CSV (named, whatever the extension): one row per finding, the JSON report's order.
    let text = std::fs::read_to_string(out.join("findings.txt")).expect("csv");
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("row"))
        .collect();
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(rows.len(), findings.len());
    for (row, f) in rows.iter().zip(findings) {
        assert_eq!(
            (&row[1], &row[5]),
            (
                f["code"].as_str().unwrap_or_default(),
                f["status"].as_str().unwrap_or_default()
            )
        );
    }
}
