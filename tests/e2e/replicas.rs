//! Three `auditor daemon` replicas against one PostgreSQL store (the server
//! `tests/pg/with-postgres.sh` starts for `make test`) and the emulator, with 30 accounts:
//! a round is audited exactly once per account, shared between the replicas; then a replica
//! is SIGKILLed while it holds an account, and another finishes that account once its lease
//! runs out, with no run lost and no account audited twice to completion.

use crate::daemon::{get, signal, start, wait_for};
use crate::{auditor, run};
use auditor_testkit::{unique_account, Emulator};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Child;
use std::time::Duration;

const TOKEN: &str = "6f1c0e9a4b2d7f3e8a5c1b9d0e4f7a2c";

fn test_postgres() -> String {
    std::env::var("AUDITOR_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "AUDITOR_TEST_POSTGRES is not set: run the tests with `make test`, or wrap them \
             in tests/pg/with-postgres.sh -- cargo test (it starts a throwaway PostgreSQL \
             from the machine's initdb and pg_ctl; Debian: apt-get install -y postgresql)"
        )
    })
}

/// Runs `sql` on the database at `url`; the rows' first columns, as text.
fn sql(url: &str, sql: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {url}: {e}"));
        tokio::spawn(conn);
        client
            .simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some(r.get(0).unwrap_or_default().to_owned())
                }
                _ => None,
            })
            .collect()
    })
}

/// A new database on the test server, as a URL.
fn fresh_database() -> String {
    let url = test_postgres();
    let name = format!("replicas_{}", unique_account());
    sql(&url, &format!("CREATE DATABASE {name}"));
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{name}")
}

