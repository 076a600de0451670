//! The binary against the moto emulator: the demo account's planted findings, the JSON
//! report, exit codes, offline re-audit, read-only behaviour, and AWS-side bad input.

use crate::{auditor, repo_root, run, venv_python, Run};
use auditor_testkit::{unique_account, Emulator};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Seeds the demo account's resources into `account`; returns the planted expectations.
pub(crate) fn seed_demo(emu: &Emulator, account: &str, dir: &Path) -> Vec<Value> {
    let expect = dir.join("expect.json");
    let out = Command::new(venv_python())
        .arg(repo_root().join("localstack/seed_demo.py"))
        .args([
            "--endpoint",
            emu.endpoint(),
            "--account",
            account,
            "--expect",
        ])
        .arg(&expect)
        .output()
        .expect("run seed_demo.py");
    assert!(
        out.status.success(),
        "seed failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&expect).expect("expectations"))
        .expect("json");
    v["expect"].as_array().cloned().expect("expect list")
}

/// The demo's configuration (localstack/demo.toml) with `extra` TOML after it, in `dir`.
pub(crate) fn demo_config_with(dir: &Path, extra: &str) -> std::path::PathBuf {
    let cfg = dir.join("auditor.toml");
    let demo =
        std::fs::read_to_string(repo_root().join("localstack/demo.toml")).expect("demo.toml");
    std::fs::write(&cfg, format!("{demo}\n{extra}")).expect("config");
    cfg
}

/// The suppression the report-format tests accept: the demo's legacy bucket's grant.
pub(crate) fn accepted_legacy_grant(account: &str) -> String {
    format!(
        "[[suppressions]]\ncode = \"S3-005\"\nresource = \"arn:aws:s3:::legacy-tfstate-{account}\"\nreason = \"migration in progress\"\nowner = \"platform@example.com\"\nexpires = \"2099-12-31\"\n"
    )
}

/// `auditor audit` of the seeded demo `account` in the demo's two regions through the
/// emulator with `config`, never gating on findings; more arguments may follow.
pub(crate) fn demo_audit(emu: &Emulator, account: &str, config: &Path) -> Command {
    let mut cmd = audit_cmd(emu, account, "us-east-1,eu-west-1", config);
    cmd.args(["--fail-on", "none", "--max-attempts", "2"]);
    cmd
}

/// `auditor audit` of `account` in `regions` through the emulator with `config`.
fn audit_cmd(emu: &Emulator, account: &str, regions: &str, config: &Path) -> Command {
    let mut cmd = auditor();
    cmd.envs(emu.cli_env())
        .args([
            "audit",
            "--account",
            account,
            "--endpoint-url",
            emu.endpoint(),
            "--regions",
            regions,
            "--config",
        ])
        .arg(config);
    cmd
}

/// Audits `account` in `regions` through the emulator.
fn audit_in(emu: &Emulator, account: &str, regions: &str, extra: &[&str]) -> Run {
    // The demo's config: state admins, and the opt-in scan of state files.
    let demo = repo_root().join("localstack/demo.toml");
    run(audit_cmd(emu, account, regions, &demo).args(extra))
}

/// Audits `account` in the demo's two regions.
fn audit(emu: &Emulator, account: &str, extra: &[&str]) -> Run {
    audit_in(emu, account, "us-east-1,eu-west-1", extra)
}

/// moto answers the APIs it lacks with HTTP 500, which the SDK retries: two attempts keep
/// the tests quick (real audits use the default of 5).
const ATTEMPTS: [&str; 2] = ["--max-attempts", "2"];

/// The only coverage gaps an audit of the demo account may have on moto: the APIs it does
/// not implement (ECR pull-through cache rules and EKS versions in both regions; EKS
/// add-ons, access entries and pod identity where clusters exist), each naming the checks
/// it leaves not assessed; and the state files of the TLS-only bucket, whose Deny moto
/// applies without its condition.
fn assert_only_emulator_gaps(report: &Value) {
    let gaps = report["coverage_gaps"].as_array().expect("gaps");
    let got: Vec<(String, String, Value)> = gaps
        .iter()
        .map(|g| {
            let kind = if g["api"] == "s3:GetObject" {
                "access_denied"
            } else {
                "not_offered"
            };
            assert_eq!(g["kind"], kind, "{g}");
            (
                g["api"].as_str().unwrap_or_default().to_owned(),
                g["region"].as_str().unwrap_or_default().to_owned(),
                g["checks"].clone(),
            )
        })
        .collect();
    let want: Vec<(String, String, Value)> = [
        (
            "ecr:DescribePullThroughCacheRules",
            "eu-west-1",
            vec!["ECR-007"],
        ),
        (
            "ecr:DescribePullThroughCacheRules",
            "us-east-1",
            vec!["ECR-007"],
        ),
        ("eks:DescribeClusterVersions", "eu-west-1", vec!["EKS-004"]),
        ("eks:DescribeClusterVersions", "us-east-1", vec!["EKS-004"]),
        ("eks:ListAccessEntries", "us-east-1", vec!["EKS-014"]),
        (
            "eks:ListAddons",
            "us-east-1",
            vec!["EKS-006", "EKS-007", "EKS-016"],
        ),
        (
            "eks:ListPodIdentityAssociations",
            "us-east-1",
            vec!["EKS-007"],
        ),
        ("s3:GetObject", "us-east-1", vec!["S3-009"]),
    ]
    .into_iter()
    .map(|(a, r, c)| (a.to_owned(), r.to_owned(), serde_json::json!(c)))
    .collect();
    assert_eq!(got, want, "{gaps:#?}");
}

/// The status of the finding of `code` on resource `id`; panics when there is none.
fn status_of(findings: &[Value], code: &str, id: &str) -> Value {
    findings
        .iter()
        .find(|f| f["code"] == code && f["resource"]["id"] == id)
        .map(|f| f["status"].clone())
        .unwrap_or_else(|| panic!("no {code} finding for {id}"))
}

fn key(f: &Value) -> (String, String, String) {
    (
        f["code"].as_str().unwrap_or_default().to_owned(),
        f["resource"]["region"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        f["resource"]["id"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn demo_account_fails_every_planted_misconfiguration_and_passes_every_look_alike() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    let expect = seed_demo(&emu, &account, dir.path());
    assert!(expect.len() >= 20, "the seed plants at least 20 cases");

    let report_path = dir.path().join("out/report.json");
    let inv_path = dir.path().join("inventory.json");
    let r = audit(
        &emu,
        &account,
        &[
            ATTEMPTS[0],
            ATTEMPTS[1],
            "--format",
            "json",
            "--output",
            report_path.to_str().expect("utf8"),
            "--save-inventory",
            inv_path.to_str().expect("utf8"),
        ],
    );
    // High-severity findings fail, and --fail-on defaults to high.
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).expect("stdout is the JSON report");
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report file"))
            .expect("json");
    assert_eq!(report, file, "--output holds the same report as stdout");

    // Every planted case has exactly the expected status.
    let got: BTreeMap<_, _> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (key(f), f))
        .collect();
    for e in &expect {
        let k = (
            e["code"].as_str().unwrap_or_default().to_owned(),
            e["region"].as_str().unwrap_or_default().to_owned(),
            e["resource_id"].as_str().unwrap_or_default().to_owned(),
        );
        let f = got
            .get(&k)
            .unwrap_or_else(|| panic!("no finding for planted {k:?} ({})", e["why"]));
        assert_eq!(f["status"], e["status"], "{k:?}: {}", e["why"]);
        if f["status"] == "fail" {
            assert!(
                !f["evidence"].as_array().expect("evidence").is_empty(),
                "{k:?} fails without evidence"
            );
            assert!(!f["remediation"].as_str().unwrap_or_default().is_empty());
        }
    }

    // EKS evidence names the API field that fails, as `aws eks describe-cluster` shows it.
    let evidence = |code: &str, id: &str| -> Vec<(String, String)> {
        got[&(code.to_owned(), "us-east-1".to_owned(), id.to_owned())]["evidence"]
            .as_array()
            .expect("evidence")
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap_or_default().to_owned(),
                    e["observed"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    for (code, id, field, observed) in [
        (
            "EKS-002",
            "legacy-tools",
            "resourcesVpcConfig.publicAccessCidrs",
            "0.0.0.0/0",
        ),
        ("EKS-001", "legacy-tools", "encryptionConfig", "[]"),
        (
            "EKS-003",
            "legacy-tools",
            "logging.clusterLogging",
            "enabled: api",
        ),
        ("EKS-004", "legacy-tools", "version", "1.29"),
        (
            "EKS-008",
            "legacy-tools/ssh-public",
            "remoteAccess.ec2SshKey",
            "legacy-ops",
        ),
    ] {
        assert!(
            evidence(code, id).contains(&(field.to_owned(), observed.to_owned())),
            "{code} {id}: no evidence {field}: {observed} in {:?}",
            evidence(code, id)
        );
    }
    assert!(
        evidence("EKS-010", "legacy-tools/imdsv1")
            .iter()
            .any(|(f, o)| f.ends_with("MetadataOptions.HttpTokens") && o == "optional"),
        "{:?}",
        evidence("EKS-010", "legacy-tools/imdsv1")
    );

    // S3-008: the deployer with bucket/* reaches crm's state, named with the key and the
    // statement; the bucket policy's Deny keeps it out of payments' state.
    let bucket = format!("mercury-terraform-{account}");
    let fraud = &got[&(
        "S3-008".to_owned(),
        String::new(),
        "fraud-deployer".to_owned(),
    )];
    let ev = &fraud["evidence"].as_array().expect("evidence")[0];
    assert_eq!(
        ev["field"],
        format!("arn:aws:s3:::{bucket}/services/crm/prod/us-east-2/ecs/tf.tfstate"),
        "the first of crm's keys in S3's order"
    );
    assert_eq!(
        ev["observed"],
        "read+write of the state of team crm (services/crm/)"
    );
    assert!(
        ev["reason"].as_str().unwrap_or_default().contains(
            "role/fraud-deployer inline policy terraform-state Statement[Sid=WholeStateBucket]"
        ),
        "{ev}"
    );
    let matrix = report["state_access"]
        .as_array()
        .expect("state_access")
        .iter()
        .find(|m| m["bucket"] == bucket.as_str())
        .expect("a matrix for the state bucket");
    let row = |name: &str| {
        matrix["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| {
                r["principal"]
                    .as_str()
                    .unwrap_or_default()
                    .ends_with(&format!("role/{name}"))
            })
            .unwrap_or_else(|| panic!("no row for {name}: {matrix}"))
            .clone()
    };
    assert_eq!(
        row("fraud-deployer")["access"],
        serde_json::json!({
            "crm": {"read": true, "write": true, "delete": false},
            "fraud-detection": {"read": true, "write": true, "delete": false}
        }),
        "payments is fenced by the bucket policy"
    );
    assert_eq!(
        row("crm-deployer")["access"],
        serde_json::json!({"crm": {"read": true, "write": true, "delete": false}})
    );
    assert_eq!(row("payments-deployer")["verdict"], "expected");
    // The scan names where the password is, and nothing prints or stores its value.
    let legacy = &got[&(
        "S3-009".to_owned(),
        "eu-west-1".to_owned(),
        format!("legacy-tfstate-{account}"),
    )];
    assert_eq!(
        legacy["evidence"][0]["observed"],
        "password at resources[aws_db_instance.main].instances[0].attributes.password"
    );
    let inventory = std::fs::read_to_string(&inv_path).expect("inventory");
    for text in [&r.stdout, &r.stderr, &inventory] {
        assert!(
            !text.contains("demo-Not-A-Real-Passw0rd"),
            "a secret value leaked"
        );
    }

    // The report's envelope, as REPORT-V1.md documents it.
    assert_eq!(report["schema"], "auditor.report.v1");
    assert_eq!(report["tool"]["name"], "auditor");
    assert_eq!(report["wa_revision"], "2023-10-03");
    assert_eq!(report["account"], account.as_str());
    assert_eq!(
        report["regions"],
        serde_json::json!(["us-east-1", "eu-west-1"])
    );
    assert!(report["caller_arn"]
        .as_str()
        .unwrap_or_default()
        .contains(&account));
    assert!(
        report["started_at"].as_str().unwrap_or_default()
            <= report["finished_at"].as_str().unwrap_or_default()
    );
    let findings = report["findings"].as_array().expect("findings");
    let count = |s: &str| findings.iter().filter(|f| f["status"] == s).count();
    assert_eq!(report["summary"]["fail"], count("fail"));
    assert_eq!(report["summary"]["pass"], count("pass"));
    assert_eq!(report["summary"]["not_assessed"], count("not_assessed"));
    assert_only_emulator_gaps(&report);
    let mut fps: Vec<&str> = findings
        .iter()
        .filter_map(|f| f["fingerprint"].as_str())
        .collect();
    let n = fps.len();
    fps.sort_unstable();
    fps.dedup();
    assert_eq!(fps.len(), n, "fingerprints are unique");
    let sec0502 = report["wa_rollup"]
        .as_array()
        .expect("rollup")
        .iter()
        .find(|p| p["id"] == "SEC05-BP02")
        .expect("SEC05-BP02");
    assert_eq!(sec0502["status"], "failing");
    assert_eq!(sec0502["title"], "Control traffic at all layers");
    // Logging, threat detection and encryption in transit are judged by the CloudTrail,
    // GuardDuty and load balancer checks (the demo plants a failure of each).
    for (practice, checks) in [
        ("SEC04-BP01", &["CLOUDTRAIL-001", "CLOUDTRAIL-002"][..]),
        ("SEC04-BP02", &["GUARDDUTY-001", "CLOUDTRAIL-001"][..]),
        ("SEC09-BP02", &["ELB-001", "ELB-002"][..]),
    ] {
        let p = report["wa_rollup"]
            .as_array()
            .expect("rollup")
            .iter()
            .find(|p| p["id"] == practice)
            .expect("practice");
        assert_eq!(p["status"], "failing", "{practice}: {p}");
        for c in checks {
            assert!(
                p["checks"]
                    .as_array()
                    .expect("checks")
                    .contains(&serde_json::json!(c)),
                "{practice} lists {c}: {p}"
            );
        }
    }

    // The saved inventory audits again offline to the same findings.
    let offline = run(auditor()
        .args([
            "audit",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--from-inventory",
            inv_path.to_str().expect("utf8"),
            "--config",
        ])
        .arg(repo_root().join("localstack/demo.toml")));
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let again: Value = serde_json::from_str(&offline.stdout).expect("json");
    let fp = |v: &Value| -> Vec<(String, String)> {
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| (f["fingerprint"].to_string(), f["status"].to_string()))
            .collect()
    };
    assert_eq!(fp(&report), fp(&again), "same inventory, same findings");

    // The table names the failing resources; --fail-on none exits 0.
    let table = audit(
        &emu,
        &account,
        &["--fail-on", "none", ATTEMPTS[0], ATTEMPTS[1]],
    );
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table.stdout.contains("EC2-002 sg-open-admin-ports")
            && table.stdout.contains("legacy-bastion"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("Coverage gaps (8): what this audit could not read")
            && table.stdout.contains("ecr:DescribePullThroughCacheRules")
            && table.stdout.contains("eks:ListAccessEntries"),
        "the table lists what could not be read: {}",
        table.stdout
    );
}

#[tokio::test]
async fn the_audit_makes_only_read_only_calls_and_one_per_api_page() {
    let emu = Emulator::spawn_private();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());

    emu.start_recording().await;
    let r = audit(
        &emu,
        &account,
        &["--fail-on", "none", ATTEMPTS[0], ATTEMPTS[1]],
    );
    let records = emu.stop_recording().await;
    assert_eq!(r.code, 0, "{}", r.stderr);

    let writes: Vec<String> = records
        .iter()
        .filter(|r| !r.is_read_only())
        .map(|r| r.label())
        .collect();
    assert!(
        writes.is_empty(),
        "the audit made non-read-only calls: {writes:?}"
    );
    let mut by_api: BTreeMap<String, usize> = BTreeMap::new();
    for rec in &records {
        *by_api.entry(rec.label()).or_default() += 1;
    }
    eprintln!(
        "requests made by the audit ({} in all): {by_api:#?}",
        records.len()
    );
    // The calls follow APIs, regions, pages and (for ECR's per-repository APIs, which have
    // no batch form) repositories: never one call per security group, VPC or instance.
    // Every list fits one page here. The seed creates 5 repositories in the 2 regions.
    let (regions, repos) = (2, 5);
    let mut expected: BTreeMap<String, usize> = [
        ("sts:GetCallerIdentity", 2),
        ("sts:AssumeRole", 1),
        ("ec2:DescribeRegions", 1),
        ("ecr:GetLifecyclePolicy", repos),
        ("ecr:GetRepositoryPolicy", repos),
        ("ecr:DescribeImages", repos),
        // GuardDuty: the seed's one detector (us-east-1) read once.
        ("guardduty:GetDetector", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for api in [
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribeFlowLogs",
        "ec2:DescribeInstances",
        "ec2:GetEbsEncryptionByDefault",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeManagedPrefixLists",
        "ecr:DescribeRepositories",
        "ecr:GetRegistryScanningConfiguration",
        "ecr:GetRegistryPolicy",
        "eks:ListClusters",
        "elasticloadbalancing:DescribeLoadBalancers",
        "guardduty:ListDetectors",
        "cloudtrail:DescribeTrails",
    ] {
        expected.insert(api.to_owned(), regions);
    }
    // Load balancers (2, us-east-1) are read one by one (no batch form), the rules of their
    // application HTTP listeners (2) too, and the TLS policies in use once per region that
    // has any. CloudTrail's 2 trails are read in full in their home region (us-east-1) only:
    // the multi-region one is listed in eu-west-1 too.
    for (api, n) in [
        ("elasticloadbalancing:DescribeListeners", 2),
        ("elasticloadbalancing:DescribeLoadBalancerAttributes", 2),
        ("elasticloadbalancing:DescribeRules", 2),
        ("elasticloadbalancing:DescribeSSLPolicies", 1),
        ("cloudtrail:GetTrailStatus", 2),
        ("cloudtrail:GetEventSelectors", 2),
    ] {
        expected.insert(api.to_owned(), n);
    }
    // EKS reads per cluster and per node group (no batch form exists): the seed has 2
    // clusters with 4 node groups in us-east-1, two of which launch from a template, read
    // each with one DescribeLaunchTemplateVersions. moto's 404s for the EKS APIs it lacks
    // (versions, add-ons, access entries, pod identity) are not in its record.
    for (api, n) in [
        ("eks:DescribeCluster", 2),
        ("eks:ListNodegroups", 2),
        ("eks:DescribeNodegroup", 4),
        // Every template's default and latest versions, listed once per region, and the
        // two templates node groups launch from, read by id.
        ("ec2:DescribeLaunchTemplateVersions", regions + 2),
        // The entries of the two customer-managed prefix lists inbound rules refer to.
        ("ec2:GetManagedPrefixListEntries", 2),
    ] {
        expected.insert(api.to_owned(), n);
    }
    // moto answers this one with HTTP 500, so each region's call is tried twice.
    expected.insert("ecr:DescribePullThroughCacheRules".to_owned(), regions * 2);
    // IAM is global and read in pages, not per role: one GetAccountAuthorizationDetails
    // page holds the seed's 31 roles, 2 users and 1 group. AWS managed policies in use are
    // read once each (AdministratorAccess, ReadOnlyAccess and 4 EKS ones), OIDC providers
    // once each (5).
    // The credential report is requested until IAM says COMPLETE (STARTED, then COMPLETE).
    for (api, n) in [
        ("iam:GetAccountAuthorizationDetails", 1),
        ("iam:GetPolicy", 6),
        ("iam:GetPolicyVersion", 6),
        ("iam:GenerateCredentialReport", 2),
        ("iam:GetCredentialReport", 1),
        ("iam:GetAccountPasswordPolicy", 1),
        ("iam:ListOpenIDConnectProviders", 1),
        ("iam:GetOpenIDConnectProvider", 5),
        ("iam:GetAccountSummary", 1),
        // The account's organisation, once, for the policy checks' aws:PrincipalOrgID.
        ("organizations:DescribeOrganization", 1),
    ] {
        expected.insert(api.to_owned(), n);
    }
    // S3 is read per bucket and, for state buckets, per setting (S3 has no batch form).
    // The seed makes 8 buckets; moto's ListBuckets gives no BucketRegion (AWS's does), so
    // the buckets are listed once more per audited region (filtered by BucketRegion) rather
    // than each asked its region; each listing fits one page. Three are state buckets, and
    // two receive the trails' logs (their public access read for CLOUDTRAIL-004). The
    // opt-in scan (localstack/demo.toml) reads the 6 state objects (moto refuses 4 of them).
    for (api, n) in [
        ("s3:ListBuckets", 1 + regions),
        ("s3:GetAccountPublicAccessBlock", 1),
        // The trails' two buckets' regions are asked (a log bucket may be elsewhere).
        ("s3:GetBucketLocation", 2),
        ("s3:ListObjectsV2", 8),
        ("s3:GetBucketEncryption", 3),
        ("s3:GetBucketVersioning", 3),
        ("s3:GetPublicAccessBlock", 3 + 2),
        ("s3:GetBucketPolicy", 3),
        ("s3:GetBucketPolicyStatus", 3 + 2),
        ("s3:GetBucketOwnershipControls", 3),
        ("s3:GetBucketLogging", 3),
        ("s3:GetObjectLockConfiguration", 3),
        ("s3:GetObject", 6),
    ] {
        expected.insert(api.to_owned(), n);
    }
    assert_eq!(by_api, expected);
}

#[test]
fn unknown_region_is_refused_with_the_known_ones() {
    let emu = Emulator::shared();
    audit_in(&emu, &unique_account(), "eu-west-1,xx-nowhere-9", &[]).assert_one_line_error(
        2,
        "unknown region(s): xx-nowhere-9 (regions this endpoint knows: ",
    );
}

#[test]
fn a_disabled_region_is_a_coverage_gap_not_a_pass() {
    let emu = Emulator::shared();
    // moto lists some opt-in regions as not enabled, as AWS does for a new account.
    let disabled = "me-south-1";
    let r = audit_in(
        &emu,
        &unique_account(),
        &format!("us-east-1,{disabled}"),
        &["--format", "json", "--fail-on", "none"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let gaps = v["coverage_gaps"].as_array().expect("gaps");
    assert!(
        gaps.iter()
            .any(|g| g["region"] == disabled && g["kind"] == "region_disabled"),
        "no region_disabled gap for {disabled}: {gaps:?}"
    );
    assert!(
        !v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["resource"]["region"] == disabled),
        "no finding may claim anything about a region that was not read"
    );
}

#[test]
fn auditing_eks_alone_reads_what_its_checks_need_and_runs_only_eks_checks() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    let r = audit_in(
        &emu,
        &account,
        "us-east-1",
        &["--services", "eks", "--format", "json", "--fail-on", "none"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["services"], serde_json::json!(["eks"]));
    let findings = v["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f["code"].as_str().unwrap_or_default().starts_with("EKS-")),
        "only EKS checks run"
    );
    // The checks that cross-read EC2 (subnets, launch templates) and IAM (roles) judged
    // the demo's resources instead of reporting the data missing.
    let status = |code: &str, id: &str| status_of(findings, code, id);
    assert_eq!(status("EKS-011", "legacy-tools/ssh-public"), "fail");
    assert_eq!(status("EKS-010", "legacy-tools/imdsv1"), "fail");
    assert_eq!(status("EKS-005", "legacy-tools"), "fail");
    assert_eq!(status("EKS-015", "eks-payments-node"), "pass");
}

#[test]
fn auditing_ec2_or_iam_alone_collects_the_eks_data_their_checks_read() {
    // EC2-007 (which VPCs host clusters) and IAM-006 (whether a provider's cluster still
    // exists) read EKS data: the services to collect come from the checks' declared reads,
    // so neither is "not assessed" when only its own service is asked for.
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    let only = |service: &str| {
        let r = audit_in(
            &emu,
            &account,
            "us-east-1",
            &[
                "--services",
                service,
                "--format",
                "json",
                "--fail-on",
                "none",
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("json");
        assert_eq!(v["services"], serde_json::json!([service]));
        v["findings"].as_array().expect("findings").clone()
    };
    let ec2 = only("ec2");
    let vpcs: Vec<&Value> = ec2.iter().filter(|f| f["code"] == "EC2-007").collect();
    let count = |s: &str| vpcs.iter().filter(|f| f["status"] == s).count();
    assert_eq!((count("fail"), count("pass")), (1, 1), "{vpcs:#?}");
    assert_eq!(count("not_assessed"), 0, "{vpcs:#?}");
    assert!(ec2
        .iter()
        .all(|f| f["code"].as_str().unwrap_or_default().starts_with("EC2-")));
    let iam = only("iam");
    let status = |code: &str, id: &str| status_of(&iam, code, id);
    assert_eq!(status("IAM-006", "irsa-payments-api"), "pass");
    assert_eq!(status("IAM-006", "irsa-retired-cluster"), "fail");
    assert!(iam
        .iter()
        .all(|f| f["code"].as_str().unwrap_or_default().starts_with("IAM-")));
}

#[test]
fn auditing_s3_alone_reads_iam_too_and_a_missing_configured_bucket_is_a_gap() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    // A config naming a state bucket that does not exist, besides the demo's settings.
    let cfg = dir.path().join("s3.toml");
    std::fs::write(
        &cfg,
        format!(
            "[s3]\nstate_buckets = [\"gone-state-{account}\"]\n\
             [checks.s3]\nstate_admins = [\"arn:aws:iam::*:role/terraform-pipeline\"]\n"
        ),
    )
    .expect("config");
    let r = run(auditor().envs(emu.cli_env()).args([
        "audit",
        "--account",
        &account,
        "--endpoint-url",
        emu.endpoint(),
        "--regions",
        "us-east-1",
        "--services",
        "s3",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--config",
        cfg.to_str().expect("utf8"),
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["services"], serde_json::json!(["s3"]));
    let findings = v["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .all(|f| f["code"].as_str().unwrap_or_default().starts_with("S3-")),
        "only S3 checks run"
    );
    assert!(
        findings.iter().all(|f| f["code"] != "S3-009"),
        "the secret scan is opt-in"
    );
    // IAM was read for S3-008: the bucket/* deployer fails, the scoped one passes.
    let status = |code: &str, id: &str| status_of(findings, code, id);
    assert_eq!(status("S3-008", "fraud-deployer"), "fail");
    assert_eq!(status("S3-008", "crm-deployer"), "pass");
    // Buckets in other regions are audited too: S3 is account-wide.
    assert_eq!(
        status("S3-001", &format!("legacy-tfstate-{account}")),
        "fail"
    );
    // The configured bucket that does not exist: not assessed, with S3's one-line answer,
    // and a coverage gap naming the API and the 8 S3 checks that ran.
    let gone = format!("gone-state-{account}");
    let na = findings
        .iter()
        .find(|f| f["code"] == "S3-001" && f["resource"]["id"] == gone.as_str())
        .expect("a finding for the configured bucket");
    assert_eq!(na["status"], "not_assessed");
    let reason = na["status_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("NoSuchBucket"), "{reason}");
    assert!(!reason.contains('\n'));
    assert!(
        v["coverage_gaps"]
            .as_array()
            .expect("gaps")
            .iter()
            .any(|g| g["api"] == "s3:GetBucketLocation"
                && g["checks"].as_array().is_some_and(|c| c.len() == 8)),
        "{}",
        v["coverage_gaps"]
    );
}

#[test]
fn a_client_side_rate_limit_holds_requests_and_the_report_says_so() {
    let emu = Emulator::shared();
    // IAM at 2 requests per second (burst 2): an IAM audit sends about 7, so most wait.
    let r = audit_in(
        &emu,
        &unique_account(),
        "us-east-1",
        &[
            "--services",
            "iam",
            "--rate-limit",
            "iam=2",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let api = &v["api_requests"];
    let iam = &api["iam"];
    assert!(iam["requests"].as_u64().unwrap() > 2, "{api:#}");
    assert!(
        iam["rate_limited_ms"].as_u64().unwrap() > 0,
        "requests beyond the burst waited: {api:#}"
    );
    // STS keeps its default limit (burst 20): its 3 requests went at once.
    assert_eq!(api["sts"]["rate_limited_ms"], 0, "{api:#}");
    assert_eq!(api["iam"]["throttled"], 0);
}
