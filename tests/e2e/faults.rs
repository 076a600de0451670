//! The auditor behind a fault-injecting proxy in front of moto (`localstack/fault_proxy.py`):
//! throttling, server errors and dropped connections that retries absorb change no finding
//! and the report says what they cost; a call that exhausts its retries costs exactly the
//! findings it hides, which are "not assessed", and the store keeps them open as unknown.

use crate::emulator::seed_demo;
use crate::{auditor, repo_root, run, venv_python, Run};
use auditor_testkit::{unique_account, Emulator};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The proxy, stopped when dropped.
struct Proxy {
    child: Child,
    endpoint: String,
    record: PathBuf,
}

impl Proxy {
    fn start(emu: &Emulator, dir: &Path, args: &[&str]) -> Proxy {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ready = dir.join(format!("proxy-{n}.ready"));
        let record = dir.join(format!("proxy-{n}.jsonl"));
        let child = Command::new(venv_python())
            .arg(repo_root().join("localstack/fault_proxy.py"))
            .args(["--upstream", emu.endpoint(), "--ready"])
            .arg(&ready)
            .arg("--record")
            .arg(&record)
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .expect("start localstack/fault_proxy.py with the emulator venv's python");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready.exists() {
            assert!(Instant::now() < deadline, "the fault proxy did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let endpoint = std::fs::read_to_string(&ready).expect("proxy endpoint");
        Proxy {
            child,
            endpoint,
            record,
        }
    }

    /// The faults it injected, by kind, and the requests it saw.
    fn faults(&self) -> (BTreeSet<String>, usize) {
        let text = std::fs::read_to_string(&self.record).unwrap_or_default();
        let mut kinds = BTreeSet::new();
        let mut n = 0;
        for line in text.lines() {
            n += 1;
            let v: Value = serde_json::from_str(line).expect("record line");
            if let Some(k) = v["fault"].as_str() {
                kinds.insert(k.to_owned());
            }
        }
        (kinds, n)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn audit_via(emu: &Emulator, endpoint: &str, account: &str, extra: &[&str]) -> Run {
    run(auditor()
        .envs(emu.cli_env())
        .args([
            "audit",
            "--account",
            account,
            "--endpoint-url",
            endpoint,
            "--regions",
            "us-east-1,eu-west-1",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--config",
        ])
        .arg(repo_root().join("localstack/demo.toml"))
        .args(extra))
}

fn report(r: &Run) -> Value {
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    serde_json::from_str(&r.stdout).expect("stdout is the JSON report")
}

/// Every finding as (code, resource, status, fingerprint).
fn findings(v: &Value) -> BTreeSet<(String, String, String, String)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |x: &Value| x.as_str().unwrap_or_default().to_owned();
            (
                s(&f["code"]),
                s(&f["resource"]["arn"]),
                s(&f["status"]),
                s(&f["fingerprint"]),
            )
        })
        .collect()
}

/// Every coverage gap as (api, region, kind).
fn gaps(v: &Value) -> BTreeSet<(String, String, String)> {
    v["coverage_gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .map(|g| {
            let s = |x: &Value| x.as_str().unwrap_or_default().to_owned();
            (s(&g["api"]), s(&g["region"]), s(&g["kind"]))
        })
        .collect()
}

#[test]
fn faults_that_retries_absorb_change_no_finding_and_the_report_says_what_they_cost() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    // Three attempts: every faulted first attempt is retried and then answered.
    let attempts = ["--max-attempts", "3"];
    let clean = report(&audit_via(&emu, emu.endpoint(), &account, &attempts));
    // Every third first attempt: throttled, a server error, a dropped connection, in turn.
    let proxy = Proxy::start(&emu, dir.path(), &["--every", "3"]);
    let faulted = report(&audit_via(&emu, &proxy.endpoint, &account, &attempts));
    let (kinds, requests) = proxy.faults();
    assert_eq!(
        kinds,
        ["5xx", "drop", "throttle"].map(String::from).into(),
        "every kind of fault was injected ({requests} requests)"
    );

    let (f, c) = (findings(&faulted), findings(&clean));
    assert!(
        f == c,
        "the same findings; only with faults: {:?}; only without: {:?}",
        f.difference(&c).collect::<Vec<_>>(),
        c.difference(&f).collect::<Vec<_>>()
    );
    assert_eq!(gaps(&faulted), gaps(&clean), "the same coverage gaps");

    // The extra time is explained: retries and the time spent waiting to retry, per service.
    let api = faulted["api_requests"].as_object().expect("api_requests");
    let sum = |k: &str| -> u64 { api.values().map(|c| c[k].as_u64().unwrap_or(0)).sum() };
    let clean_api = clean["api_requests"].as_object().expect("api_requests");
    let clean_retries: u64 = clean_api
        .values()
        .map(|c| c["retries"].as_u64().unwrap_or(0))
        .sum();
    // About a third of the first attempts failed once more than in the clean run.
    assert!(
        sum("retries") >= clean_retries + (requests as u64) / 6,
        "retries {} (clean {clean_retries}) of {requests} requests: {api:?}",
        sum("retries")
    );
    assert!(sum("retry_wait_ms") > 0, "{api:?}");
    assert!(sum("throttled") > 0, "{api:?}");
}

