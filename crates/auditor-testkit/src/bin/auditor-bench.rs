//! `make bench`: audits a large synthetic account on a private moto server and prints wall
//! time, peak RSS, the API requests made per service (from moto's request record) and the
//! minimum the same data needs (pages × APIs × regions, plus the per-resource calls AWS has
//! no batch form for). See BENCHMARKS.md.
//!
//! ```text
//! auditor-bench --auditor target/release/auditor [--scale 1] [--out FILE] [-- AUDITOR ARGS]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_testkit::{Emulator, ACCESS_KEY, SECRET_KEY};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

const ACCOUNT: &str = "123456789012";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

struct Args {
    auditor: PathBuf,
    scale: f64,
    out: Option<PathBuf>,
    extra: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        auditor: PathBuf::from("target/release/auditor"),
        scale: 1.0,
        out: None,
        extra: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--auditor" => a.auditor = it.next().expect("--auditor PATH").into(),
            "--scale" => a.scale = it.next().expect("--scale N").parse().expect("a number"),
            "--out" => a.out = Some(it.next().expect("--out FILE").into()),
            "--" => a.extra.extend(it.by_ref()),
            other => panic!("unknown argument {other} (see the module docs)"),
        }
    }
    a
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the auditor: (exit code, wall seconds, peak RSS in bytes as the auditor itself
/// read it from Linux's `VmHWM` at exit, through `AUDITOR_PEAK_RSS_FILE`).
fn run_measured(cmd: &mut Command, rss_file: &std::path::Path) -> (i32, f64, u64) {
    let started = Instant::now();
    let status = cmd
        .env("AUDITOR_PEAK_RSS_FILE", rss_file)
        .status()
        .expect("start the auditor");
    let secs = started.elapsed().as_secs_f64();
    let rss = std::fs::read_to_string(rss_file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .expect("the auditor's peak RSS (Linux /proc/self/status VmHWM)");
    (status.code().unwrap_or(-1), secs, rss)
}

fn len(v: &Value) -> u64 {
    v.as_array().map_or(0, |a| a.len() as u64)
}

fn pages(items: u64, page: u64) -> u64 {
    items.div_ceil(page).max(1)
}

/// The fewest requests that read what the inventory holds, per API, given AWS's largest
/// page sizes. Only APIs the audit called are counted (an API moto does not offer is in
/// neither column).
fn minimum(inv: &Value, called: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    let mut m: BTreeMap<String, u64> = BTreeMap::new();
    let mut add = |api: &str, n: u64| *m.entry(api.to_owned()).or_default() += n;
    add("sts:GetCallerIdentity", 1);
    add("ec2:DescribeRegions", 1);
    for r in REGIONS {
        let e = &inv["ec2"][r];
        for (api, field, page) in [
            ("ec2:DescribeVpcs", "vpcs", 1000),
            ("ec2:DescribeSubnets", "subnets", 1000),
            ("ec2:DescribeRouteTables", "route_tables", 100),
            ("ec2:DescribeSecurityGroups", "security_groups", 1000),
            ("ec2:DescribeNetworkAcls", "network_acls", 100),
            ("ec2:DescribeFlowLogs", "flow_logs", 1000),
            ("ec2:DescribeInstances", "instances", 1000),
            ("ec2:DescribeVpcEndpoints", "vpc_endpoints", 1000),
        ] {
            add(api, pages(len(&e[field]), page));
        }
        add("ec2:GetEbsEncryptionByDefault", 1);
        let repos = len(&inv["ecr"][r]["repositories"]);
        add("ecr:DescribeRepositories", pages(repos, 1000));
        add("ecr:GetRegistryScanningConfiguration", 1);
        add("ecr:GetRegistryPolicy", 1);
        add("ecr:DescribePullThroughCacheRules", 1);
        // No batch form: one call per repository each.
        add("ecr:GetLifecyclePolicy", repos);
        add("ecr:GetRepositoryPolicy", repos);
        add("ecr:DescribeImages", repos);
        let clusters = inv["eks"][r]["clusters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        add("eks:ListClusters", pages(clusters.len() as u64, 100));
        add("eks:DescribeClusterVersions", 1);
        for c in &clusters {
            let ngs = len(&c["nodegroups"]);
            add("eks:DescribeCluster", 1);
            add("eks:ListNodegroups", pages(ngs, 100));
            add("eks:DescribeNodegroup", ngs);
            for api in [
                "eks:ListAddons",
                "eks:ListAccessEntries",
                "eks:ListPodIdentityAssociations",
            ] {
                add(api, 1);
            }
        }
        if len(&inv["eks"][r]["launch_templates"]) > 0 {
            add("ec2:DescribeLaunchTemplateVersions", 1);
        }
        // Load balancers: listed in pages of 400, then listeners and attributes per load
        // balancer, rules per application HTTP listener, the TLS policies in use once.
        let lbs = inv["elb"][r]["load_balancers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        add(
            "elasticloadbalancing:DescribeLoadBalancers",
            pages(lbs.len() as u64, 400),
        );
        add("elasticloadbalancing:DescribeListeners", lbs.len() as u64);
        add(
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            lbs.len() as u64,
        );
        let listeners: Vec<Value> = lbs
            .iter()
            .flat_map(|lb| lb["listeners"].as_array().cloned().unwrap_or_default())
            .collect();
        add(
            "elasticloadbalancing:DescribeRules",
            listeners
                .iter()
                .filter(|l| l.get("rules").is_some())
                .count() as u64,
        );
        if listeners.iter().any(|l| l["ssl_policy"].is_string()) {
            add("elasticloadbalancing:DescribeSSLPolicies", 1);
        }
        // GuardDuty: the detector list, then each detector.
        add("guardduty:ListDetectors", 1);
        add(
            "guardduty:GetDetector",
            len(&inv["guardduty"][r]["detectors"]),
        );
        // CloudTrail: the trails listed everywhere, read in full in their home region.
        let trails = inv["cloudtrail"][r]["trails"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        add("cloudtrail:DescribeTrails", 1);
        let home: Vec<&Value> = trails.iter().filter(|t| t["home_region"] == r).collect();
        add("cloudtrail:GetTrailStatus", home.len() as u64);
        add("cloudtrail:GetEventSelectors", home.len() as u64);
        // Each home trail's bucket: its policy status and public access block.
        let buckets = home.iter().filter(|t| t["s3_bucket"].is_string()).count() as u64;
        add("s3:GetBucketLocation", buckets);
        add("s3:GetBucketPolicyStatus", buckets);
        add("s3:GetPublicAccessBlock", buckets);
    }
    let iam = &inv["iam"];
    let policies = iam["managed_policies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let aws_managed = policies
        .iter()
        .filter(|p| {
            p["arn"]
                .as_str()
                .unwrap_or_default()
                .contains(":iam::aws:policy/")
        })
        .count() as u64;
    let local = policies.len() as u64 - aws_managed;
    let entities = len(&iam["roles"]) + len(&iam["users"]) + len(&iam["groups"]) + local;
    add("iam:GetAccountAuthorizationDetails", pages(entities, 1000));
    add("iam:GetPolicy", aws_managed);
    add("iam:GetPolicyVersion", aws_managed);
    add("iam:GenerateCredentialReport", 1);
    add("iam:GetCredentialReport", 1);
    add("iam:GetAccountPasswordPolicy", 1);
    add("iam:GetAccountSummary", 1);
    add("organizations:DescribeOrganization", 1);
    add("iam:ListOpenIDConnectProviders", 1);
    add("iam:GetOpenIDConnectProvider", len(&iam["oidc_providers"]));
    let s3 = &inv["s3"];
    let buckets = s3["buckets"].as_array().cloned().unwrap_or_default();
    let seen = s3["discovery"]["buckets_seen"]
        .as_u64()
        .unwrap_or(buckets.len() as u64);
    add("s3:ListBuckets", 1);
    add("s3:GetAccountPublicAccessBlock", 1);
    // moto's ListBuckets carries no BucketRegion (AWS's does): each bucket's is asked.
    add("s3:GetBucketLocation", seen);
    add("s3:ListObjectsV2", seen);
    for api in [
        "s3:GetBucketEncryption",
        "s3:GetBucketVersioning",
        "s3:GetPublicAccessBlock",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketLogging",
        "s3:GetObjectLockConfiguration",
    ] {
        add(api, buckets.len() as u64);
    }
    m.retain(|api, n| *n > 0 && called.contains_key(api));
    m
}

fn service(api: &str) -> &str {
    api.split(':').next().unwrap_or(api)
}

#[tokio::main]
async fn main() {
    let a = args();
    let auditor = if a.auditor.is_absolute() {
        a.auditor.clone()
    } else {
        std::env::current_dir().unwrap().join(&a.auditor)
    };
    assert!(
        auditor.exists(),
        "{} does not exist: build it first (`make bench` does: cargo build --release)",
        auditor.display()
    );
    let dir = tempfile::tempdir().unwrap();
    eprintln!("bench: starting a private moto server");
    let emu = Emulator::spawn_private();

    eprintln!("bench: seeding the synthetic account at scale {}", a.scale);
    let seeded = Instant::now();
    let out = Command::new(repo_root().join("localstack/.venv/bin/python"))
        .arg(repo_root().join("localstack/bench_seed.py"))
        .args([
            "--endpoint",
            emu.endpoint(),
            "--scale",
            &a.scale.to_string(),
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("run localstack/bench_seed.py (make emulator installs its venv)");
    assert!(out.status.success(), "seeding failed");
    let manifest: Value = serde_json::from_slice(&out.stdout).expect("the seed's manifest");
    let seed_secs = seeded.elapsed().as_secs_f64();
    eprintln!("bench: seeded in {seed_secs:.1} s: {manifest}");

    emu.start_recording().await;
    let inv_path = dir.path().join("inventory.json");
    let report_path = dir.path().join("report.json");
    let mut cmd = Command::new(&auditor);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .envs([
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", "us-east-1"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ])
        .args([
            "audit",
            "--account",
            ACCOUNT,
            "--endpoint-url",
            emu.endpoint(),
            "--regions",
            &REGIONS.join(","),
            "--fail-on",
            "none",
            "--format",
            "json",
            "--output",
        ])
        .arg(&report_path)
        .arg("--save-inventory")
        .arg(&inv_path)
        .args(&a.extra)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    eprintln!("bench: auditing");
    let (code, wall, rss) = run_measured(&mut cmd, &dir.path().join("peak-rss"));
    let recorded = emu.stop_recording().await;
    assert_eq!(code, 0, "the audit failed (exit {code})");

    // The same inventory audited again offline: the checks and the report alone.
    let mut offline = Command::new(&auditor);
    offline
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args([
            "audit",
            "--fail-on",
            "none",
            "--format",
            "json",
            "--from-inventory",
        ])
        .arg(&inv_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let (ocode, owall, orss) = run_measured(&mut offline, &dir.path().join("peak-rss-offline"));
    assert_eq!(ocode, 0, "the offline audit failed (exit {ocode})");

    let mut called: BTreeMap<String, u64> = BTreeMap::new();
    for r in &recorded {
        *called.entry(r.label()).or_default() += 1;
    }
    let writes: Vec<String> = recorded
        .iter()
        .filter(|r| !r.is_read_only())
        .map(|r| r.label())
        .collect();
    assert!(writes.is_empty(), "the audit wrote: {writes:?}");
    let inv: Value =
        serde_json::from_str(&std::fs::read_to_string(&inv_path).unwrap()).expect("inventory");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).expect("report");
    let min = minimum(&inv, &called);

    let mut by_service: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for (api, n) in &called {
        by_service.entry(service(api)).or_default().0 += n;
    }
    for (api, n) in &min {
        by_service.entry(service(api)).or_default().1 += n;
    }
    let made: u64 = called.values().sum();
    let needed: u64 = min.values().sum();
    let ratio = made as f64 / needed.max(1) as f64;

    println!("\nauditor bench — scale {} ({})", a.scale, manifest);
    println!(
        "seeding: {seed_secs:.1} s · audit wall time: {wall:.2} s · peak RSS: {:.1} MiB",
        rss as f64 / 1_048_576.0
    );
    println!(
        "checks and report alone (--from-inventory): {owall:.2} s · peak RSS {:.1} MiB",
        orss as f64 / 1_048_576.0
    );
    println!(
        "findings: {} · coverage gaps: {}",
        report["findings"].as_array().map_or(0, |f| f.len()),
        report["coverage_gaps"].as_array().map_or(0, |g| g.len())
    );
    println!(
        "\n{:<16}{:>10}{:>10}{:>8}",
        "SERVICE", "MADE", "MINIMUM", "RATIO"
    );
    for (s, (m, n)) in &by_service {
        println!(
            "{s:<16}{m:>10}{n:>10}{:>8.2}",
            *m as f64 / (*n).max(1) as f64
        );
    }
    println!("{:<16}{made:>10}{needed:>10}{ratio:>8.2}", "total");
    println!("\nper API where made ≠ minimum:");
    for (api, n) in &called {
        let want = min.get(api).copied().unwrap_or(0);
        if *n != want {
            println!("  {api:<44} made {n:>5}  minimum {want:>5}");
        }
    }
    for (api, n) in &min {
        if !called.contains_key(api) {
            println!("  {api:<44} made     0  minimum {n:>5}");
        }
    }
    println!(
        "\nrequests per service as the auditor counted them (report api_requests): {}",
        report["api_requests"]
    );
    let within = ratio <= 1.2;
    let small = rss < 200 * 1_048_576;
    println!(
        "\nverdict: requests {:.2}× the minimum ({}), peak RSS {:.1} MiB ({})",
        ratio,
        if within { "within 1.2×" } else { "OVER 1.2×" },
        rss as f64 / 1_048_576.0,
        if small {
            "under 200 MiB"
        } else {
            "OVER 200 MiB"
        }
    );
    if let Some(p) = &a.out {
        let v = json!({
            "scale": a.scale,
            "seeded": manifest,
            "seed_seconds": seed_secs,
            "wall_seconds": wall,
            "peak_rss_bytes": rss,
            "offline_wall_seconds": owall,
            "offline_peak_rss_bytes": orss,
            "requests": called,
            "minimum": min,
            "ratio": ratio,
            "api_requests": report["api_requests"],
        });
        std::fs::write(p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        eprintln!("bench: figures written to {}", p.display());
    }
    if !(within && small) {
        std::process::exit(1);
    }
}
