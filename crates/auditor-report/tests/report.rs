//! The reporters on a fixed audit result: the JSON v1 and the table are pinned by
//! snapshots, every JSON key is documented in REPORT-V1.md, and the roll-up follows its rules.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_checks::{run_all, Settings};
use auditor_model::{AuditResult, Gap, GapKind, Inventory};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// An audit of two check fixtures' inventories merged: passes, failures, and gaps.
fn result() -> AuditResult {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../auditor-checks/fixtures");
    let load = |code: &str| -> Inventory {
        let v: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{code}.json"))).unwrap(),
        )
        .unwrap();
        serde_json::from_value(v["inventory"].clone()).unwrap()
    };
    let mut inv = load("EC2-002");
    let flow = load("EC2-006");
    for (region, part) in flow.ec2 {
        let mine = inv.ec2.entry(region).or_default();
        mine.vpcs = part.vpcs;
        mine.flow_logs = part.flow_logs;
    }
    inv.regions = inv.ec2.keys().cloned().collect();
    inv.gaps.push(Gap {
        service: "ec2".into(),
        region: Some("us-east-1".into()),
        api: "ec2:DescribeFlowLogs".into(),
        kind: GapKind::AccessDenied,
        message: "UnauthorizedOperation: not authorized".into(),
    });
    let settings = Settings {
        // Only the checks these inventories feed, so absent parts do not crowd the snapshot.
        disabled: [
            "EC2-001", "EC2-003", "EC2-004", "EC2-005", "EC2-008", "EC2-009", "EC2-010",
        ]
        .map(String::from)
        .to_vec(),
        ..Settings::default()
    };
    let t = time::macros::datetime!(2026-11-22 12:00:00 UTC);
    AuditResult {
        account_id: inv.account_id.clone(),
        partition: inv.partition.clone(),
        caller_arn: "arn:aws:sts::123456789012:assumed-role/AuditorReadOnly/auditor".into(),
        assumed_role: Some("arn:aws:iam::123456789012:role/AuditorReadOnly".into()),
        regions: inv.regions.clone(),
        services: inv.services.clone(),
        started_at: t,
        finished_at: t + time::Duration::seconds(3),
        checks_run: auditor_checks::codes_run(&inv, &settings)
            .into_iter()
            .map(String::from)
            .collect(),
        findings: run_all(&inv, &settings),
        gaps: inv.gaps.clone(),
        state_access: Vec::new(),
        api: [
            (
                "ec2".to_owned(),
                auditor_model::ApiCounts {
                    requests: 21,
                    throttled: 1,
                    rate_limited_ms: 150,
                },
            ),
            (
                "sts".to_owned(),
                auditor_model::ApiCounts {
                    requests: 1,
                    ..Default::default()
                },
            ),
        ]
        .into(),
    }
}

