//! The findings store through the binary: two recorded audits of an account that changed in
//! between, `runs`, `report --run` and `diff`; and an audit killed mid-run.

use crate::{auditor, run, Run};
use auditor_testkit::{unique_account, Emulator};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Changes the account with boto3 (the emulator's own client), as someone fixing one
/// security group and breaking another would.
pub(crate) fn change(emu: &Emulator, account: &str, step: &str) {
    let script = r#"
import sys, boto3
ep, acct, step = sys.argv[1:4]
sts = boto3.client("sts", endpoint_url=ep, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
c = sts.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/seed", RoleSessionName="seed")["Credentials"]
ec2 = boto3.client("ec2", endpoint_url=ep, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                   aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
def group(name):
    got = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    return got[0]["GroupId"] if got else ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
def rule(port, cidr):
    return [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}]
ssh, web = group("ssh-open"), group("web")
if step == "1":
    ec2.authorize_security_group_ingress(GroupId=ssh, IpPermissions=rule(22, "0.0.0.0/0"))
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=rule(443, "10.0.0.0/8"))
else:
    ec2.revoke_security_group_ingress(GroupId=ssh, IpPermissions=rule(22, "0.0.0.0/0"))
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=rule(3389, "0.0.0.0/0"))
print(ssh, web)
"#;
    let out = Command::new(crate::venv_python())
        .args(["-c", script, emu.endpoint(), account, step])
        .output()
        .expect("run python (make emulator installs the venv)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn audit(emu: &Emulator, account: &str, db: &Path) -> Run {
    run(auditor().envs(emu.cli_env()).args([
        "audit",
        "--account",
        account,
        "--endpoint-url",
        emu.endpoint(),
        "--regions",
        "us-east-1",
        "--services",
        "ec2",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--store",
        db.to_str().expect("utf8"),
    ]))
}

fn store_cmd(db: &Path, args: &[&str]) -> Run {
    run(auditor()
        .args(args)
        .args(["--store", db.to_str().expect("utf8")]))
}

fn ids(entries: &Value) -> Vec<(String, String)> {
    entries
        .as_array()
        .expect("list")
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap_or_default().to_owned(),
                e["resource_arn"]
                    .as_str()
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn two_recorded_audits_diff_to_exactly_the_change_between_them() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("store/auditor.db");

    change(&emu, &account, "1");
    let first = audit(&emu, &account, &db);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stderr.contains("run 1 stored"), "{}", first.stderr);
    change(&emu, &account, "2");
    let second = audit(&emu, &account, &db);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stderr.contains("1 resolved"), "{}", second.stderr);

    let runs = store_cmd(&db, &["runs", "--format", "json"]);
    assert_eq!(runs.code, 0, "{}", runs.stderr);
    let runs: Value = serde_json::from_str(&runs.stdout).expect("json");
    let statuses: Vec<(i64, &str)> = runs
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| {
            (
                r["id"].as_i64().unwrap_or_default(),
                r["status"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(statuses, [(2, "complete"), (1, "complete")]);

    // The stored report is the report the audit printed.
    let report = store_cmd(&db, &["report", "--run", "1", "--format", "json"]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    let stored: Value = serde_json::from_str(&report.stdout).expect("json");
    let printed: Value = serde_json::from_str(&first.stdout).expect("json");
    assert_eq!(stored, printed);

    // Exactly what changed: the fixed group resolved, the broken one new.
    let diff = store_cmd(&db, &["diff", "--format", "json"]);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let d: Value = serde_json::from_str(&diff.stdout).expect("json");
    assert_eq!((d["from"].as_i64(), d["to"].as_i64()), (Some(1), Some(2)));
    let ssh_web: Vec<String> = printed["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "EC2-002")
        .map(|f| {
            f["resource"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(ssh_web.contains(&"ssh-open".to_owned()), "{ssh_web:?}");
    let named = |entries: &Value| -> Vec<String> {
        ids(entries)
            .into_iter()
            .map(|(code, id)| {
                let name = printed["findings"]
                    .as_array()
                    .expect("findings")
                    .iter()
                    .find(|f| f["resource"]["id"] == id.as_str())
                    .and_then(|f| f["resource"]["name"].as_str())
                    .unwrap_or(&id)
                    .to_owned();
                format!("{code} {name}")
            })
            .collect()
    };
    assert_eq!(named(&d["new"]), ["EC2-002 web"]);
    assert_eq!(named(&d["resolved"]), ["EC2-002 ssh-open"]);
    assert!(d["not_assessed"].as_array().expect("list").is_empty());
    assert!(
        !d["still_open"].as_array().expect("list").is_empty(),
        "the default VPC's findings stay"
    );

    // ASFF from the store archives in Security Hub what run 2 resolved.
    let asff = store_cmd(&db, &["report", "--run", "2", "--format", "asff"]);
    assert_eq!(asff.code, 0, "{}", asff.stderr);
    let archived: Vec<Value> = asff
        .stdout
        .lines()
        .flat_map(|l| {
            serde_json::from_str::<Value>(l).expect("line")["Findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|f| f["RecordState"] == "ARCHIVED")
        .collect();
    assert_eq!(archived.len(), 1, "{archived:#?}");
    assert_eq!(archived[0]["GeneratorId"], "auditor/EC2-002");
    assert_eq!(archived[0]["Compliance"]["Status"], "PASSED");

    // A pipeline's gate on "nothing new": the new EC2-002 is high.
    let gate = |sev: &str| store_cmd(&db, &["diff", "--fail-on-new", sev]).code;
    assert_eq!((gate("high"), gate("critical"), gate("LOW")), (1, 0, 1));
    let bad = store_cmd(&db, &["diff", "--fail-on-new", "severe"]);
    bad.assert_one_line_error(2, "--fail-on-new 'severe'");

    // The table says the same, and a run that does not exist is bad input.
    let table = store_cmd(&db, &["diff", "--from", "1", "--to", "2"]);
    assert!(
        table.stdout.starts_with("Run 1 → run 2: 1 new, 1 resolved"),
        "{}",
        table.stdout
    );
    let missing = store_cmd(&db, &["report", "--run", "9"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("no run 9"), "{}", missing.stderr);
}

#[test]
fn an_audit_killed_mid_run_leaves_earlier_runs_intact_and_is_marked_failed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    // A first, complete run, from a saved inventory (no AWS).
    let inv = dir.path().join("inventory.json");
    std::fs::write(
        &inv,
        r#"{"account_id": "111122223333", "regions": [], "services": ["iam"], "iam": {}}"#,
    )
    .expect("inventory");
    let first = offline_audit(&inv, &db);
    assert_eq!(first.code, 0, "{}", first.stderr);

    // An endpoint that accepts connections and never answers: the audit hangs in its first
    // AWS call, after it recorded its run.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", hole.local_addr().expect("addr"));
    let mut child = auditor()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .args([
            "audit",
            "--account",
            "111122223333",
            "--endpoint-url",
            &endpoint,
            "--store",
            db.to_str().expect("utf8"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let runs = store_cmd(&db, &["runs", "--format", "json"]);
        let v: Value = serde_json::from_str(&runs.stdout).unwrap_or(Value::Null);
        if v[0]["status"] == "running" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run was never recorded: {}",
            runs.stdout
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().expect("SIGKILL"); // Child::kill is SIGKILL on Unix
    child.wait().expect("reaped");

    // The next writer finds the dead run, marks it failed, and keeps run 1 whole.
    let third = offline_audit(&inv, &db);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert!(
        third.stderr.contains("run 2") && third.stderr.contains("interrupted"),
        "{}",
        third.stderr
    );
    let runs = store_cmd(&db, &["runs", "--format", "json"]);
    let v: Value = serde_json::from_str(&runs.stdout).expect("json");
    let statuses: Vec<&str> = v
        .as_array()
        .expect("runs")
        .iter()
        .map(|r| r["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, ["complete", "failed", "complete"]);
    let report = store_cmd(&db, &["report", "--run", "1", "--format", "json"]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    drop(hole);
}

/// Audits a saved inventory (no AWS) and records it in the store at `db`.
pub(crate) fn offline_audit(inv: &Path, db: &Path) -> Run {
    run(auditor()
        .args(["audit", "--fail-on", "none", "--from-inventory"])
        .arg(inv)
        .arg("--store")
        .arg(db))
}
