//! Notifications to a local HTTP receiver: new findings after a receiver that fails, then
//! recovers; nothing announced twice; a failed run announced; Slack's format.

use crate::store::change;
use crate::{auditor, run};
use auditor_testkit::{unique_account, Emulator};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A webhook receiver: answers 500 to its first `failures` requests, then 200; keeps
/// every body it was sent (with the path, which names the destination).
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<(String, String)>>>,
}

impl Receiver {
    fn start(failures: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            let mut seen = 0;
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                let mut length = 0;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                        break;
                    }
                    if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                seen += 1;
                let status = if seen <= failures {
                    "500 Internal Server Error"
                } else {
                    kept.lock()
                        .expect("lock")
                        .push((path, String::from_utf8_lossy(&body).into_owned()));
                    "200 OK"
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Receiver { url, bodies }
    }

    fn bodies(&self) -> Vec<(String, String)> {
        self.bodies.lock().expect("lock").clone()
    }
}

fn audit(
    emu: &Emulator,
    account: &str,
    endpoint: &str,
    config: &std::path::Path,
    db: &std::path::Path,
) -> crate::Run {
    run(auditor()
        .envs(emu.cli_env())
        .args([
            "audit",
            "--account",
            account,
            "--endpoint-url",
            endpoint,
            "--regions",
            "us-east-1",
            "--services",
            "ec2",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--max-attempts",
            "2",
            "--store",
        ])
        .arg(db)
        .arg("--config")
        .arg(config))
}

#[test]
fn new_findings_and_failed_runs_reach_the_webhooks_once_through_a_failing_receiver() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    // Down for the whole first delivery (its four attempts), then back.
    let receiver = Receiver::start(4);
    let config = dir.path().join("auditor.toml");
    std::fs::write(
        &config,
        format!(
            "[[notify]]\nname = \"security-webhook\"\nurl = \"{0}/hook\"\nmin_severity = \"high\"\n",
            receiver.url
        ),
    )
    .expect("config");
    change(&emu, &account, "1");
    let first = audit(&emu, &account, emu.endpoint(), &config, &db);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(receiver.bodies().is_empty());
    assert!(
        first
            .stderr
            .contains("notification to security-webhook not delivered after 4 attempts: HTTP 500"),
        "{}",
        first.stderr
    );
    let report: Value = serde_json::from_str(&first.stdout).expect("json");
    let high: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            f["status"] == "fail" && matches!(f["severity"].as_str(), Some("high" | "critical"))
        })
        .map(|f| f["fingerprint"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(!high.is_empty(), "the account has high findings");
    // The next run has nothing new, but what the first could not deliver is still open:
    // it is announced now.
    let second = audit(&emu, &account, emu.endpoint(), &config, &db);
    assert_eq!(second.code, 0, "{}", second.stderr);
    let got = receiver.bodies();
    let hook: Vec<Value> = got
        .iter()
        .filter(|(p, _)| p == "/hook")
        .map(|(_, b)| serde_json::from_str(b).expect("json body"))
        .collect();
    assert_eq!(
        hook.len(),
        1,
        "one delivery once the receiver is back: {got:?}"
    );
    assert_eq!(hook[0]["event"], "findings");
    assert_eq!(hook[0]["account"], account.as_str());
    let mut sent: Vec<String> = hook[0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap_or_default().to_owned())
        .collect();
    sent.sort();
    let mut want = high.clone();
    want.sort();
    assert_eq!(
        sent, want,
        "exactly the high and critical failures, all new"
    );
    // What the report holds of a finding, and no more: no evidence.
    assert!(
        !got[0].1.contains("evidence") && !got[0].1.contains("observed"),
        "{}",
        got[0].1
    );

    // Again: everything open was announced, nothing is announced twice.
    let third = audit(&emu, &account, emu.endpoint(), &config, &db);
    assert_eq!(third.code, 0, "{}", third.stderr);
    assert_eq!(receiver.bodies().len(), got.len(), "announced twice");

    // A run that fails is announced (to the destination that asked for failed runs).
    let failed = audit(&emu, &account, "http://127.0.0.1:9", &config, &db);
    assert_eq!(failed.code, 3, "{}", failed.stderr);
    let last: Value =
        serde_json::from_str(&receiver.bodies().last().expect("a body").1).expect("json");
    assert_eq!(last["event"], "run_failed");
    assert!(
        last["error"]
            .as_str()
            .unwrap_or_default()
            .contains("sts:GetCallerIdentity"),
        "{last}"
    );
}

#[test]
fn slack_gets_its_own_format_and_a_url_from_the_environment_is_never_printed() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("auditor.db");
    let receiver = Receiver::start(0);
    let slack = format!("{}/services/T000/B000/XXXXsecretXXXX", receiver.url);
    let config = dir.path().join("auditor.toml");
    std::fs::write(
        &config,
        "[[notify]]\nname = \"team-slack\"\nformat = \"slack\"\nurl_env = \"AUDITOR_TEST_SLACK_URL\"\nmin_severity = \"high\"\n",
    )
    .expect("config");
    change(&emu, &account, "1");
    let r = run(auditor()
        .envs(emu.cli_env())
        .env("AUDITOR_TEST_SLACK_URL", &slack)
        .env("AUDITOR_LOG", "debug")
        .args([
            "audit",
            "--account",
            &account,
            "--endpoint-url",
            emu.endpoint(),
            "--regions",
            "us-east-1",
            "--services",
            "ec2",
            "--fail-on",
            "none",
            "--max-attempts",
            "2",
            "--store",
        ])
        .arg(&db)
        .arg("--config")
        .arg(&config));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("XXXXsecretXXXX") && !r.stdout.contains("XXXXsecretXXXX"));
    let got = receiver.bodies();
    assert_eq!(got.len(), 1, "{got:?}");
    let v: Value = serde_json::from_str(&got[0].1).expect("json");
    let text = v["text"].as_str().expect("Slack's text");
    assert!(text.contains(&format!("in account {account}")), "{text}");
    assert!(text.contains("EC2-"), "{text}");
    // An unset variable is a configuration problem, named.
    let r = run(auditor()
        .args(["audit", "--account", &account, "--config"])
        .arg(&config));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "notify[0].url_env: the environment variable AUDITOR_TEST_SLACK_URL is not set"
        ),
        "{}",
        r.stderr
    );
}
