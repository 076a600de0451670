//! `audit --org` against an organisation on a private moto server with IAM enforcement on
//! (`localstack/seed_org.py`): the OU and tag filters, an account whose role cannot be
//! assumed reported as not assessed while the other is audited, both recorded in the
//! store, and every request read-only.

use crate::{auditor, repo_root, run, Run};
use auditor_testkit::Emulator;
use serde_json::Value;

struct Org {
    alpha: String,
    beta: String,
    gamma: String,
    ou: String,
    key: String,
    secret: String,
    outsider: (String, String),
}

fn seed(emu: &Emulator) -> Org {
    let out = std::process::Command::new(crate::venv_python())
        .arg(repo_root().join("localstack/seed_org.py"))
        .args(["--endpoint", emu.endpoint()])
        .output()
        .expect("run seed_org.py");
    assert!(
        out.status.success(),
        "seed_org.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("seed_org.py prints JSON");
    let s = |k: &str| v[k].as_str().expect(k).to_owned();
    Org {
        alpha: s("alpha"),
        beta: s("beta"),
        gamma: s("gamma"),
        ou: s("ou"),
        key: s("access_key_id"),
        secret: s("secret_access_key"),
        outsider: (s("outsider_access_key_id"), s("outsider_secret_access_key")),
    }
}

/// The auditor as the organisation's `auditor` user (moto enforces IAM from now on).
fn audit_org(emu: &Emulator, org: &Org, extra: &[&str]) -> Run {
    let mut cmd = auditor();
    cmd.env("AWS_ACCESS_KEY_ID", &org.key)
        .env("AWS_SECRET_ACCESS_KEY", &org.secret)
        .env("AWS_REGION", "us-east-1")
        .args([
            "audit",
            "--org",
            "--endpoint-url",
            emu.endpoint(),
            "--regions",
            "us-east-1",
            "--max-attempts",
            "2",
        ])
        .args(extra);
    run(&mut cmd)
}

fn entry<'a>(report: &'a Value, account: &str) -> &'a Value {
    report["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["account"] == account)
        .unwrap_or_else(|| panic!("account {account} is not in the report: {report:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_org_audit_covers_the_assumable_account_and_marks_the_other_not_assessed() {
    // IAM enforcement is global to a moto server: this test has its own.
    let emu = Emulator::spawn_private();
    let org = seed(&emu);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("auditor.db");
    let out = dir.path().join("org.json");

    emu.start_recording().await;
    let r = audit_org(
        &emu,
        &org,
        &[
            "--ou",
            &org.ou,
            "--services",
            "iam,ec2",
            "--format",
            "json",
            "--output",
            out.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
            "--log-format",
            "json",
        ],
    );
    let recorded = emu.stop_recording().await;
    // With JSON logs, stderr is one JSON object per line, the per-account notes included.
    let logs: Vec<Value> = r
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        logs.iter().any(|l| l["level"] == "WARN"
            && l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(&format!("{} (beta): not assessed", org.beta)))),
        "{}",
        r.stderr
    );

    // alpha's planted role trusted by "*" is a critical failure: exit 1, as for one account.
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).expect("JSON report file");
    assert_eq!(report, file, "stdout and --output carry the same report");
    assert_eq!(report["schema"], "auditor.org-report.v1");
    assert_eq!(report["management_account"], "123456789012");
    assert_eq!(report["filter"]["ous"][0], org.ou.as_str());

    // The OU holds alpha and beta; gamma (outside it) and the management account are not selected.
    let ids: Vec<&str> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    let mut want = vec![org.alpha.as_str(), org.beta.as_str()];
    want.sort();
    assert_eq!(ids, want, "exactly the OU's accounts, by id");
    assert!(!ids.contains(&org.gamma.as_str()));
    let s = &report["summary"];
    assert_eq!(
        (&s["accounts"], &s["assessed"], &s["not_assessed"]),
        (&Value::from(2), &Value::from(1), &Value::from(1))
    );

    // alpha: audited through its AuditorReadOnly role, the planted finding found.
    let alpha = entry(&report, &org.alpha);
    assert_eq!(alpha["status"], "assessed");
    assert_eq!(alpha["name"], "alpha");
    let a = &alpha["report"];
    assert_eq!(a["schema"], "auditor.report.v1");
    assert_eq!(a["account"], org.alpha.as_str());
    assert_eq!(
        a["assumed_role"],
        format!("arn:aws:iam::{}:role/AuditorReadOnly", org.alpha).as_str()
    );
    let open_trust = a["findings"].as_array().unwrap().iter().find(|f| {
        f["status"] == "fail"
            && f["resource"]["arn"]
                == format!("arn:aws:iam::{}:role/ci-deployer", org.alpha).as_str()
    });
    assert!(
        open_trust.is_some(),
        "the role trusted by any principal fails: {:#}",
        a["findings"]
    );
    assert!(a["api_requests"]["iam"]["requests"].as_u64().unwrap() > 0);
    assert!(a["api_requests"]["ec2"]["requests"].as_u64().unwrap() > 0);

    // beta: not assessed, with the one-line reason, and no report.
    let beta = entry(&report, &org.beta);
    assert_eq!(beta["status"], "not_assessed");
    assert!(beta.get("report").is_none());
    let why = beta["reason"].as_str().unwrap();
    assert!(
        why.contains("sts:AssumeRole")
            && why.contains(&format!("arn:aws:iam::{}:role/AuditorReadOnly", org.beta))
            && why.contains("access denied"),
        "{why}"
    );
    assert!(!why.contains('\n'));
    // Which of the caller's permission, the role's trust or the ExternalId to look at.
    assert!(
        why.contains("the caller's own policies") || why.contains("trust policy refused"),
        "{why}"
    );
    assert!(
        r.stderr.contains("1 of 2 account(s) not assessed"),
        "{}",
        r.stderr
    );

    // Listing the organisation is counted apart from the accounts' own requests.
    assert!(
        report["api_requests"]["organizations"]["requests"]
            .as_u64()
            .unwrap()
            >= 3
    );

    // Both are recorded: alpha's run complete, beta's failed with the reason.
    let mut cmd = auditor();
    cmd.args([
        "runs",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let runs = run(&mut cmd);
    assert_eq!(runs.code, 0, "{}", runs.stderr);
    let runs: Value = serde_json::from_str(&runs.stdout).unwrap();
    let status_of = |acct: &str| {
        runs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["account"] == acct)
            .map(|r| (r["status"].clone(), r["error"].clone()))
            .unwrap_or_else(|| panic!("no run of {acct}: {runs:#}"))
    };
    assert_eq!(status_of(&org.alpha).0, "complete");
    let (st, err) = status_of(&org.beta);
    assert_eq!(st, "failed");
    assert!(
        err.as_str().unwrap_or_default().contains("cannot assume"),
        "{err}"
    );

    // Read-only towards every account, Organizations included.
    assert!(recorded.iter().any(|q| q.service == "organizations"));
    let writes: Vec<String> = recorded
        .iter()
        .filter(|q| !q.is_read_only())
        .map(|q| q.label())
        .collect();
    assert!(writes.is_empty(), "the audit wrote: {writes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_tag_selects_accounts_and_an_empty_selection_is_bad_input() {
    let emu = Emulator::spawn_private();
    let org = seed(&emu);

    // env=prod is alpha's tag alone (gamma is env=dev; beta and the management account
    // have none).
    let r = audit_org(
        &emu,
        &org,
        &[
            "--account-tag",
            "env=prod",
            "--services",
            "iam",
            "--format",
            "json",
        ],
    );
    assert!(r.code == 0 || r.code == 1, "stderr: {}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("JSON on stdout");
    let ids: Vec<&str> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [org.alpha.as_str()]);
    assert_eq!(report["summary"]["not_assessed"], 0);

    let r = audit_org(
        &emu,
        &org,
        &["--account-tag", "env=nowhere", "--services", "iam"],
    );
    r.assert_one_line_error(2, "no account of organisation");

    // A caller that may not read Organizations: one line about Organizations, exit 3.
    let outsider = Org {
        key: org.outsider.0.clone(),
        secret: org.outsider.1.clone(),
        ..org
    };
    let r = audit_org(&emu, &outsider, &["--services", "iam"]);
    r.assert_one_line_error(3, "organizations:DescribeOrganization: access denied");
    assert!(
        r.stderr.contains("management account") && !r.stderr.contains("sts:AssumeRole"),
        "the hint is about Organizations, not the audit role: {}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_audits_the_organisation_each_round_with_json_logs() {
    let emu = Emulator::spawn_private();
    let org = seed(&emu);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("auditor.db");
    let reports = dir.path().join("reports");
    let config = dir.path().join("auditor.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[aws]
endpoint_url = "{}"
regions = ["us-east-1"]
max_attempts = 2
[audit]
services = ["iam"]
[org]
ous = ["{}"]
[[suppressions]]
code = "IAM-001"
resource = "arn:aws:iam::*:role/ci-deployer"
reason = "accepted until the pipeline moves"
owner = "platform@example.com"
expires = "2020-01-01"
[daemon]
accounts = "org"
interval = "1h"
store = "{}"
reports_dir = "{}"
listen = "127.0.0.1:0"
"#,
            emu.endpoint(),
            org.ou,
            store.display(),
            reports.display()
        ),
    )
    .unwrap();
    let mut cmd = auditor();
    cmd.env("AWS_ACCESS_KEY_ID", &org.key)
        .env("AWS_SECRET_ACCESS_KEY", &org.secret)
        .env("AWS_REGION", "us-east-1")
        .args(["--log-format", "json", "daemon", "--config"])
        .arg(&config)
        .args(["--max-rounds", "1"]);
    let r = run(&mut cmd);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);

    // Every line on stderr is a JSON object, the expired suppression's warning at load
    // included: nothing else is drawn or printed.
    let logs: Vec<Value> = r
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let said = |msg: &str, account: &str| {
        logs.iter()
            .any(|l| l["message"] == msg && l["account"] == account)
    };
    assert!(said("run complete", &org.alpha), "{}", r.stderr);
    assert!(said("run failed", &org.beta), "{}", r.stderr);
    assert!(
        logs.iter().any(|l| l["level"] == "WARN"
            && l["message"]
                .as_str()
                .is_some_and(|m| m.contains("expired on 2020-01-01"))),
        "{}",
        r.stderr
    );
    assert!(
        logs.iter()
            .any(|l| l["message"] == "organisation listed" && l["accounts"] == 2),
        "{}",
        r.stderr
    );

    // alpha's report is written; beta has none, and its failed run says why.
    assert!(reports.join(&org.alpha).join("latest.json").exists());
    assert!(!reports.join(&org.beta).exists());
    let mut cmd = auditor();
    cmd.args([
        "runs",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let runs: Value = serde_json::from_str(&run(&mut cmd).stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2, "{runs:#?}");
    for r in runs {
        if r["account"] == org.alpha.as_str() {
            assert_eq!(r["status"], "complete");
        } else {
            assert_eq!(r["account"], org.beta.as_str());
            assert_eq!(r["status"], "failed");
            assert!(r["error"].as_str().unwrap().contains("cannot assume"));
        }
    }
}

#[test]
fn outside_an_organisation_the_refusal_is_one_line_about_organizations() {
    // A fresh emulator: its default account belongs to no organisation.
    let emu = Emulator::spawn_private();
    let mut cmd = auditor();
    cmd.envs(emu.cli_env()).args([
        "audit",
        "--org",
        "--endpoint-url",
        emu.endpoint(),
        "--max-attempts",
        "2",
    ]);
    let r = run(&mut cmd);
    r.assert_one_line_error(3, "organizations:DescribeOrganization");
    assert!(
        r.stderr.contains("management account") && !r.stderr.contains("sts:AssumeRole"),
        "the hint is about Organizations, not the audit role: {}",
        r.stderr
    );
}
