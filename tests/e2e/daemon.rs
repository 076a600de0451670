//! `auditor daemon` against the emulator: two scheduled runs with a change to the account in
//! between, seen through `auditor diff`, `/api/findings` and `/metrics`; SIGTERM; SIGKILL
//! during a run; a malformed configuration.

use crate::store::{change, offline_audit};
use crate::{auditor, run};
use auditor_testkit::{unique_account, Emulator};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A plain HTTP/1.1 GET with the bearer token, if any: (status, body).
pub(crate) fn get(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}"))
        .unwrap_or_else(|| "X-No-Token: 1".to_owned());
    let (status, _, body) = get_with(addr, path, &auth);
    (status, body)
}

/// A GET with `header` (one `Name: value` line): (status, head in lower case, body).
fn get_with(addr: &str, path: &str, header: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect to the daemon");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{header}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("response");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// Starts the daemon; returns it and the address it listens on (from its first line).
pub(crate) fn start(
    config: &Path,
    envs: &[(&'static str, String)],
) -> (Child, String, mpsc::Receiver<String>) {
    let mut child = auditor()
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .args(["daemon", "--config", config.to_str().expect("utf8")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the daemon");
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut said = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|e| {
                panic!(
                    "the daemon says where it listens ({e}); it said:\n{}",
                    said.join("\n")
                )
            });
        said.push(line.clone());
        if let Some(a) = line
            .split("listening on http://")
            .nth(1)
            .and_then(|r| r.split(';').next())
        {
            break a.to_owned();
        }
    };
    (child, addr, rx)
}

pub(crate) fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn complete_runs(addr: &str, token: Option<&str>) -> usize {
    let (code, body) = get(addr, "/api/runs", token);
    if code != 200 {
        return 0;
    }
    serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .map(|runs| runs.iter().filter(|r| r["status"] == "complete").count())
        .unwrap_or(0)
}

pub(crate) fn signal(child: &Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill {sig} failed");
}

#[test]
fn two_scheduled_runs_show_exactly_what_changed() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    let reports = dir.path().join("reports");
    let config = dir.path().join("daemon.toml");
    let bucket = format!("security-reports-{account}");
    std::fs::write(
        &config,
        format!(
            "[aws]\nendpoint_url = \"{}\"\nregions = [\"us-east-1\"]\nmax_attempts = 2\n\
             [audit]\nservices = [\"ec2\"]\n\
             [daemon]\naccounts = [\"{account}\"]\ninterval = \"4s\"\nstore = \"{}\"\n\
             reports_dir = \"{}\"\nlisten = \"127.0.0.1:0\"\ntoken = \"6f1c0e9a4b2d7f3e8a5c1b9d0e4f7a2c\"\n\
             upload_to = \"s3://{bucket}/auditor\"\n",
            emu.endpoint(),
            db.display(),
            reports.display()
        ),
    )
    .expect("config");
    s3(&emu, "create", &bucket);
    change(&emu, &account, "1");
    let (mut daemon, addr, lines) = start(&config, &emu.cli_env());
    let token = Some("6f1c0e9a4b2d7f3e8a5c1b9d0e4f7a2c");

    assert_eq!(get(&addr, "/healthz", None).0, 200);
    assert_eq!(
        get(&addr, "/api/runs", None).0,
        401,
        "the API needs the token"
    );
    wait_for("the first run", 60, || complete_runs(&addr, token) >= 1);
    change(&emu, &account, "2");
    wait_for("the second run", 60, || complete_runs(&addr, token) >= 2);

    // The JSON API: exactly the fixed group resolved, exactly the broken one new.
    let (code, body) = get(&addr, "/api/findings?status=resolved", token);
    assert_eq!(code, 200, "{body}");
    let resolved: Value = serde_json::from_str(&body).expect("json");
    let resolved: Vec<(&str, i64)> = resolved
        .as_array()
        .expect("list")
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap_or_default(),
                i["resolved_run"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(resolved, [("EC2-002", 2)]);
    let (_, body) = get(&addr, "/api/findings?status=open&severity=HIGH", token);
    let open: Value = serde_json::from_str(&body).expect("json");
    let new_in_2: Vec<&str> = open
        .as_array()
        .expect("list")
        .iter()
        .filter(|i| i["first_seen_run"] == 2)
        .map(|i| i["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(new_in_2, ["EC2-002"]);
    assert_eq!(get(&addr, "/api/findings?status=maybe", token).0, 400);
    // Served from the report file the run wrote, as it is on disk (marked here, so that a
    // report rebuilt from the store could not match).
    let written = std::fs::read_dir(reports.join(&account))
        .expect("reports")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().ends_with("-run1.json"))
        .expect("run 1's report file");
    let mut file: Value =
        serde_json::from_str(&std::fs::read_to_string(&written).expect("read")).expect("json");
    file["served_from"] = "the file".into();
    std::fs::write(&written, serde_json::to_string(&file).expect("json")).expect("mark");
    let (code, body) = get(&addr, "/api/runs/1", token);
    assert_eq!(code, 200);
    let r1: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(r1["report"]["schema"], "auditor.report.v1");
    assert_eq!(r1["report"], file);
    assert_eq!(r1["run"]["id"], 1);
    assert_eq!(get(&addr, "/readyz", token).0, 200);

    // The review report at `/`: behind the token, which a browser gives as the Basic
    // password (it is asked for by the challenge); run 2's page shows what run 2 changed.
    let (code, head, _) = get_with(&addr, "/?run=2", "X-Nothing: 1");
    assert_eq!(code, 401);
    assert!(
        head.contains("www-authenticate: basic realm=\"auditor\""),
        "{head}"
    );
    let basic = format!(
        "Authorization: Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "reviewer:6f1c0e9a4b2d7f3e8a5c1b9d0e4f7a2c"
        )
    );
    let (code, head, page) = get_with(&addr, "/?run=2", &basic);
    assert_eq!(code, 200, "{page}");
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(
        head.contains("content-security-policy: default-src 'none'"),
        "{head}"
    );
    assert!(page.contains(&format!("AWS account <code>{account}</code>")));
    for kind in ["new", "resolved"] {
        assert!(
            page.contains(&format!("data-kind=\"{kind}\" data-value=\"1\"")),
            "one {kind} finding in run 2's review"
        );
    }
    assert_eq!(
        get_with(&addr, "/", &basic).0,
        200,
        "the latest run's review"
    );
    assert_eq!(
        get_with(&addr, "/?account=999999999999", &basic).0,
        404,
        "no run of that account"
    );

    // /metrics is Prometheus text.
    let (code, body) = get(&addr, "/metrics", token);
    assert_eq!(code, 200);
    let scrape = prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned())))
        .expect("/metrics parses as Prometheus text");
    let runs_complete: f64 = scrape
        .samples
        .iter()
        .filter(|s| s.metric == "auditor_runs_total" && s.labels.get("status") == Some("complete"))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum();
    assert!(runs_complete >= 2.0, "{body}");
    // Retries and the time waiting to retry are counted per service, zero included.
    for family in [
        "auditor_api_retries_total",
        "auditor_api_retry_wait_seconds_total",
    ] {
        assert!(
            scrape
                .samples
                .iter()
                .any(|s| s.metric == family && s.labels.get("service") == Some("ec2")),
            "no {family} for ec2 in {body}"
        );
    }
    let ec2_requests: f64 = scrape
        .samples
        .iter()
        .filter(|s| {
            s.metric == "auditor_api_requests_total" && s.labels.get("service") == Some("ec2")
        })
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum();
    assert!(ec2_requests >= 16.0, "8 EC2 reads per run, 2 runs: {body}");
    for family in [
        "auditor_api_throttled_total",
        "auditor_run_duration_seconds",
        "auditor_last_success_timestamp_seconds",
        "auditor_findings",
    ] {
        assert!(
            scrape.samples.iter().any(|s| s.metric.starts_with(family)),
            "no {family} in {body}"
        );
    }

    // SIGTERM: no new runs, exit 0.
    signal(&daemon, "-TERM");
    let status = daemon.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    let said: Vec<String> = lines.try_iter().collect();
    assert!(said.iter().any(|l| l.contains("run 2 of")), "{said:?}");

    // The same through the store: diff, and a report per run in the reports directory.
    let diff = run(auditor()
        .args([
            "diff", "--from", "1", "--to", "2", "--format", "json", "--store",
        ])
        .arg(&db));
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let d: Value = serde_json::from_str(&diff.stdout).expect("json");
    let codes = |k: &str| -> Vec<String> {
        d[k].as_array()
            .expect("list")
            .iter()
            .map(|e| e["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(codes("new"), ["EC2-002"]);
    assert_eq!(codes("resolved"), ["EC2-002"]);
    let latest = reports.join(&account).join("latest.json");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&latest).expect("latest report"))
            .expect("json");
    assert_eq!(report["account"], account.as_str());
    let files = std::fs::read_dir(reports.join(&account))
        .expect("reports")
        .count();
    assert!(files >= 3, "a report per run plus latest.json: {files}");
    // The opt-in upload put each run's report into the operator's bucket.
    let keys = s3(&emu, "list", &bucket);
    let uploaded: Vec<&str> = keys
        .lines()
        .filter(|k| k.starts_with(&format!("auditor/{account}/")))
        .collect();
    assert!(
        uploaded.iter().any(|k| k.ends_with("-run1.json"))
            && uploaded.iter().any(|k| k.ends_with("-run2.json")),
        "{keys}"
    );
}

/// Creates the operator's report bucket, or lists its keys, as the daemon's own identity
/// (the emulator's default account).
pub(crate) fn s3(emu: &Emulator, what: &str, bucket: &str) -> String {
    let script = r#"
import sys, boto3
ep, what, bucket = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=ep, region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
if what == "create":
    s3.create_bucket(Bucket=bucket)
else:
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        print(o["Key"])
"#;
    let out = std::process::Command::new(crate::venv_python())
        .args(["-c", script, emu.endpoint(), what, bucket])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An endpoint that accepts connections and never answers: a run there hangs in its first
/// AWS call, after it was recorded.
fn black_hole() -> (std::net::TcpListener, String) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", l.local_addr().expect("addr"));
    (l, url)
}

fn hanging_config(dir: &Path, endpoint: &str, extra: &str) -> std::path::PathBuf {
    let config = dir.join("daemon.toml");
    std::fs::write(
        &config,
        format!(
            "[aws]\nendpoint_url = \"{endpoint}\"\nregions = [\"us-east-1\"]\n\
             [daemon]\naccounts = [\"111122223333\"]\ninterval = \"1h\"\nstore = \"{}\"\n\
             reports_dir = \"{}\"\nlisten = \"127.0.0.1:0\"\n{extra}",
            dir.join("auditor.db").display(),
            dir.join("reports").display()
        ),
    )
    .expect("config");
    config
}

fn statuses(db: &Path) -> Vec<String> {
    let r = run(auditor()
        .args(["runs", "--format", "json", "--store"])
        .arg(db));
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    v.as_array()
        .map(|runs| {
            runs.iter()
                .map(|r| r["status"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn env() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
    ]
}

#[test]
fn sigkill_during_a_run_leaves_the_store_whole_and_the_run_failed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    // An earlier, complete run.
    let inv = crate::tiny_inventory(dir.path());
    let first = offline_audit(&inv, &db);
    assert_eq!(first.code, 0, "{}", first.stderr);

    let (_hole, endpoint) = black_hole();
    let config = hanging_config(dir.path(), &endpoint, "");
    let (mut daemon, _addr, _lines) = start(&config, &env());
    wait_for("the run to start", 30, || {
        statuses(&db).first().map(String::as_str) == Some("running")
    });
    daemon.kill().expect("SIGKILL");
    daemon.wait().expect("reaped");

    assert_eq!(
        statuses(&db),
        ["running", "complete"],
        "a reader changes nothing"
    );
    let again = offline_audit(&inv, &db);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("run 2") && again.stderr.contains("interrupted"),
        "{}",
        again.stderr
    );
    assert_eq!(statuses(&db), ["complete", "failed", "complete"]);
    let report = run(auditor()
        .args(["report", "--run", "1", "--format", "json", "--store"])
        .arg(&db));
    assert_eq!(
        report.code, 0,
        "the earlier run is intact: {}",
        report.stderr
    );
}

#[test]
fn sigterm_during_a_run_aborts_it_after_the_grace_period_and_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    let (_hole, endpoint) = black_hole();
    let config = hanging_config(dir.path(), &endpoint, "grace_period = \"1s\"\n");
    let (mut daemon, _addr, _lines) = start(&config, &env());
    wait_for("the run to start", 30, || {
        statuses(&db).first().map(String::as_str) == Some("running")
    });
    signal(&daemon, "-TERM");
    let status = daemon.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    assert_eq!(statuses(&db), ["aborted"]);
}

/// A client that opens a request and never finishes its headers.
fn slow_client(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .expect("partial request");
    s
}

#[test]
fn slow_clients_are_cut_off_and_cannot_keep_the_daemon_from_stopping() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_hole, endpoint) = black_hole();
    let config = hanging_config(dir.path(), &endpoint, "grace_period = \"1s\"\n");
    let (mut daemon, addr, _lines) = start(&config, &env());
    let slow: Vec<TcpStream> = (0..5).map(|_| slow_client(&addr)).collect();
    // Others are still served meanwhile.
    assert_eq!(get(&addr, "/healthz", None).0, 200);
    // Each slow client is disconnected after the header timeout (10 s), not held.
    let began = Instant::now();
    for mut s in slow {
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let mut buf = [0u8; 256];
        match s.read(&mut buf) {
            Ok(n) => assert!(
                n == 0 || String::from_utf8_lossy(&buf[..n]).contains(" 408 "),
                "{}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) => assert!(
                !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "the daemon kept a slow client for 30 s"
            ),
        }
    }
    assert!(
        began.elapsed() < Duration::from_secs(25),
        "{:?}",
        began.elapsed()
    );
    // A kept-alive connection that goes quiet after its request is closed too.
    let mut idle = TcpStream::connect(&addr).expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("request");
    idle.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut first = [0u8; 512];
    let n = idle.read(&mut first).expect("answer");
    assert!(String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"));
    let quiet = Instant::now();
    let mut rest = [0u8; 64];
    match idle.read(&mut rest) {
        Ok(0) => {}
        Ok(n) => panic!(
            "unexpected bytes: {:?}",
            String::from_utf8_lossy(&rest[..n])
        ),
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "an idle kept-alive connection was held for 30 s"
        ),
    }
    assert!(
        quiet.elapsed() < Duration::from_secs(25),
        "{:?}",
        quiet.elapsed()
    );
    // Slow clients connected at SIGTERM do not keep the daemon from exiting promptly.
    let _held: Vec<TcpStream> = (0..5).map(|_| slow_client(&addr)).collect();
    let stopping = Instant::now();
    signal(&daemon, "-TERM");
    let status = daemon.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    assert!(
        stopping.elapsed() < Duration::from_secs(9),
        "exit took {:?}",
        stopping.elapsed()
    );
}

