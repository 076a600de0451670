//! The reporters on a fixed audit result: the JSON v1 and the table are pinned by
//! snapshots, every JSON key is documented in REPORT-V1.md, and the roll-up follows its rules.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::AuditResult;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A fixed audit of one account (`tests/data/account.json`): passes, failures and "not
/// assessed" findings of three EC2 checks in two regions, a refused API, request counts.
/// The findings are data, not the live checks' output, so a change to a check's wording
/// does not move these snapshots; what is pinned is the reporters.
fn result() -> AuditResult {
    load("account.json")
}

/// The state-access analysis of the S3-008 fixture's account, as `auditor_checks::audit`
/// returned it, with S3-008's findings (`tests/data/state-access.json`).
fn state_result() -> AuditResult {
    load("state-access.json")
}

fn load(name: &str) -> AuditResult {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The state-access matrix in JSON and as a table.
#[test]
fn state_access_matrix_is_reported() {
    let result = state_result();
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
    let end = start + text[start..].find("Well-Architected practices").unwrap();
    insta::assert_snapshot!("state_access_table", &text[start..end]);
}

/// On a large account the table lists at most 10 findings per check and status and counts
/// the rest; `--show findings` lists them all. Long matrices become a summary unless asked
/// for; the JSON report caps evidence and says how much it left out.
#[test]
fn long_lists_are_summarised_unless_asked_for() {
    use auditor_report::table::{render, TableOptions};
    let mut r = result();
    let failing = r
        .findings
        .iter()
        .find(|f| f.status == auditor_model::Status::Fail)
        .unwrap()
        .clone();
    let code = failing.code.clone();
    let already = r
        .findings
        .iter()
        .filter(|f| f.code == code && f.status == failing.status)
        .count();
    for i in 0..30 {
        let mut f = failing.clone();
        f.resource.arn = format!("{}-copy{i:02}", f.resource.arn);
        f.resource.id = format!("{}-copy{i:02}", f.resource.id);
        r.findings.push(f);
    }
    let total = already + 30;
    let rows = |text: &str| {
        text.lines()
            .filter(|l| l.starts_with("│ fail") && l.contains(&*code))
            .count()
    };
    let short = render(&r, TableOptions::default());
    assert_eq!(rows(&short), 10, "{short}");
    assert!(
        short.contains(&format!(
            "{} more findings not listed ({code} {})",
            total - 10,
            total - 10
        )),
        "{short}"
    );
    let all = render(
        &r,
        TableOptions {
            show_all_findings: true,
            ..TableOptions::default()
        },
    );
    assert_eq!(rows(&all), total);
    assert!(!all.contains("more findings not listed"));

    // Evidence past 50 items is counted, not listed.
    let mut e = r.findings[0].evidence[0].clone();
    e.observed = "many".into();
    r.findings[0].evidence = vec![e; 70];
    let report = auditor_report::json_v1::build(&r);
    let f = report
        .findings
        .iter()
        .find(|f| f.evidence.len() == auditor_report::json_v1::EVIDENCE_CAP)
        .expect("the finding with 70 evidence items, capped");
    assert_eq!(f.evidence_omitted, 20);

    // Matrices: printed while short, summarised once long, printed again when asked for.
    let mut s = state_result();
    let grown: Vec<_> = (0..70)
        .map(|i| {
            let mut row = s.state_access[0].rows[0].clone();
            row.principal = format!("arn:aws:iam::123456789012:role/many-{i:02}");
            row
        })
        .collect();
    s.state_access[0].rows.extend(grown);
    let summary = render(&s, TableOptions::default());
    assert!(
        summary.contains("Terraform state access: 3 buckets (2 not assessed), 3 teams"),
        "{summary}"
    );
    assert!(!summary.contains("many-00"));
    let full = render(
        &s,
        TableOptions {
            show_state_access: true,
            ..TableOptions::default()
        },
    );
    assert!(full.contains("many-00") && full.contains("many-69"));
}

#[test]
fn json_v1_is_pinned() {
    let mut report = auditor_report::json_v1::build(&result());
    report.tool.version = "[version]".into();
    insta::assert_json_snapshot!("json_v1", report);
}

/// `write_json` streams the report from the audit's own findings (no copy); the text is
/// exactly the built report's, evidence cap and remediation rules included.
#[test]
fn the_streamed_json_is_the_built_report() {
    let mut long = result();
    let mut f = long
        .findings
        .iter()
        .find(|f| f.status == auditor_model::Status::Fail)
        .unwrap()
        .clone();
    let e = f.evidence[0].clone();
    f.evidence = (0..auditor_report::json_v1::EVIDENCE_CAP + 7)
        .map(|i| auditor_model::Evidence {
            observed: format!("{} #{i}", e.observed).into(),
            ..e.clone()
        })
        .collect();
    long.findings.push(f);
    assert!(long
        .findings
        .iter()
        .any(|f| f.status == auditor_model::Status::Pass && !f.remediation.is_empty()));
    for r in [result(), state_result(), long] {
        let built = auditor_report::json_v1::to_json_of(&auditor_report::json_v1::build(&r));
        let streamed = auditor_report::json_v1::to_json(&r);
        assert_eq!(streamed, built);
        let mut written = Vec::new();
        auditor_report::json_v1::write_json(&r, &mut written).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), built);
    }
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
        resource: None,
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

