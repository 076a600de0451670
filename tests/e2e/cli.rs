//! The binary without AWS: listing and explaining checks, and input it must refuse before
//! any AWS call.

use crate::{auditor, repo_root, run};

#[test]
fn checks_lists_every_ec2_check_with_wa_ids() {
    let r = run(auditor().arg("checks"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for (code, wa) in [
        ("EC2-001", "SEC05-BP02"),
        ("EC2-002", "SEC05-BP02, SEC06-BP05"),
        ("EC2-003", "SEC05-BP02"),
        ("EC2-004", "SEC05-BP02"),
        ("EC2-005", "SEC05-BP02"),
        ("EC2-006", "SEC04-BP01"),
        ("EC2-008", "SEC06-BP02"),
        ("EC2-009", "SEC08-BP02"),
        ("EC2-010", "SEC05-BP01"),
    ] {
        let line = r
            .stdout
            .lines()
            .find(|l| l.contains(code))
            .unwrap_or_else(|| panic!("{code} not listed"));
        assert!(line.contains(wa), "{code} without {wa}: {line}");
    }
    let json = run(auditor().args(["checks", "--format", "json"]));
    let v: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("checks --format json is JSON");
    assert!(v.as_array().is_some_and(|a| a.len() >= 9));
}

#[test]
fn explain_prints_the_documentation() {
    let r = run(auditor().args(["explain", "EC2-002"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for part in [
        "# EC2-002 sg-open-admin-ports",
        "SEC05-BP02 Control traffic at all layers",
        "## What it checks",
        "## Why it matters",
        "## Remediation",
        "## References",
        "Session Manager",
    ] {
        assert!(
            r.stdout.contains(part),
            "missing `{part}` in:\n{}",
            r.stdout
        );
    }
    run(auditor().args(["explain", "ec2-999"]))
        .assert_one_line_error(2, "no check has code 'ec2-999'");
}

#[test]
fn malformed_account_id_is_refused() {
    run(auditor().args(["audit", "--account", "12345"]))
        .assert_one_line_error(2, "'12345' is not an AWS account id");
}

#[test]
fn unknown_service_is_refused() {
    run(auditor().args([
        "audit",
        "--account",
        "111122223333",
        "--services",
        "ec2,lambda",
    ]))
    .assert_one_line_error(2, "unknown service 'lambda'");
}

#[test]
fn bad_rate_limits_and_org_flags_are_refused() {
    let refused = |args: &[&str], code: i32, wanted: &str| {
        let mut c = auditor();
        c.args(["audit"]).args(args);
        run(&mut c).assert_one_line_error(code, wanted);
    };
    refused(
        &["--account", "123456789012", "--rate-limit", "lambda=3"],
        2,
        "--rate-limit 'lambda=3': unknown API family 'lambda'",
    );
    refused(
        &["--account", "123456789012", "--rate-limit", "iam=fast"],
        2,
        "'fast' is not a number of requests per second",
    );
    refused(
        &["--org", "--exclude-account", "42"],
        2,
        "--exclude-account: ",
    );
    refused(
        &["--org", "--account-tag", "env"],
        2,
        "--account-tag 'env': expected KEY=VALUE",
    );
}

#[test]
fn malformed_region_is_refused() {
    run(auditor().args([
        "audit",
        "--account",
        "111122223333",
        "--regions",
        "Europe",
        "--endpoint-url",
        "http://127.0.0.1:9",
    ]))
    .assert_one_line_error(2, "'Europe' is not a region name");
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[test]
fn missing_credentials_are_one_line_and_exit_3() {
    run(auditor()
        .args(["audit", "--account", "111122223333", "--endpoint-url"])
        .arg(format!("http://127.0.0.1:{}", closed_port())))
    .assert_one_line_error(
        3,
        "sts:GetCallerIdentity: credentials: no credentials found",
    );
}

#[test]
fn unreachable_endpoint_is_one_line_and_exit_3() {
    run(auditor()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .args([
            "audit",
            "--account",
            "111122223333",
            "--max-attempts",
            "1",
            "--endpoint-url",
        ])
        .arg(format!("http://127.0.0.1:{}", closed_port())))
    .assert_one_line_error(3, "endpoint unreachable");
}

#[test]
fn malformed_config_lists_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("auditor.toml");
    std::fs::write(
        &path,
        "[aws]\nregions = [\"Europe\"]\n[audit]\nservices = [\"lambda\"]\nfail_on = \"severe\"\n",
    )
    .expect("write");
    let r = run(auditor()
        .args(["audit", "--account", "111122223333", "--config"])
        .arg(&path));
    assert_eq!(r.code, 2, "{}", r.stderr);
    for want in [
        "aws.regions[0]",
        "audit.services[0]: unknown service 'lambda'",
        "audit.fail_on",
    ] {
        assert!(
            r.stderr.contains(want),
            "missing `{want}` in:\n{}",
            r.stderr
        );
    }
    assert!(
        r.stderr.contains(&path.display().to_string()),
        "names the file: {}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn example_config_is_accepted() {
    // Offline audit of an empty saved inventory, with the example config: proves the file
    // parses in the real binary too.
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = dir.path().join("inv.json");
    std::fs::write(
        &inv,
        r#"{"account_id": "111122223333", "services": ["ec2"], "regions": []}"#,
    )
    .expect("write");
    let r = run(auditor()
        .args(["audit", "--config"])
        .arg(repo_root().join("config/auditor.example.toml"))
        .arg("--from-inventory")
        .arg(&inv));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Suppressions: accepted failures stay in the report, marked, and do not gate the exit
/// code until they expire; an expired one is said at load and no longer applies.
#[test]
fn suppressions_mark_failures_until_they_expire() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fx: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("crates/auditor-checks/fixtures/EC2-002.json"))
            .expect("fixture"),
    )
    .expect("json");
    let inv = dir.path().join("inventory.json");
    std::fs::write(&inv, fx["inventory"].to_string()).expect("inventory");
    let audit = |expires: &str| {
        let cfg = dir.path().join("cfg.toml");
        let rules: String = ["EC2-001", "EC2-002", "EC2-003"]
            .iter()
            .map(|code| {
                format!(
                    "[[suppressions]]\ncode = \"{code}\"\nresource = \"arn:aws:ec2:*\"\n\
                     reason = \"lab VPC, no workloads\"\nowner = \"platform@example.com\"\n\
                     expires = \"{expires}\"\n"
                )
            })
            .collect();
        std::fs::write(&cfg, rules).expect("config");
        run(auditor().args([
            "audit",
            "--from-inventory",
            inv.to_str().expect("utf8"),
            "--format",
            "json",
            "--config",
            cfg.to_str().expect("utf8"),
        ]))
    };
    let unsuppressed = run(auditor().args([
        "audit",
        "--from-inventory",
        inv.to_str().expect("utf8"),
        "--format",
        "json",
    ]));
    assert_eq!(
        unsuppressed.code, 1,
        "high failures gate: {}",
        unsuppressed.stderr
    );

    let r = audit("2099-12-31");
    assert_eq!(r.code, 0, "suppressed failures do not gate: {}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let fails: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert!(!fails.is_empty());
    for f in &fails {
        assert_eq!(f["suppression"]["reason"], "lab VPC, no workloads", "{f}");
        assert_eq!(f["suppression"]["expired"], false);
    }
    assert_eq!(v["summary"]["suppressed"], fails.len());

    let r = audit("2020-01-31");
    assert_eq!(
        r.code, 1,
        "an expired suppression no longer applies: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("suppressions[0] (EC2-001 on arn:aws:ec2:*, owner platform@example.com) expired on 2020-01-31"),
        "{}",
        r.stderr
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["summary"]["suppressed"], 0);
    assert!(v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] == "fail")
        .all(|f| f["suppression"]["expired"] == true));
}

#[test]
fn a_malformed_daemon_config_lists_every_problem_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("daemon.toml");
    std::fs::write(
        &cfg,
        "[daemon]\naccounts = [\"12345\"]\ninterval = \"6 hours\"\ncron = \"0 3 * * *\"\n\
         listen = \"0.0.0.0:9477\"\nupload_to = \"my-bucket\"\ncolour = \"blue\"\n",
    )
    .expect("config");
    let r = run(auditor()
        .args(["daemon", "--config"])
        .arg(&cfg)
        .env_remove("AUDITOR_DAEMON_TOKEN"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr
            .lines()
            .filter(|l| l.starts_with("auditor: error:"))
            .count(),
        1
    );
    for want in [
        "daemon.colour: unknown key",
        "daemon.accounts[0]: '12345' is not an AWS account id",
        "daemon.interval: '6 hours' is not a duration",
        "daemon: set either interval or cron, not both",
        "daemon.listen: 0.0.0.0:9477 is not a loopback address: set daemon.token",
        "daemon.upload_to: 'my-bucket' is not s3://bucket[/prefix]",
    ] {
        assert!(r.stderr.contains(want), "missing `{want}` in {}", r.stderr);
    }
}

#[test]
fn the_daemon_without_a_daemon_section_says_so_and_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("audit-only.toml");
    std::fs::write(&cfg, "[aws]\nregions = [\"eu-west-1\"]\n").expect("config");
    let r = run(auditor().args(["daemon", "--config"]).arg(&cfg));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "auditor: error: the configuration has no [daemon] section (see config/auditor.example.toml)"
    );
}
