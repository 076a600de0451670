//! The configuration's validation: every problem at once, each with its key and line.

use super::*;

#[test]
fn the_example_config_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/auditor.example.toml");
    let c = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.role_name, "AuditorReadOnly");
    assert_eq!(c.services, Some(Service::IMPLEMENTED.to_vec()));
    // Every documented S3 default is the program's default.
    let d = auditor_engine::S3Options::default();
    assert_eq!(
        (c.s3.discover, c.s3.discovery_max_keys, c.s3.state_max_keys),
        (d.discover, d.discovery_max_keys, d.state_max_keys)
    );
    assert_eq!(
        (
            c.s3.scan_secrets,
            c.s3.scan_max_objects,
            c.s3.scan_max_object_bytes
        ),
        (d.scan_secrets, d.scan_max_objects, d.scan_max_object_bytes)
    );
    assert_eq!(c.settings.s3, auditor_checks::StateSettings::default());
    // Every documented rate limit is the program's default, and so is [org].
    assert_eq!(c.rate_limits, auditor_aws::counting::RateLimits::default());
    assert_eq!(c.org.filter, collect_org::OrgFilter::default());
    assert_eq!(c.org.concurrency, Config::default().org.concurrency);
    let d = c.daemon.expect("the example has a [daemon] section");
    assert_eq!(d.accounts, Accounts::List(vec!["123456789012".into()]));
    assert!(matches!(d.schedule, Schedule::Every(i) if i.as_secs() == 6 * 3600));
    assert_eq!(d.listen.to_string(), "127.0.0.1:9477");
    assert_eq!(d.grace_period.as_secs(), 300);
    assert!(d.upload_to.is_none(), "uploading is off by default");
    assert_eq!(c.settings.break_glass_roles, ["BreakGlassAdmin"]);
    assert_eq!(c.settings.allowed_upstream_registries, ["public.ecr.aws"]);
    assert_eq!(
        c.settings.eks_node_role_policies,
        auditor_checks::DEFAULT_NODE_ROLE_POLICIES
    );
    assert_eq!(
        c.settings.eks_required_log_types,
        auditor_checks::DEFAULT_REQUIRED_LOG_TYPES
    );
}

#[test]
fn every_problem_is_reported_at_once_with_its_key() {
    let text = r#"
        colour = "blue"
        [aws]
        role_name = "arn:aws:iam::1:role/x"
        regions = ["eu-west-1", "Europe", 3]
        max_attempts = 0
        [audit]
        services = ["ec2", "lambda"]
        fail_on = "severe"
        [checks]
        disabled = ["EC2-999"]
        severity = { "EC2-001" = "huge", "XYZ-1" = "low" }
        [checks.ec2]
        admin_ports = [22, 70000]
        isolated_subnet_tags = ["=x"]
        [checks.iam]
        break_glass_roles = ["arn:aws:iam::1:role/x"]
        [checks.ecr]
        trusted_accounts = ["12345"]
        allowed_upstream_registries = ["https://quay.io/"]
        [checks.eks]
        cluster_admins = ["platform-admin"]
        node_role_policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]
        required_log_types = ["api", "Scheduler"]
    "#;
    let err = parse(Path::new("cfg.toml"), text).unwrap_err();
    let msg = err.to_string();
    for want in [
        ": colour: unknown key",
        ": aws.role_name: 'arn:aws:iam::1:role/x' is a role name",
        ": aws.regions[1]: 'Europe' is not a region name",
        ": aws.regions[2]: expected a string, found integer",
        ": aws.max_attempts: 0 is out of range",
        ": audit.services[1]: unknown service 'lambda'",
        ": audit.fail_on: unknown severity 'severe'",
        ": checks.disabled[0]: no check has code 'EC2-999'",
        ": checks.severity.EC2-001: unknown severity 'huge'",
        ": checks.severity.XYZ-1: no check has code 'XYZ-1'",
        ": checks.ec2.admin_ports[1]: 70000 is not a port number",
        ": checks.ec2.isolated_subnet_tags[0]: '=x' has an empty tag key",
        ": checks.iam.break_glass_roles[0]: 'arn:aws:iam::1:role/x' is not a role name",
        ": checks.ecr.trusted_accounts[0]: '12345' is not an AWS account id",
        ": checks.ecr.allowed_upstream_registries[0]: 'https://quay.io/' is not a registry host name",
        ": checks.eks.cluster_admins[0]: 'platform-admin' is not an IAM principal ARN",
        ": checks.eks.node_role_policies[0]: 'arn:aws:iam::aws:policy/AdministratorAccess' is not an AWS managed policy name",
        ": checks.eks.required_log_types[1]: 'Scheduler' is not an EKS control-plane log type (api, audit, authenticator, controllerManager, scheduler)",
    ] {
        assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
    }
    assert_eq!(err.problems.len(), 18, "{msg}");
}