/// The S3-008 fixture's account: the access matrix in JSON and as a table.
#[test]
fn state_access_matrix_is_reported() {
    let fx: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../auditor-checks/fixtures/S3-008.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let inv: auditor_model::Inventory =
        serde_json::from_value(fx["cases"][0]["inventory"].clone()).unwrap();
    let settings = Settings {
        s3: auditor_checks::StateSettings {
            state_admins: vec!["arn:aws:iam::*:role/terraform-admin".into()],
            ..Default::default()
        },
        ..Settings::default()
    };
    let (findings, state_access) = auditor_checks::audit(&inv, &settings);
    let t = time::macros::datetime!(2026-11-22 12:00:00 UTC);
    let result = AuditResult {
        account_id: inv.account_id.clone(),
        partition: inv.partition.clone(),
        caller_arn: "arn:aws:iam::123456789012:user/auditor".into(),
        assumed_role: None,
        regions: inv.regions.clone(),
        services: inv.services.clone(),
        started_at: t,
        finished_at: t,
        checks_run: auditor_checks::codes_run(&inv, &settings)
            .into_iter()
            .map(String::from)
            .collect(),
        findings,
        gaps: Vec::new(),
        state_access,
        api: Default::default(),
    };
    let report = auditor_report::json_v1::build(&result);
    let m = &report.state_access;
    assert_eq!(m.len(), 3, "one matrix per state bucket");
    let tf = &m[0];
    let teams: Vec<&str> = tf.teams.iter().map(|t| t.team.as_str()).collect();
    assert_eq!(teams, ["crm", "fraud-detection", "payments"]);
    let row = |name: &str| {
        tf.rows
            .iter()
            .find(|r| r.principal.ends_with(&format!("/{name}")))
            .unwrap_or_else(|| panic!("no row for {name}"))
    };
    assert_eq!(row("fraud-deployer").verdict, "cross-team");
    assert_eq!(row("fraud-deployer").access["crm"].label(), "read+write");
    assert!(
        !row("fraud-deployer").access.contains_key("payments"),
        "fenced by the Deny"
    );
    assert_eq!(row("terraform-admin").verdict, "expected");
    assert_eq!(row("untagged-ci").verdict, "unattributed");
    assert!(tf.rows.iter().all(|r| !r.principal.ends_with("/crm-no-s3")));
    assert!(m[1].not_assessed_reason.is_some() && m[2].not_assessed_reason.is_some());

    // Every field is documented (team names are data, not fields).
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("REPORT-V1.md"))
            .unwrap();
    let mut all = BTreeSet::new();
    keys(&serde_json::to_value(m).unwrap(), &mut all);
    let missing: Vec<_> = all
        .iter()
        .filter(|k| !teams.contains(&k.as_str()) && !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "REPORT-V1.md does not document: {missing:?}"
    );

    let text = auditor_report::table::render(&result, Default::default());
    let start = text.find("Terraform state access").unwrap();
    let end = text.find("Findings:").unwrap();
    insta::assert_snapshot!("state_access_table", &text[start..end]);
}

#[test]
fn json_v1_is_pinned() {
    let mut report = auditor_report::json_v1::build(&result());
    report.tool.version = "[version]".into();
    insta::assert_json_snapshot!("json_v1", report);
}

#[test]
fn table_is_pinned() {
    let text = auditor_report::table::render(&result(), Default::default());
    let text = text.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("table", text);
}

fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                // Map keys that are data (severity names) are not schema fields.
                if !["critical", "high", "medium", "low", "info"].contains(&k.as_str()) {
                    out.insert(k.clone());
                }
                keys(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn every_field_is_documented() {
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("REPORT-V1.md"))
            .unwrap();
    let v = serde_json::to_value(auditor_report::json_v1::build(&result())).unwrap();
    let mut all = BTreeSet::new();
    keys(&v, &mut all);
    let missing: Vec<_> = all
        .iter()
        .filter(|k| !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "REPORT-V1.md does not document: {missing:?}"
    );
}

#[test]
fn rollup_never_shows_a_practice_as_met_without_its_data() {
    let report = auditor_report::json_v1::build(&result());
    let status = |id: &str| {
        report
            .wa_rollup
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.status.clone())
            .unwrap()
    };
    // EC2-006 fails in eu-west-1 and is not assessed in us-east-1: failing wins.
    assert_eq!(status("SEC04-BP01"), "failing");
    // EC2-002 serves SEC06-BP05 alone here and fails.
    assert_eq!(status("SEC06-BP05"), "failing");
    // EC2-009 serves SEC08-BP02 but was disabled.
    assert_eq!(status("SEC08-BP02"), "not_run");
    assert_eq!(status("SEC01-BP01"), "no_automated_check");
    assert_eq!(report.wa_rollup.len(), 66);
    let gap = &report.coverage_gaps[0];
    assert_eq!(
        gap.checks,
        ["EC2-006"],
        "the gap names the check that lost data"
    );
    assert_eq!(report.summary.coverage_gaps, 1);
    // Failures come first, highest severity first.
    let statuses: Vec<&str> = report.findings.iter().map(|f| f.status.as_str()).collect();
    let first_pass = statuses.iter().position(|s| *s == "pass").unwrap();
    assert!(statuses[..first_pass].iter().all(|s| *s != "pass"));
    assert!(statuses[first_pass..].iter().all(|s| *s == "pass"));
}