/// `/api/rounds` of a replica.
fn rounds(addr: &str) -> Value {
    let (code, body) = get(addr, "/api/rounds", Some(TOKEN));
    assert_eq!(code, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// The newest round's progress, once it is round `n`.
fn round(addr: &str, n: i64) -> Option<Value> {
    let v = rounds(addr);
    let newest = v["rounds"].get(0)?.clone();
    (newest["round"].as_i64() == Some(n)).then_some(newest)
}

fn done(p: &Value) -> bool {
    p["pending"] == 0 && p["running"] == 0
}

/// Every run in the store, as (account, status).
fn runs(url: &str) -> Vec<(String, String)> {
    sql(url, "SELECT account || ' ' || status FROM runs ORDER BY id")
        .iter()
        .filter_map(|l| l.split_once(' '))
        .map(|(a, s)| (a.to_owned(), s.to_owned()))
        .collect()
}

fn complete_per_account(url: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (a, s) in runs(url) {
        if s == "complete" {
            *out.entry(a).or_default() += 1;
        }
    }
    out
}

/// A replica's metric, from `/metrics`.
fn metric(addr: &str, name: &str) -> u64 {
    let (code, body) = get(addr, "/metrics", Some(TOKEN));
    assert_eq!(code, 200, "{body}");
    body.lines()
        .find(|l| l.starts_with(&format!("{name}{{")))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} is not in /metrics:\n{body}"))
}

#[test]
fn three_replicas_share_rounds_and_finish_what_a_killed_one_held() {
    let emu = Emulator::shared();
    let url = fresh_database();
    let accounts: Vec<String> = (0..30).map(|_| unique_account()).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let list = accounts
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // The URL comes from the environment, as from a Kubernetes Secret, with a password
    // (the test server accepts any): it must appear nowhere the replicas write or serve.
    let secret_url = url.replacen("://auditor@", "://auditor:s3cret-pw@", 1);
    assert_ne!(secret_url, url);
    let mut env = emu.cli_env();
    env.push(("AUDITOR_STORE_URL", secret_url.clone()));
    let mut logs = Vec::new();
    let mut replicas: Vec<(Child, String)> = (0..3)
        .map(|i| {
            let config = dir.path().join(format!("replica-{i}.toml"));
            std::fs::write(
                &config,
                format!(
                    "[aws]\nendpoint_url = \"{}\"\nregions = [\"us-east-1\"]\nmax_attempts = 2\n\
                     [audit]\nservices = [\"ec2\"]\n\
                     [daemon]\naccounts = [{list}]\ninterval = \"1h\"\n\
                     store_env = \"AUDITOR_STORE_URL\"\nlease = \"10s\"\n\
                     reports_dir = \"{}\"\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n",
                    emu.endpoint(),
                    dir.path().join(format!("reports-{i}")).display()
                ),
            )
            .expect("config");
            // Its standard error is read as long as it runs (a closed pipe would end it).
            let (child, addr, lines) = start(&config, &env);
            logs.push(lines);
            (child, addr)
        })
        .collect();
    let addr = replicas[0].1.clone();

    // Round 1: opened once, every account audited exactly once, the work shared.
    wait_for("round 1 to complete", 240, || {
        round(&addr, 1).is_some_and(|p| done(&p))
    });
    let r1 = round(&addr, 1).expect("round 1");
    assert_eq!(
        (
            r1["complete"].as_i64(),
            r1["failed"].as_i64(),
            r1["takeovers"].as_i64()
        ),
        (Some(30), Some(0), Some(0)),
        "{r1}"
    );
    let per_account = complete_per_account(&url);
    assert_eq!(
        per_account.keys().cloned().collect::<BTreeSet<_>>(),
        accounts.iter().cloned().collect::<BTreeSet<_>>()
    );
    assert!(per_account.values().all(|n| *n == 1), "{per_account:?}");
    let holders: BTreeSet<String> = rounds(&addr)["latest_accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["holder"].as_str().map(str::to_owned))
        .collect();
    assert!(
        holders.len() >= 2,
        "one replica did all the work: {holders:?}"
    );
    let audited: u64 = replicas
        .iter()
        .map(|(_, a)| metric(a, "auditor_replica_accounts_audited_total"))
        .sum();
    assert_eq!(
        audited, 30,
        "each replica's /metrics counts its own accounts"
    );
    let opened: u64 = replicas
        .iter()
        .map(|(_, a)| metric(a, "auditor_replica_rounds_opened_total"))
        .sum();
    assert_eq!(opened, 1, "the schedule is decided once");
    // `auditor rounds` reads the same from the database; `runs` and `report` work on it
    // as on a file.
    let cli = run(auditor()
        .env("AUDITOR_STORE", &secret_url)
        .args(["rounds", "--format", "json"]));
    assert_eq!(cli.code, 0, "{}", cli.stderr);
    let v: Value = serde_json::from_str(&cli.stdout).expect("json");
    assert_eq!(v["rounds"][0]["complete"], 30, "{v}");
    let listed = run(auditor()
        .env("AUDITOR_STORE", &secret_url)
        .args(["runs", "--format", "json"]));
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let listed: Value = serde_json::from_str(&listed.stdout).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(30));
    let first = listed[0]["id"].as_i64().expect("id").to_string();
    let report = run(auditor()
        .env("AUDITOR_STORE", &secret_url)
        .args(["report", "--run", &first, "--format", "json"]));
    assert_eq!(report.code, 0, "{}", report.stderr);
    let report: Value = serde_json::from_str(&report.stdout).expect("json");
    let audited = report["account"].as_str().unwrap_or_default().to_owned();
    assert!(accounts.contains(&audited), "{audited}");
    // A database that is not there: one line, naming the URL without its password.
    let gone = run(auditor()
        .env(
            "AUDITOR_STORE",
            "postgres://auditor:s3cret-pw@127.0.0.1:1/auditor",
        )
        .args(["runs"]));
    assert_eq!(gone.code, 4, "{}", gone.stderr);
    assert!(
        gone.stderr
            .contains("postgres://auditor:***@127.0.0.1:1/auditor"),
        "{}",
        gone.stderr
    );
    assert!(!gone.stderr.contains("s3cret-pw"), "{}", gone.stderr);

    // The server ends every connection to the database (as a restart or a failover would):
    // the replicas connect again.
    let name = url.rsplit('/').next().expect("database").to_owned();
    sql(
        &test_postgres(),
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
    );
    // Round 2, due now. A replica is frozen while it holds an account, then killed.
    sql(&url, "UPDATE auditor_schedule SET next_due = now()");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let (victim, account) = loop {
        assert!(
            std::time::Instant::now() < deadline,
            "round 2 never had an account held by replica 1 or 2 to kill"
        );
        let held = rounds(&addr);
        let running = held["rounds"][0]["round"] == 2
            && held["latest_accounts"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["state"] == "running"));
        if !running {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        // A replica seen holding an account is frozen, so that what it holds cannot change
        // before it is killed, and looked at again (the others are never stopped).
        let holders = sql(
            &url,
            "SELECT holder FROM auditor_round_accounts WHERE round_id = 2 AND state = 'running'",
        );
        let holding = |i: usize| {
            let pid = replicas[i].0.id();
            holders.iter().any(|h| h.contains(&format!("/{pid}/")))
        };
        let i = (1..3).filter(|i| holding(*i)).find(|i| {
            let (child, _) = &replicas[*i];
            signal(child, "-STOP");
            let pid = child.id().to_string();
            let holds = sql(
                &url,
                &format!(
                    "SELECT account FROM auditor_round_accounts WHERE round_id = 2 \
                         AND state = 'running' AND holder LIKE '%/{pid}/%'"
                ),
            );
            if holds.is_empty() {
                signal(child, "-CONT");
            }
            !holds.is_empty()
        });
        if let Some(i) = i {
            let pid = replicas[i].0.id().to_string();
            let account = sql(
                &url,
                &format!(
                    "SELECT account FROM auditor_round_accounts WHERE round_id = 2 \
                     AND state = 'running' AND holder LIKE '%/{pid}/%'"
                ),
            );
            break (i, account.into_iter().next().expect("held"));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (mut killed, _) = replicas.remove(victim);
    killed.kill().expect("SIGKILL");
    killed.wait().expect("reaped");

    wait_for(
        "round 2 to complete without the killed replica",
        240,
        || round(&addr, 2).is_some_and(|p| done(&p)),
    );
    let r2 = round(&addr, 2).expect("round 2");
    // What the replicas said so far, to explain a failure.
    let mut said: Vec<String> = logs.iter().flat_map(|l| l.try_iter()).collect();
    let trouble = || -> String {
        said.iter()
            .filter(|l| l.contains("WARN") || l.contains("ERROR"))
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        (r2["complete"].as_i64(), r2["failed"].as_i64()),
        (Some(30), Some(0)),
        "{r2}\n{}",
        trouble()
    );
    assert!(r2["takeovers"].as_i64() >= Some(1), "{r2}");
    let finisher = sql(
        &url,
        &format!(
            "SELECT holder FROM auditor_round_accounts WHERE round_id = 2 AND account = '{account}'"
        ),
    );
    assert!(
        !finisher
            .first()
            .is_some_and(|h| h.contains(&format!("/{}/", killed.id()))),
        "{account} was finished by another replica: {finisher:?}"
    );
    // No account audited twice to completion in a round; the killed run is not lost
    // but failed (its replica is gone), once a surviving replica has looked.
    let per_account = complete_per_account(&url);
    assert!(per_account.values().all(|n| *n == 2), "{per_account:?}");
    wait_for("the killed replica's run to be marked failed", 30, || {
        runs(&url).iter().all(|(_, s)| s != "running")
    });
    let of_account: Vec<String> = runs(&url)
        .into_iter()
        .filter(|(a, _)| *a == account)
        .map(|(_, s)| s)
        .collect();
    // Its round-1 run, the killed run (failed, not lost), and another replica's.
    assert_eq!(
        of_account.iter().filter(|s| *s == "complete").count(),
        2,
        "{account}: {of_account:?}"
    );
    assert!(
        of_account.iter().any(|s| s == "failed"),
        "{account}: {of_account:?}"
    );
    let takeovers: u64 = replicas
        .iter()
        .map(|(_, a)| metric(a, "auditor_replica_lease_takeovers_total"))
        .sum();
    assert!(takeovers >= 1);

    for (_, addr) in &replicas {
        for path in ["/metrics", "/readyz", "/api/rounds", "/api/runs"] {
            let (_, body) = get(addr, path, Some(TOKEN));
            assert!(!body.contains("s3cret-pw"), "{path} shows the password");
        }
    }
    for (child, _) in &replicas {
        signal(child, "-TERM");
    }
    for (mut child, _) in replicas {
        let status = child.wait().expect("exit");
        assert!(
            status.success(),
            "a replica stopped by SIGTERM exits 0: {status}"
        );
    }
    said.extend(logs.iter().flat_map(|l| l.try_iter()));
    assert!(
        said.iter().any(|l| l.contains("round opened")),
        "the replicas log their rounds: {said:?}"
    );
    assert!(
        said.iter().all(|l| !l.contains("s3cret-pw")),
        "a replica logged the password"
    );
}