#[test]
fn org_rate_limits_and_org_accounts_parse_and_their_problems_are_named() {
    let text = r#"
        [aws.rate_limits]
        iam = 2.5
        ec2 = { per_second = 50, burst = 200 }
        s3 = 0
        "ecr:DescribeImages" = 40
        [org]
        ous = ["ou-ab12-cdef3456", "r-ab12"]
        tags = { env = "prod" }
        exclude = ["111122223333"]
        concurrency = 2
        [daemon]
        accounts = "org"
        interval = "1h"
    "#;
    let c = parse(Path::new("cfg.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    let l = &c.rate_limits;
    assert_eq!(l.of("iam").per_second, 2.5);
    assert_eq!(l.of("iam").burst, 3);
    assert_eq!((l.of("ec2").per_second, l.of("ec2").burst), (50.0, 200));
    assert_eq!(l.of("s3").per_second, 0.0, "0 turns the limit off");
    // One API's own limit, its own bucket.
    let (bucket, own) = l.bucket("ecr", Some("DescribeImages"));
    assert_eq!(
        (bucket.as_str(), own.per_second),
        ("ecr:DescribeImages", 40.0)
    );
    assert_eq!(l.bucket("ecr", Some("ListImages")).1, l.of("ecr"));
    assert_eq!(
        l.of("organizations"),
        auditor_aws::counting::RateLimits::default().of("organizations"),
        "unset families keep their defaults"
    );
    assert_eq!(c.org.filter.ous, ["ou-ab12-cdef3456", "r-ab12"]);
    assert_eq!(c.org.filter.tags["env"], "prod");
    assert_eq!(c.org.filter.exclude, ["111122223333"]);
    assert_eq!(c.org.concurrency, 2);
    assert_eq!(c.daemon.unwrap().accounts, Accounts::Org);

    let text = r#"
        [aws.rate_limits]
        iam = -1
        lambda = 5
        ec2 = { per_second = 5, burst = 0 }
        [org]
        ous = ["engineering"]
        tags = { env = 3 }
        exclude = ["42"]
        [daemon]
        accounts = "all"
        interval = "1h"
    "#;
    let err = parse(Path::new("cfg.toml"), text).unwrap_err();
    let msg = err.to_string();
    for want in [
        ": aws.rate_limits.iam: expected requests per second",
        ": aws.rate_limits.lambda: unknown key",
        ": aws.rate_limits.ec2: burst: expected an integer from 1 to 10000",
        ": org.ous[0]: 'engineering' is not an organizational unit id",
        ": org.tags.env: expected a string",
        ": org.exclude[0]: '42'",
        ": daemon.accounts: 'all': expected a list of account ids, or \"org\"",
    ] {
        assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
    }
    assert_eq!(err.problems.len(), 7, "{msg}");
}

#[test]
fn suppressions_need_every_field_and_valid_values() {
    let err = parse(
        Path::new("cfg.toml"),
        r#"
        [[suppressions]]
        code = "EC2-999"
        resource = "sg-123"
        reason = "legacy"
        expires = "next week"
        ticket = "SEC-1"

        [[suppressions]]
        code = "EC2-002"
        resource = "arn:aws:ec2:*"
        reason = "lab"
        owner = "me"
        expires = "2099-01-01"
        "#,
    )
    .unwrap_err();
    let msg = err.to_string();
    for want in [
        ": suppressions[0].ticket: unknown key",
        ": suppressions[0].owner: missing",
        ": suppressions[0].code: no check has code 'EC2-999'",
        ": suppressions[0].resource: 'sg-123' is not an ARN pattern",
        ": suppressions[0].expires: 'next week' is not a date (YYYY-MM-DD)",
    ] {
        assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
    }
    assert_eq!(err.problems.len(), 5, "{msg}");
}

#[test]
fn s3_options_and_teams_are_read_and_checked() {
    let ok = parse(
        Path::new("cfg.toml"),
        r#"
        [s3]
        state_buckets = ["mercury-terraform-us-east-2"]
        discovery_max_keys = 50
        scan_state_secrets = true
        [checks.s3]
        team_layout = "teams/{team}/"
        state_admins = ["arn:aws:iam::*:role/atlantis"]
        [checks.s3.teams.crm]
        prefixes = ["services/crm/"]
        principals = ["arn:aws:iam::*:role/crm-*"]
        "#,
    )
    .unwrap();
    assert_eq!(ok.s3.state_buckets, ["mercury-terraform-us-east-2"]);
    assert_eq!(ok.s3.discovery_max_keys, 50);
    assert!(ok.s3.scan_secrets);
    assert_eq!(ok.settings.opt_in, ["S3-009"]);
    assert_eq!(ok.settings.s3.team_layout, "teams/{team}/");
    assert_eq!(ok.settings.s3.teams.len(), 1);
    assert_eq!(ok.settings.s3.teams[0].name, "crm");
    assert_eq!(
        ok.settings.s3.teams[0].principals,
        ["arn:aws:iam::*:role/crm-*"]
    );

    let err = parse(
        Path::new("cfg.toml"),
        r#"
        [s3]
        state_buckets = ["s3://my-state"]
        discover = "yes"
        scan_max_objects = 0
        [checks.s3]
        team_layout = "services/"
        state_admins = ["atlantis"]
        [checks.s3.teams.crm]
        principals = ["crm-deployer"]
        owner = "x"
        "#,
    )
    .unwrap_err();
    let msg = err.to_string();
    for want in [
        ": s3.state_buckets[0]: 's3://my-state' is not an S3 bucket name",
        ": s3.discover: expected true or false, found string",
        ": s3.scan_max_objects: 0 is out of range",
        ": checks.s3.team_layout: 'services/' must hold `{team}` exactly once",
        ": checks.s3.state_admins[0]: 'atlantis' is not an IAM principal ARN",
        ": checks.s3.teams.crm.owner: unknown key",
        ": checks.s3.teams.crm.prefixes: missing",
        ": checks.s3.teams.crm.principals[0]: 'crm-deployer' is not an IAM principal ARN",
    ] {
        assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
    }
    assert_eq!(err.problems.len(), 8, "{msg}");
}

#[test]
fn malformed_toml_names_the_file_and_place() {
    let err = parse(Path::new("bad.toml"), "[aws\nrole_name = 1").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("bad.toml has 1 problem(s):"), "{msg}");
    assert!(msg.contains("not valid TOML"), "{msg}");
}

#[test]
fn fail_on_accepts_none() {
    assert_eq!(parse_fail_on("none"), Ok(None));
    assert_eq!(parse_fail_on("medium"), Ok(Some(Severity::Medium)));
    assert!(parse_fail_on("x").is_err());
}

#[test]
fn problems_name_their_line_and_flags_name_themselves() {
    let text = "[aws]\nprofile = \"x\"\nregions = [\n  \"eu-west-1\",\n  \"Europe\",\n]\n[audit]\nfail_on = \"severe\"\n";
    let err = parse(Path::new("cfg.toml"), text).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("cfg.toml:5: aws.regions[1]: 'Europe' is not a region name"),
        "{msg}"
    );
    assert!(
        msg.contains("cfg.toml:8: audit.fail_on: unknown severity 'severe'"),
        "{msg}"
    );
    // A flag overrides the file's value, and its problem names the flag.
    let flags = Flags {
        regions: Some(vec!["Mars".into()]),
        fail_on: Some("none".into()),
        ..Flags::default()
    };
    let err = parse_with(Path::new("cfg.toml"), text, &flags).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("--regions: 'Mars' is not a region name"),
        "{msg}"
    );
    assert!(!msg.contains("Europe") && !msg.contains("severe"), "{msg}");
    // Flags alone: one line.
    let err = parse_with(Path::new(""), "", &flags).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--regions: 'Mars' is not a region name (expected something like eu-west-1)"
    );
}