#[test]
fn a_bucket_throttled_out_of_an_audit_is_not_assessed_and_its_findings_stay_open() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    let db = dir.path().join("auditor.db");
    let store = ["--store", db.to_str().expect("utf8")];
    let s3_only = ["--services", "s3", "--max-attempts", "2"];
    let legacy = format!("arn:aws:s3:::legacy-tfstate-{account}");
    let status = |v: &Value, code: &str| -> String {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["code"] == code && f["resource"]["arn"] == legacy.as_str())
            .map(|f| f["status"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_else(|| format!("no {code} finding"))
    };
    let args = |extra: &[&'static str]| -> Vec<&str> {
        s3_only
            .iter()
            .chain(store.iter())
            .chain(extra)
            .copied()
            .collect()
    };

    // Run 1, clean: the discovered legacy state bucket grants another account (critical).
    let r1 = audit_via(&emu, emu.endpoint(), &account, &args(&[]));
    let v1 = report(&r1);
    assert_eq!(status(&v1, "S3-005"), "fail");

    // Run 2: its key listing is throttled out (every attempt), so whether it holds state,
    // and all of its settings, are unknown.
    let listing = format!("/legacy-tfstate-{account}/?list-type=2");
    let rule = format!("throttle:{listing}");
    let proxy = Proxy::start(&emu, dir.path(), &["--fail", &rule]);
    let r2 = audit_via(&emu, &proxy.endpoint, &account, &args(&[]));
    let v2 = report(&r2);
    let sigs: Vec<String> = std::fs::read_to_string(&proxy.record)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("legacy-tfstate"))
        .map(str::to_owned)
        .collect();
    assert!(
        proxy.faults().0.contains("throttle"),
        "the listing was not throttled: {sigs:#?}"
    );
    for code in ["S3-001", "S3-002", "S3-005", "S3-007"] {
        assert_eq!(
            status(&v2, code),
            "not_assessed",
            "{code} on the throttled bucket"
        );
    }
    let gap = v2["coverage_gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .find(|g| g["resource"] == legacy.as_str())
        .unwrap_or_else(|| panic!("no gap names the bucket: {}", v2["coverage_gaps"]));
    assert_eq!(gap["kind"], "throttled", "{gap}");
    assert!(
        gap["checks"]
            .as_array()
            .expect("checks")
            .contains(&"S3-005".into()),
        "{gap}"
    );
    // The store resolves nothing it did not see; the finding is unknown, still open.
    assert!(
        r2.stderr.contains(" 0 resolved,"),
        "run 2 resolved something: {}",
        r2.stderr
    );
    let diff = run(auditor().args(["diff", "--format", "json"]).args(store));
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let d: Value = serde_json::from_str(&diff.stdout).expect("diff json");
    let arns = |k: &str| -> Vec<String> {
        d[k].as_array()
            .expect("list")
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["code"].as_str().unwrap_or_default(),
                    e["resource_arn"].as_str().unwrap_or_default()
                )
            })
            .collect()
    };
    assert!(arns("resolved").is_empty(), "{d:#}");
    assert!(
        arns("not_assessed").contains(&format!("S3-005 {legacy}")),
        "{d:#}"
    );

    // Run 3, clean again: the same issue, seen failing, never reopened (it never closed).
    let r3 = audit_via(&emu, emu.endpoint(), &account, &args(&[]));
    assert_eq!(status(&report(&r3), "S3-005"), "fail");
    assert!(
        r3.stderr.contains(" 0 new,") && r3.stderr.contains(" 0 reopened,"),
        "{}",
        r3.stderr
    );

    // Run 4: the bucket policy arrives malformed (a byte that is not UTF-8 in its JSON):
    // S3-005 cannot be decided, and the issue stays open again, not resolved.
    let malformed = Proxy::start(
        &emu,
        dir.path(),
        &["--corrupt", "OldCiAccount+OldCiAccount\""],
    );
    let r4 = audit_via(&emu, &malformed.endpoint, &account, &args(&[]));
    let v4 = report(&r4);
    assert!(
        malformed.faults().0.contains("corrupt"),
        "the policy was not corrupted"
    );
    assert_eq!(status(&v4, "S3-005"), "not_assessed", "{}", r4.stderr);
    assert!(
        r4.stderr.contains(" 0 resolved,"),
        "run 4 resolved something: {}",
        r4.stderr
    );
}

