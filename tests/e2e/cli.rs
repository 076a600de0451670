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
fn checks_standard_fsbp_maps_every_control() {
    let r = run(auditor().args(["checks", "--standard", "fsbp"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = |id: &str| {
        r.stdout
            .lines()
            .find(|l| l.split(['|', '│']).nth(1).is_some_and(|c| c.trim() == id))
            .unwrap_or_else(|| panic!("{id} not listed:\n{}", r.stdout))
            .to_owned()
    };
    assert!(line("EC2.19").contains("EC2-002"), "{}", line("EC2.19"));
    assert!(line("EKS.8").contains("EKS-003"));
    assert!(line("S3.25").contains("directory buckets"));
    let json = run(auditor().args(["checks", "--standard", "fsbp", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let controls = v.as_array().expect("a list of controls");
    assert!(controls.len() >= 60, "{}", controls.len());
    for c in controls {
        let covered = c["covered_by"].as_array().is_some_and(|a| !a.is_empty());
        assert!(covered != c["out_of_scope"].is_string(), "{c}");
    }
    let bad = run(auditor().args(["checks", "--standard", "cis"]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("invalid value 'cis'"), "{}", bad.stderr);
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

#[test]
fn policy_simulate_answers_each_case_and_names_the_bad_field() {
    let dir = tempfile::tempdir().unwrap();
    let good = r#"{"id":"tls","principal":"arn:aws:iam::111122223333:role/deployer","action":"s3:GetObject","resource":"arn:aws:s3:::tf-state/a.tfstate","resourceAccount":"111122223333","context":{"aws:SecureTransport":"false"},"identity":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}],"boundary":null,"resourcePolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::tf-state/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}}"#;
    let bad_operator = r#"{"id":"typo","principal":"arn:aws:iam::111122223333:role/deployer","action":"s3:GetObject","resource":"arn:aws:s3:::tf-state/a.tfstate","identity":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}]}]}"#;
    let unknown_field = r#"{"id":"field","principal":"arn:aws:iam::111122223333:role/deployer","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","identity":[],"resourcePolicyy":null}"#;
    let bad_action = r#"{"id":"action","principal":"arn:aws:iam::111122223333:role/deployer","action":"GetObject","resource":"arn:aws:s3:::b/k"}"#;
    let file = dir.path().join("cases.jsonl");
    std::fs::write(
        &file,
        [good, bad_operator, unknown_field, bad_action].join("\n"),
    )
    .unwrap();
    let r = run(auditor().args(["policy", "simulate"]).arg(&file));
    assert_eq!(
        r.code, 1,
        "a case that cannot be decided exits 1: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let answers: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        answers.len(),
        4,
        "every case is answered, in order: {}",
        r.stdout
    );
    assert_eq!(answers[0]["decision"], "ExplicitlyDenied");
    assert_eq!(answers[0]["decidedBy"][0]["policy"], "resourcePolicy");
    assert_eq!(answers[0]["decidedBy"][0]["effect"], "Deny");
    let error = |i: usize| answers[i]["error"].as_str().unwrap_or_default().to_owned();
    assert_eq!(answers[1]["id"], "typo");
    assert!(
        error(1).contains("identity[0]")
            && error(1).contains("Statement[0].Condition.StringEqualz"),
        "{}",
        error(1)
    );
    assert!(error(2).contains("resourcePolicyy"), "{}", error(2));
    assert!(error(3).starts_with("action:"), "{}", error(3));
    for i in 1..4 {
        assert_eq!(error(i).lines().count(), 1, "one line: {}", error(i));
    }

    // Standard input, a JSON array.
    let mut child = auditor()
        .args(["policy", "simulate", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("[{good}]").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"ExplicitlyDenied\""));

    // Input that is not cases at all: one line naming the file, exit 2.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "[{").unwrap();
    run(auditor().args(["policy", "simulate"]).arg(&junk))
        .assert_one_line_error(2, "junk.json: not a JSON array of cases");
    run(auditor().args(["policy", "simulate", "/nonexistent/cases.json"]))
        .assert_one_line_error(2, "/nonexistent/cases.json: cannot read");
}

#[test]
fn a_weak_token_from_the_environment_is_refused_at_start_and_not_printed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("daemon.toml");
    std::fs::write(
        &cfg,
        "[daemon]\naccounts = [\"123456789012\"]\ninterval = \"1h\"\nlisten = \"0.0.0.0:9477\"\n",
    )
    .expect("config");
    for (token, why) in [
        ("   ", "whitespace"),
        ("k", "too weak"),
        ("hunter2hunter2", "too weak"),
    ] {
        let r = run(auditor()
            .args(["daemon", "--config"])
            .arg(&cfg)
            .env("AUDITOR_DAEMON_TOKEN", token));
        assert_eq!(r.code, 2, "{token:?}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("daemon.token_env (AUDITOR_DAEMON_TOKEN): ")
                && r.stderr.contains(why),
            "{token:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("hunter2"), "{}", r.stderr);
    }
}

#[test]
fn a_reader_that_goes_away_is_a_quiet_successful_exit() {
    for args in [
        &["checks", "--format", "markdown"][..],
        &["checks", "--format", "json"][..],
        &["explain", "EC2-002"][..],
    ] {
        let mut child = auditor()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // The reader closes before anything is written: every write meets a closed pipe.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn an_output_that_cannot_be_written_is_refused_before_the_audit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "x").expect("file");
    let cases: [(&str, i32, &str); 4] = [
        (
            // Its directory would have to be made inside a file.
            &format!("{}/reports/r.json", blocker.display()),
            4,
            "--output",
        ),
        (dir.path().to_str().expect("utf8"), 4, "is a directory"),
        ("s3://my-bucket/", 2, "the key names a folder"),
        (
            "s3://No_Such..Bucket/r.json",
            2,
            "--output s3://No_Such..Bucket/r.json",
        ),
    ];
    for (output, code, wanted) in cases {
        // An endpoint nothing listens on: reaching AWS would be exit 3, not this.
        let r = run(auditor().args([
            "audit",
            "--account",
            "123456789012",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--output",
            output,
        ]));
        r.assert_one_line_error(code, wanted);
    }
    let r = run(auditor().args([
        "audit",
        "--account",
        "123456789012",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--save-inventory",
        "s3://my-bucket/inventory.json",
    ]));
    r.assert_one_line_error(2, "takes a local file");
}

#[test]
fn bad_counts_org_flags_without_org_and_toml_errors_are_one_clear_problem_each() {
    // Zero counts are refused, each naming its flag, all at once.
    let r = run(auditor().args([
        "audit",
        "--account",
        "123456789012",
        "--concurrency",
        "0",
        "--max-attempts",
        "0",
    ]));
    r.assert_one_line_error(2, "--max-attempts: 0 is out of range (1 to 20)");
    assert!(
        r.stderr
            .contains("--concurrency: 0 is out of range (1 to 256)"),
        "{}",
        r.stderr
    );
    // Organisation flags without --org say what they need, with or without --account.
    for args in [
        &["audit", "--ou", "ou-ab12-cdef3456"][..],
        &[
            "audit",
            "--account",
            "123456789012",
            "--exclude-account",
            "111122223333",
        ][..],
    ] {
        let r = run(auditor().args(args));
        r.assert_one_line_error(2, "use it with --org");
        assert!(!r.stderr.contains("Usage:"), "{}", r.stderr);
    }
    // A TOML error names the file, the line and the key.
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("dup.toml");
    std::fs::write(&cfg, "[aws]\nrole_name = \"a\"\nrole_name = \"b\"\n").expect("config");
    let r = run(auditor()
        .args(["audit", "--account", "123456789012", "--config"])
        .arg(&cfg));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{}:3: aws.role_name: not valid TOML: duplicate key",
            cfg.display()
        )),
        "{}",
        r.stderr
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definitions() {
    let r = run(auditor().args(["completions", "bash"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let script = tempfile::NamedTempFile::new().expect("tmp");
    std::fs::write(script.path(), &r.stdout).expect("write");
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(script.path())
        .output()
        .expect("bash");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    for sub in ["audit", "daemon", "diff", "explain"] {
        assert!(r.stdout.contains(sub), "no {sub} in the completions");
    }
    let man = run(auditor().arg("manpage"));
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(
        man.stdout.contains(".TH auditor 1"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(man.stdout.contains("completions"), "subcommands are listed");
    let bad = run(auditor().args(["completions", "tcsh"]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn quiet_leaves_only_warnings_and_errors_on_standard_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = crate::tiny_inventory(dir.path());
    let out = dir.path().join("r.json");
    let audit = |quiet: bool| {
        let mut c = auditor();
        c.args(["audit", "--from-inventory"])
            .arg(&inv)
            .arg("--output")
            .arg(&out);
        if quiet {
            c.arg("--quiet");
        }
        run(&mut c)
    };
    let loud = audit(false);
    assert!(
        loud.stderr.contains("JSON report written to"),
        "{}",
        loud.stderr
    );
    let quiet = audit(true);
    assert_eq!(quiet.code, loud.code);
    assert!(quiet.stderr.is_empty(), "{}", quiet.stderr);
    assert!(out.exists());
}

#[test]
fn a_report_piped_into_a_reader_that_stops_early_is_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inv = crate::tiny_inventory(dir.path());
    let db = dir.path().join("auditor.db");
    let stored = run(auditor()
        .args(["audit", "--fail-on", "none", "--from-inventory"])
        .arg(&inv)
        .arg("--store")
        .arg(&db));
    assert_eq!(stored.code, 0, "{}", stored.stderr);
    let db = db.to_str().expect("utf8").to_owned();
    let inv = inv.to_str().expect("utf8").to_owned();
    for args in [
        vec![
            "audit",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--from-inventory",
            &inv,
        ],
        vec!["report", "--run", "1", "--format", "json", "--store", &db],
        vec!["runs", "--store", &db],
    ] {
        let mut child = auditor()
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn several_outputs_in_their_formats_from_one_run_and_from_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    // An IAM part with nothing read: every IAM check gives a "not assessed" finding.
    let inv = crate::tiny_inventory(dir.path());
    let db = dir.path().join("auditor.db");
    let csv_path = dir.path().join("out/findings.csv");
    let json_path = dir.path().join("out/report");
    let r = run(auditor()
        .args([
            "audit",
            "--fail-on",
            "none",
            "--format",
            "csv",
            "--from-inventory",
        ])
        .arg(&inv)
        .arg("--store")
        .arg(&db)
        .arg("--output")
        .arg(&csv_path)
        .arg("--output")
        .arg(format!("json={}", json_path.display())));
    assert_eq!(r.code, 0, "{}", r.stderr);
    crate::formats::validate("crates/auditor-report/report-v1.schema.json", &json_path);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json file"))
            .expect("json");
    let findings = json["findings"].as_array().expect("findings").len();
    let file = std::fs::read_to_string(&csv_path).expect("csv file");
    assert_eq!(file, r.stdout, "the file holds what stdout printed");
    let rows = csv::Reader::from_reader(file.as_bytes()).records().count();
    assert_eq!(rows, findings, "one row per finding");
    assert!(
        r.stderr.contains("CSV report written to") && r.stderr.contains("JSON report written to"),
        "{}",
        r.stderr
    );

    // The stored run gives the same, in either format.
    let again = dir.path().join("again.csv");
    let from_store = run(auditor()
        .args(["report", "--run", "1", "--store"])
        .arg(&db)
        .arg("--output")
        .arg(&again));
    assert_eq!(from_store.code, 0, "{}", from_store.stderr);
    assert_eq!(std::fs::read_to_string(&again).expect("csv"), file);

    // The review report from the saved inventory (`.html`), and the findings formats where
    // they mean nothing are refused in one line.
    let html = dir.path().join("r.html");
    let r = run(auditor()
        .args(["audit", "--fail-on", "none", "--from-inventory"])
        .arg(&inv)
        .arg("--output")
        .arg(&html));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.starts_with("<!DOCTYPE html>") && page.ends_with("</html>\n"));
    assert!(
        !page.contains("id=\"changes\""),
        "no store: nothing to compare with"
    );
    for format in ["csv", "html"] {
        run(auditor()
            .args(["runs", "--format", format, "--store"])
            .arg(&db))
        .assert_one_line_error(
            2,
            "--format csv, sarif, asff, ocsf and html are for findings",
        );
    }
}

#[test]
fn the_report_schema_is_printed_as_checked_in() {
    let r = run(auditor().args(["schema", "report"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file =
        std::fs::read_to_string(repo_root().join("crates/auditor-report/report-v1.schema.json"))
            .expect("schema file");
    assert_eq!(r.stdout, file);
}