#[test]
fn an_audit_past_its_deadline_fails_with_the_reason_and_the_daemon_stays_responsive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    let (_hole, endpoint) = black_hole();
    // The run hangs in its first AWS call; its deadline is 2 s.
    let config = hanging_config(
        dir.path(),
        &endpoint,
        "grace_period = \"30s\"\n[audit]\ndeadline = \"2s\"\n",
    );
    let (mut daemon, addr, _lines) = start(&config, &env());
    wait_for("the run to fail at its deadline", 30, || {
        statuses(&db).first().map(String::as_str) == Some("failed")
    });
    let runs = run(auditor()
        .args(["runs", "--format", "json", "--store"])
        .arg(&db));
    let v: Value = serde_json::from_str(&runs.stdout).expect("runs json");
    let error = v[0]["error"].as_str().unwrap_or_default().to_owned();
    assert!(
        error.contains("did not finish within 2s (audit.deadline)"),
        "{error}"
    );
    // /readyz tells the truth: the scheduler is alive and the store writable, so the
    // daemon is ready; the failed run is in the body (and in the metrics), not a 503.
    let (code, body) = get(&addr, "/readyz", None);
    assert_eq!(code, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["last_run"]["111122223333"], "failed", "{body}");
    assert_eq!(
        (v["scheduler"].as_str(), v["store"].as_str()),
        (Some("alive"), Some("writable"))
    );
    let stopping = Instant::now();
    signal(&daemon, "-TERM");
    assert_eq!(daemon.wait().expect("wait").code(), Some(0));
    assert!(stopping.elapsed() < Duration::from_secs(10));
}