#[test]
fn a_weak_daemon_token_is_refused_without_being_printed() {
    for (token, why) in [
        ("x", "1 characters"),
        ("   ", "must not be empty"),
        (" 0f8a2c9e4b7d1a6f3e5c8b2d9a4f7e1c ", "whitespace"),
        ("abababababababababababababababababab", "too weak"),
        ("correct-horse-battery", "21 characters"),
        ("0123456789abcdef0123456789abcdef", "too predictable"),
        ("abcdefghabcdefghabcdefghabcdefgh", "too"),
        ("0123456789abcdefghijklmnopqrstuvwxyz", "too predictable"),
    ] {
        let text = format!(
            "[daemon]\naccounts = [\"123456789012\"]\ninterval = \"1h\"\ntoken = \"{token}\"\n"
        );
        let err = parse(Path::new("cfg.toml"), &text).unwrap_err().to_string();
        assert!(err.contains(": daemon.token: "), "{err}");
        assert!(err.contains(why), "{token:?}: {err}");
        if !token.trim().is_empty() {
            assert!(err.contains("openssl rand -hex 32"), "{err}");
        }
        if token.trim().len() > 3 {
            assert!(!err.contains(token.trim()), "the token is printed: {err}");
        }
    }
    let strong = "[daemon]\naccounts = [\"123456789012\"]\ninterval = \"1h\"\ntoken = \"6f1c0e9a4b2d7f3e8a5c1b9d0e4f7a2c\"\n";
    let c = parse(Path::new("cfg.toml"), strong).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.daemon.unwrap().token.is_some());
}