/// AWS data is shown, never obeyed: a terminal escape sequence or a right-to-left override
/// in a name, a key or an error message reaches the table escaped.
#[test]
fn control_characters_from_aws_are_escaped_in_the_table() {
    let mut r = result();
    let f = r
        .findings
        .iter_mut()
        .find(|f| f.status == auditor_model::Status::Fail)
        .unwrap();
    f.resource.id = "sg-1\u{202E}gpj.exe".into();
    f.resource.name = Some("\x1b[2J\x1b[32mall clear".into());
    r.gaps[0].message = "AccessDenied\r\nfake line\u{7}".into();
    let text = auditor_report::table::render(&r, Default::default());
    for raw in ['\u{202E}', '\x1b', '\r', '\u{7}'] {
        assert!(!text.contains(raw), "raw {raw:?} in:\n{text}");
    }
    assert!(text.contains("sg-1\\u{202e}gpj.exe"), "{text}");
    assert!(text.contains("\\u{1b}[2J"), "{text}");
}

/// CSV: RFC 4180 (a header, CRLF, quoting that round-trips), one row per finding, and no
/// cell a spreadsheet would run as a formula.
#[test]
fn the_csv_report_has_one_row_per_finding_and_reads_back() {
    let mut r = result();
    let f = &mut r.findings[0];
    f.resource.id = "=HYPERLINK(\"http://evil\",\"x\")".into();
    f.title = "a title, with a comma, \"quotes\"\nand a line break".into();
    let text = auditor_report::csv::to_csv(&r);
    assert!(text.contains("\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, auditor_report::csv::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), r.findings.len());
    let json = auditor_report::json_v1::build(&r);
    for (row, f) in rows.iter().zip(&json.findings) {
        assert_eq!(&row[1], f.code);
        assert_eq!(&row[15], f.fingerprint);
    }
    let edited = rows
        .iter()
        .find(|row| row[9].contains("HYPERLINK"))
        .expect("the edited finding");
    assert!(edited[9].starts_with("'="), "{}", &edited[9]);
    assert_eq!(
        &edited[3],
        "a title, with a comma, \"quotes\"\nand a line break"
    );
}

/// The checked-in JSON Schema is the one the types give (`UPDATE_SCHEMA=1` rewrites it).
#[test]
fn the_checked_in_schema_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("report-v1.schema.json");
    let now = auditor_report::json_v1::schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &now).unwrap();
    }
    let file = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        file == now,
        "{} is stale: run `UPDATE_SCHEMA=1 cargo test -p auditor-report --test report schema`",
        path.display()
    );
    let v: Value = serde_json::from_str(&now).unwrap();
    assert_eq!(v["title"], "Report");
    assert!(v["properties"]["findings"].is_object());
}