#[test]
fn the_latest_runs_missing_report_is_written_again_from_the_store_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    let inv = crate::tiny_inventory(dir.path());
    // A complete run whose report never reached the reports directory (a crash between
    // the store's commit and the write, or a deleted file).
    let first = offline_audit(&inv, &db);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let (_hole, endpoint) = black_hole();
    let config = hanging_config(dir.path(), &endpoint, "");
    let (mut daemon, _addr, _lines) = start(&config, &env());
    let account_dir = dir.path().join("reports/111122223333");
    let restored = || {
        std::fs::read_dir(&account_dir).ok().and_then(|d| {
            d.map_while(Result::ok)
                .map(|e| e.path())
                .find(|p| p.to_string_lossy().ends_with("-run1.json"))
        })
    };
    wait_for("run 1's report to be restored", 30, || restored().is_some());
    daemon.kill().expect("kill");
    daemon.wait().expect("reaped");
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(restored().expect("restored")).expect("read"),
    )
    .expect("json");
    let stored = run(auditor()
        .args(["report", "--run", "1", "--format", "json", "--store"])
        .arg(&db));
    assert_eq!(stored.code, 0, "{}", stored.stderr);
    let stored: Value = serde_json::from_str(&stored.stdout).expect("json");
    assert_eq!(file, stored, "the restored report is the stored run's");
}