#[test]
fn accounts_notify_and_sessions_are_read_and_every_problem_named() {
    let text = r#"
        [aws]
        external_id = "default-id"
        session_duration = "30m"
        [[accounts]]
        id = "210987654321"
        external_id = "partner-audit-4c2e"
        [[notify]]
        name = "security"
        url = "https://hooks.example.com/auditor"
        min_severity = "critical"
        on_failed_run = false
        [[notify]]
        format = "slack"
        url = "https://hooks.slack.com/services/T/B/secret"
    "#;
    let c = parse(Path::new("cfg.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.external_id.as_deref(), Some("default-id"));
    assert_eq!(c.session_duration.as_secs(), 1800);
    assert_eq!(
        c.accounts["210987654321"].external_id.as_deref(),
        Some("partner-audit-4c2e")
    );
    assert_eq!(c.notify.len(), 2);
    assert_eq!(
        (
            c.notify[0].name.as_str(),
            c.notify[0].min_severity,
            c.notify[0].on_failed_run
        ),
        ("security", Severity::Critical, false)
    );
    assert_eq!(
        (
            c.notify[1].name.as_str(),
            c.notify[1].format,
            c.notify[1].min_severity
        ),
        ("notify[1]", NotifyFormat::Slack, Severity::High)
    );
    // The Debug form of a destination never shows its URL (a Slack URL is its secret).
    assert!(!format!("{:?}", c.notify[1]).contains("secret"));

    let text = r#"
        [aws]
        external_id = "x"
        session_duration = "13h"
        [[accounts]]
        id = "42"
        [[accounts]]
        external_id = "abc"
        [[notify]]
        url = "ftp://example.com/secret-path"
        format = "teams"
        min_severity = "severe"
    "#;
    let err = parse(Path::new("cfg.toml"), text).unwrap_err();
    let msg = err.to_string();
    for want in [
        ": aws.external_id: is not an ExternalId",
        ": aws.session_duration: '13h' is outside 1s to 12h",
        ": accounts[0].id: '42'",
        ": accounts[1]: missing: id",
        ": notify[0].url: is not an http(s) URL",
        ": notify[0].format: 'teams': expected json or slack",
        ": notify[0].min_severity: unknown severity 'severe'",
    ] {
        assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
    }
    assert!(
        !msg.contains("secret-path"),
        "the URL is not repeated: {msg}"
    );
}

#[test]
fn required_log_types_must_include_audit_and_are_kept_once_each() {
    let err = parse(
        Path::new("cfg.toml"),
        "[checks.eks]\nrequired_log_types = []\n",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains(": checks.eks.required_log_types: must include 'audit'"),
        "{err}"
    );
    let ok = parse(
        Path::new("cfg.toml"),
        "[checks.eks]\nrequired_log_types = [\"audit\", \"scheduler\", \"audit\"]\n",
    )
    .unwrap();
    assert_eq!(ok.settings.eks_required_log_types, ["audit", "scheduler"]);
}