/// A refused API names every check that reads it, whatever the check's service.
#[test]
fn a_gap_names_the_checks_of_other_services_that_read_its_api() {
    let mut r = result();
    r.checks_run = vec!["IAM-007".into(), "S3-008".into(), "EC2-002".into()];
    r.gaps = vec![auditor_model::Gap {
        service: "iam".into(),
        region: None,
        api: "iam:GetAccountAuthorizationDetails".into(),
        kind: auditor_model::GapKind::AccessDenied,
        message: "AccessDenied: no".into(),
    }];
    let report = auditor_report::json_v1::build(&r);
    assert_eq!(report.coverage_gaps[0].checks, ["IAM-007", "S3-008"]);
}

fn org_audit() -> auditor_report::org::OrgAudit {
    use auditor_report::org::{AccountOutcome, Filter, OrgAudit};
    let one = result();
    OrgAudit {
        organization: Some("o-abc123".into()),
        management_account: Some("111111111111".into()),
        filter: Filter {
            ous: vec!["ou-ab12-cdef3456".into()],
            ..Filter::default()
        },
        started_at: "2026-11-22T12:00:00Z".into(),
        finished_at: "2026-11-22T12:00:09Z".into(),
        discovery_api: [(
            "organizations".to_owned(),
            auditor_model::ApiCounts {
                requests: 3,
                ..Default::default()
            },
        )]
        .into(),
        accounts: vec![
            AccountOutcome {
                id: "999999999999".into(),
                name: "beta".into(),
                outcome: Err("sts:AssumeRole: access denied: cannot assume arn:aws:iam::999999999999:role/AuditorReadOnly".into()),
                run_id: Some(2),
            },
            AccountOutcome {
                id: one.account_id.clone(),
                name: "alpha".into(),
                outcome: Ok(one),
                run_id: Some(1),
            },
        ],
    }
}

#[test]
fn the_org_report_sums_assessed_accounts_and_says_why_the_others_are_not() {
    let audit = org_audit();
    let one = auditor_report::json_v1::build(audit.accounts[1].outcome.as_ref().unwrap());
    let r = auditor_report::org::build(&audit);
    assert_eq!(r.schema, "auditor.org-report.v1");
    assert_eq!(
        (
            r.summary.accounts,
            r.summary.assessed,
            r.summary.not_assessed
        ),
        (2, 1, 1)
    );
    assert_eq!(r.summary.fail, one.summary.counts.fail);
    assert_eq!(r.summary.coverage_gaps, one.summary.coverage_gaps);
    // Accounts by id; the assessed one carries its v1 report unchanged.
    assert_eq!(r.accounts[0].account, audit.accounts[1].id);
    assert_eq!(r.accounts[0].report.as_ref(), Some(&one));
    assert_eq!(r.accounts[1].status, "not_assessed");
    assert!(r.accounts[1]
        .reason
        .as_deref()
        .unwrap()
        .contains("cannot assume"));
    assert!(r.accounts[1].report.is_none());
    // Requests: the accounts' and the organisation listing's.
    assert_eq!(r.api_requests["ec2"].requests, 21);
    assert_eq!(r.api_requests["organizations"].requests, 3);

    let text = auditor_report::org::render(&audit, Default::default());
    assert!(
        text.contains("2 account(s) selected, 1 assessed, 1 not assessed"),
        "{text}"
    );
    assert!(text.contains("not assessed"));
    assert!(text.contains("AWS requests: 25"), "{text}");

    // Every field is documented.
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("REPORT-V1.md"))
            .unwrap();
    let mut all = BTreeSet::new();
    keys(&serde_json::to_value(&r).unwrap(), &mut all);
    let services = ["ec2", "sts", "organizations"];
    let missing: Vec<_> = all
        .iter()
        .filter(|k| !services.contains(&k.as_str()) && !doc.contains(&format!("`{k}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "REPORT-V1.md does not document: {missing:?}"
    );
}