#[test]
fn metrics_and_readiness_come_back_after_a_restart_and_old_runs_are_pruned() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    let reports = dir.path().join("reports");
    let token = "9d2f6b1c4e8a0f7d3b5c9e1a6f4d2b8c";
    let config = |schedule: &str| {
        let path = dir.path().join(format!("daemon-{}.toml", schedule.len()));
        std::fs::write(
            &path,
            format!(
                "[aws]\nendpoint_url = \"{}\"\nregions = [\"us-east-1\"]\nmax_attempts = 2\n\
                 [audit]\nservices = [\"ec2\"]\n\
                 [daemon]\naccounts = [\"{account}\"]\n{schedule}\nstore = \"{}\"\n\
                 reports_dir = \"{}\"\nlisten = \"127.0.0.1:0\"\ntoken = \"{token}\"\nkeep_reports = 2\n",
                emu.endpoint(),
                db.display(),
                reports.display()
            ),
        )
        .expect("config");
        path
    };
    change(&emu, &account, "1");
    // Three scheduled runs, then the daemon stops by itself.
    let three = run(auditor()
        .envs(emu.cli_env())
        .args(["daemon", "--max-rounds", "3", "--config"])
        .arg(config("interval = \"1s\"")));
    assert_eq!(three.code, 0, "{}", three.stderr);
    // Two runs kept, in the store and in the reports directory (and latest.json).
    assert_eq!(statuses(&db), ["complete", "complete"]);
    let mut files: Vec<String> = std::fs::read_dir(reports.join(&account))
        .expect("reports")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(
        files.iter().any(|f| f.ends_with("-run2.json"))
            && files.iter().any(|f| f.ends_with("-run3.json")),
        "{files:?}"
    );

    // Restarted, with no run due for months: the metrics and readiness come from the store.
    let (mut daemon, addr, _lines) = start(&config("cron = \"0 0 1 1 *\""), &emu.cli_env());
    let (code, body) = get(&addr, "/readyz", None);
    assert_eq!(code, 200, "the probe needs no token: {body}");
    assert_eq!(
        body.trim(),
        r#"{"ready":true}"#,
        "without the token, only the answer"
    );
    let (_, detail) = get(&addr, "/readyz", Some(token));
    assert!(detail.contains("\"store\":\"writable\""), "{detail}");
    assert_eq!(get(&addr, "/api/runs", None).0, 401);
    let (code, metrics) = get(&addr, "/metrics", Some(token));
    assert_eq!(code, 200);
    for want in [
        format!("auditor_runs_total{{account=\"{account}\",status=\"complete\"}} 2"),
        format!("auditor_last_run{{account=\"{account}\",status=\"complete\"}} 1"),
        format!("auditor_last_success_timestamp_seconds{{account=\"{account}\"}}"),
    ] {
        assert!(metrics.contains(&want), "no `{want}` in:\n{metrics}");
    }
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("auditor_findings{") && l.contains(&account)),
        "{metrics}"
    );
    daemon.kill().expect("kill");
    daemon.wait().expect("reaped");
}