#[test]
fn one_unreadable_byte_in_one_roles_policies_costs_only_that_role() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    let only = ["--services", "iam", "--max-attempts", "2"];
    let clean = report(&audit_via(&emu, emu.endpoint(), &account, &only));
    // A byte that is not UTF-8 inside fraud-deployer's trust policy (sent as raw JSON by
    // moto) and inside its inline policy (URL-encoded).
    let role = "<RoleName>fraud-deployer</RoleName>";
    let trust = format!("{role}+<AssumeRolePolicyDocument>{{");
    let inline = format!("{role}+<PolicyDocument>%7B");
    let proxy = Proxy::start(
        &emu,
        dir.path(),
        &["--corrupt", &trust, "--corrupt", &inline],
    );
    let corrupted = report(&audit_via(&emu, &proxy.endpoint, &account, &only));
    assert!(
        proxy.faults().0.contains("corrupt"),
        "nothing was corrupted"
    );

    // IAM as a whole was read: no gap of GetAccountAuthorizationDetails.
    assert!(
        !gaps(&corrupted)
            .iter()
            .any(|(api, _, _)| api == "iam:GetAccountAuthorizationDetails"),
        "{}",
        corrupted["coverage_gaps"]
    );
    // Every other principal's findings are exactly the clean run's.
    let arn = format!("arn:aws:iam::{account}:role/fraud-deployer");
    let others = |v: &Value| -> BTreeSet<(String, String, String, String)> {
        findings(v).into_iter().filter(|f| f.1 != arn).collect()
    };
    assert_eq!(others(&corrupted), others(&clean));
    // The role itself: not assessed where its policies are read, and says why.
    let its: Vec<&Value> = corrupted["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["resource"]["arn"] == arn.as_str())
        .collect();
    assert!(!its.is_empty(), "no finding on {arn}");
    assert!(
        its.iter().any(|f| f["status"] == "not_assessed"
            && f["status_reason"]
                .as_str()
                .unwrap_or_default()
                .contains("not UTF-8")),
        "{its:#?}"
    );
    // Its trust policy is what the outsider checks read: none of them passes it.
    let trust_checks: Vec<&str> = its
        .iter()
        .filter(|f| {
            f["status_reason"]
                .as_str()
                .unwrap_or_default()
                .contains("not UTF-8")
        })
        .map(|f| f["code"].as_str().unwrap_or_default())
        .collect();
    assert!(
        trust_checks.iter().any(|c| c.starts_with("IAM-00")),
        "{its:#?}"
    );
}

#[test]
fn an_output_to_s3_is_uploaded_with_the_callers_credentials_and_says_so() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    let bucket = format!("security-reports-{account}");
    crate::daemon::s3(&emu, "create", &bucket);
    let target = format!("s3://{bucket}/auditor/{account}.json");
    let r = audit_via(
        &emu,
        emu.endpoint(),
        &account,
        &["--services", "ec2", "--output", &target],
    );
    let printed = report(&r);
    assert!(
        r.stderr
            .contains(&format!("JSON report uploaded to {target}")),
        "{}",
        r.stderr
    );
    assert_eq!(
        crate::daemon::s3(&emu, "list", &bucket).trim(),
        format!("auditor/{account}.json")
    );
    assert_eq!(printed["schema"], "auditor.report.v1");
    // Nothing was written locally under the name.
    assert!(!std::path::Path::new("s3:").exists());
}

#[test]
fn the_external_id_is_sent_and_short_sessions_are_renewed_within_one_audit() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    // Sessions of 5 s: the SDK's identity cache renews credentials 10 s (less up to 5 s of
    // jitter) before they end, so these are renewed as soon as they are used.
    let cfg = crate::emulator::demo_config_with(
        dir.path(),
        &format!("[aws]\nsession_duration = \"5s\"\nexternal_id = \"default-id\"\n\n[[accounts]]\nid = \"{account}\"\nexternal_id = \"acme-audit-7f3a\"\n"),
    );
    let proxy = Proxy::start(&emu, dir.path(), &[]);
    let r = run(auditor()
        .envs(emu.cli_env())
        .args([
            "audit",
            "--account",
            &account,
            "--endpoint-url",
            &proxy.endpoint,
            "--regions",
            "us-east-1,eu-west-1",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--max-attempts",
            "2",
            "--config",
        ])
        .arg(&cfg));
    let v = report(&r);
    assert!(!v["findings"].as_array().expect("findings").is_empty());
    let assumed: Vec<Value> = std::fs::read_to_string(&proxy.record)
        .expect("record")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("line"))
        .filter(|e| {
            e["sig"]
                .as_str()
                .unwrap_or_default()
                .contains("action=AssumeRole")
        })
        .collect();
    assert!(
        assumed.len() >= 2,
        "the session was never renewed: {assumed:#?}"
    );
    for a in &assumed {
        // The account's own ExternalId, not the default; the role in the audited account.
        assert_eq!(a["form"]["ExternalId"], "acme-audit-7f3a", "{a}");
        assert_eq!(a["form"]["DurationSeconds"], "5", "{a}");
        assert!(
            a["form"]["RoleArn"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!(":{account}:role/AuditorReadOnly")),
            "{a}"
        );
    }
}
