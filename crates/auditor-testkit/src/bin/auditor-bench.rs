//! `make bench`: audits a large synthetic account on a private moto server and prints wall
//! time, peak RSS, the API requests made per service (from moto's request record) and the
//! minimum the same data needs (pages × APIs × regions, plus the per-resource calls AWS has
//! no batch form for). See BENCHMARKS.md.
//!
//! ```text
//! auditor-bench --auditor target/release/auditor [--scale 1] [--out FILE] [--peer]
//!               [--compare SCALE-1.json] [--keep DIR] [-- AUDITOR ARGS]
//! ```
//!
//! `--keep DIR` copies the saved inventory and the JSON report to `DIR` (for profiling the
//! checks offline: `auditor audit --from-inventory DIR/inventory.json`).
//! `--peer` then audits the same account on the same moto with Prowler
//! (`localstack/bench_peer.sh`) and prints the ratios; `--compare` prints this run's cost
//! against an earlier run's figures (scale 2 against scale 1).
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
    peer: bool,
    compare: Option<PathBuf>,
    keep: Option<PathBuf>,
    extra: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        auditor: PathBuf::from("target/release/auditor"),
        scale: 1.0,
        out: None,
        peer: false,
        compare: None,
        keep: None,
        extra: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--auditor" => a.auditor = it.next().expect("--auditor PATH").into(),
            "--scale" => a.scale = it.next().expect("--scale N").parse().expect("a number"),
            "--out" => a.out = Some(it.next().expect("--out FILE").into()),
            "--peer" => a.peer = true,
            "--compare" => a.compare = Some(it.next().expect("--compare FILE").into()),
            "--keep" => a.keep = Some(it.next().expect("--keep DIR").into()),
            "--" => a.extra.extend(it.by_ref()),
            other => panic!("unknown argument {other} (see the module docs)"),
        }
    }
    a
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What one auditor process cost.
struct Measured {
    code: i32,
    wall: f64,
    /// Peak RSS in bytes, as the auditor itself read it from Linux's `VmHWM` at exit
    /// (through `AUDITOR_PEAK_RSS_FILE`).
    rss: u64,
    /// User and system CPU seconds, every thread (from `/proc/self/stat` at exit).
    user: f64,
    sys: f64,
}

fn run_measured(cmd: &mut Command, rss_file: &std::path::Path) -> Measured {
    let started = Instant::now();
    let status = cmd
        .env("AUDITOR_PEAK_RSS_FILE", rss_file)
        .status()
        .expect("start the auditor");
    let wall = started.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(rss_file).unwrap_or_default();
    let mut lines = text.lines();
    let rss = lines
        .next()
        .and_then(|s| s.trim().parse().ok())
        .expect("the auditor's peak RSS (Linux /proc/self/status VmHWM)");
    let cpu: Vec<f64> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    Measured {
        code: status.code().unwrap_or(-1),
        wall,
        rss,
        user: cpu.first().copied().unwrap_or_default(),
        sys: cpu.get(1).copied().unwrap_or_default(),
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
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
            ("ec2:DescribeManagedPrefixLists", "prefix_lists", 100),
        ] {
            add(api, pages(len(&e[field]), page));
        }
        add("ec2:GetEbsEncryptionByDefault", 1);
        // Entries only of the customer-managed lists a security group rule refers to.
        let read = e["prefix_lists"].as_array().map_or(0, |ls| {
            ls.iter().filter(|l| !l["entries"].is_null()).count()
        });
        add("ec2:GetManagedPrefixListEntries", read as u64);
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
        // Every template's $Latest and $Default versions, 200 a page; then the templates
        // node groups launch from, one call each (their versions in use).
        add(
            "ec2:DescribeLaunchTemplateVersions",
            pages(len(&e["launch_templates"]), 200),
        );
        let used: std::collections::BTreeSet<&str> = inv["eks"][r]["launch_templates"]
            .as_array()
            .map(|vs| {
                vs.iter()
                    .filter_map(|v| v["launch_template_id"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        add("ec2:DescribeLaunchTemplateVersions", used.len() as u64);
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
    // moto's ListBuckets carries no BucketRegion (AWS's does): the regions are learnt from
    // one list per audited region (filtered by BucketRegion) when that is fewer requests
    // than one GetBucketLocation per bucket. Every bucket here is in an audited region.
    let regions = REGIONS.len() as u64;
    if regions >= 2 && seen > regions {
        add("s3:ListBuckets", 1 + regions);
    } else {
        add("s3:ListBuckets", 1);
        add("s3:GetBucketLocation", seen);
    }
    add("s3:GetAccountPublicAccessBlock", 1);
    add("s3:ListObjectsV2", seen);
    for api in [
        "s3:GetBucketEncryption",
        "s3:GetBucketVersioning",
        "s3:GetPublicAccessBlock",
        "s3:GetBucketPolicy",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketLogging",
        "s3:GetObjectLockConfiguration",
    ] {
        add(api, buckets.len() as u64);
    }
    // A bucket without a policy has no policy status to ask for.
    let with_policy = buckets.iter().filter(|b| b["policy"].is_string()).count();
    add("s3:GetBucketPolicyStatus", with_policy as u64);
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
    // Without moto's default AMIs: their ~1,300 snapshots per region would belong to the
    // account, and the peer audits each of them (the auditor reads no AMI or snapshot).
    let emu = Emulator::spawn_private_with(&[("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")]);

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
    let online = run_measured(&mut cmd, &dir.path().join("peak-rss"));
    let recorded = emu.stop_recording().await;
    assert_eq!(online.code, 0, "the audit failed (exit {})", online.code);
    let (wall, rss) = (online.wall, online.rss);
    let report_bytes = std::fs::metadata(&report_path).map_or(0, |m| m.len());

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
    let off = run_measured(&mut offline, &dir.path().join("peak-rss-offline"));
    // Kept before the offline audit's verdict: a failing one is what the files are for.
    if let Some(keep) = &a.keep {
        std::fs::create_dir_all(keep).expect("create the --keep directory");
        for f in [&inv_path, &report_path] {
            std::fs::copy(f, keep.join(f.file_name().unwrap())).expect("copy to --keep");
        }
        eprintln!("bench: inventory and report kept in {}", keep.display());
    }
    assert_eq!(off.code, 0, "the offline audit failed (exit {})", off.code);
    let (owall, orss, ocpu) = (off.wall, off.rss, off.user + off.sys);

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
        "seeding: {seed_secs:.1} s · audit wall time: {wall:.2} s · CPU {:.2} s user + {:.2} s system · peak RSS: {:.1} MiB · JSON report {:.1} MB",
        online.user,
        online.sys,
        mib(rss),
        report_bytes as f64 / 1e6
    );
    println!(
        "checks and report alone (--from-inventory): {owall:.2} s wall · CPU {ocpu:.2} s · peak RSS {:.1} MiB",
        mib(orss)
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
    // The targets of BENCHMARKS.md ("Large accounts in seconds"): the absolute ones hold
    // at scale 1, scale 2 is judged against scale 1 (`--compare`).
    let mut verdicts: Vec<(String, bool)> = vec![(
        format!("requests {ratio:.2}× the minimum (target ≤ 1.1×)"),
        ratio <= 1.1,
    )];
    let at_scale_1 = (a.scale - 1.0).abs() < 1e-9;
    let absolute = vec![
        (
            format!("peak RSS {:.1} MiB (target ≤ 200 MB)", mib(rss)),
            rss <= 200_000_000,
        ),
        (
            format!(
                "JSON report {:.1} MB (target ≤ 25 MB)",
                report_bytes as f64 / 1e6
            ),
            report_bytes <= 25_000_000,
        ),
        (
            format!("checks and report offline: {ocpu:.2} s CPU (target ≤ 5 s)"),
            ocpu <= 5.0,
        ),
    ];
    if at_scale_1 {
        verdicts.extend(absolute);
    }
    if let Some(before) = a.compare.as_ref() {
        let b: Value = serde_json::from_str(
            &std::fs::read_to_string(before)
                .unwrap_or_else(|e| panic!("--compare {}: {e}", before.display())),
        )
        .unwrap_or_else(|e| panic!("--compare {}: {e}", before.display()));
        let bw = b["wall_seconds"].as_f64().unwrap_or(f64::NAN);
        let br = b["peak_rss_bytes"].as_f64().unwrap_or(f64::NAN);
        let k = a.scale / b["scale"].as_f64().unwrap_or(1.0);
        println!(
            "\nagainst {} (scale {}): wall {:.2}×, peak RSS {:.2}× for {k}× the account",
            before.display(),
            b["scale"],
            wall / bw,
            rss as f64 / br
        );
        if (k - 2.0).abs() < 1e-9 {
            verdicts.push((
                format!("scale 2 wall {:.2}× scale 1 (target ≤ 2.2×)", wall / bw),
                wall / bw <= 2.2,
            ));
            verdicts.push((
                format!(
                    "scale 2 peak RSS {:.2}× scale 1 (target ≤ 1.5×)",
                    rss as f64 / br
                ),
                rss as f64 / br <= 1.5,
            ));
        }
    }
    let mut peer_figures = Value::Null;
    if a.peer {
        let peer_out = dir.path().join("peer.json");
        eprintln!("bench: auditing the same account with the peer (localstack/bench_peer.sh)");
        let status = Command::new(repo_root().join("localstack/bench_peer.sh"))
            .arg("--endpoint")
            .arg(emu.endpoint())
            .arg("--out")
            .arg(&peer_out)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status()
            .expect("run localstack/bench_peer.sh");
        let p: Value =
            serde_json::from_str(&std::fs::read_to_string(&peer_out).unwrap_or_default())
                .unwrap_or_else(|e| panic!("the peer's figures ({status}): {e}"));
        let pw = p["wall_s"].as_f64().unwrap_or(f64::NAN);
        let pcpu =
            p["user_cpu_s"].as_f64().unwrap_or(f64::NAN) + p["sys_cpu_s"].as_f64().unwrap_or(0.0);
        let prss = p["peak_rss_mb"].as_f64().unwrap_or(f64::NAN) * 1_048_576.0;
        let preq = p["requests"].as_f64().unwrap_or(f64::NAN);
        println!(
            "\n{:<16}{:>12}{:>12}{:>14}{:>12}{:>12}",
            "", "WALL s", "CPU s", "PEAK RSS MiB", "REQUESTS", "FINDINGS"
        );
        println!(
            "{:<16}{wall:>12.1}{:>12.1}{:>14.1}{made:>12}{:>12}",
            "auditor",
            online.user + online.sys,
            mib(rss),
            report["findings"].as_array().map_or(0, |f| f.len())
        );
        println!(
            "{:<16}{pw:>12.1}{pcpu:>12.1}{:>14.1}{preq:>12}{:>12}",
            format!("prowler {}", p["version"].as_str().unwrap_or("?")),
            prss / 1_048_576.0,
            p["findings"].as_u64().unwrap_or_default()
        );
        println!(
            "{:<16}{:>11.1}×{:>11.1}×{:>13.1}×{:>11.1}×",
            "peer / ours",
            pw / wall,
            pcpu / (online.user + online.sys),
            prss / rss as f64,
            preq / made as f64
        );
        verdicts.push((
            format!(
                "wall {:.1}× faster than the peer (target ≥ 10×, goal 20×)",
                pw / wall
            ),
            pw / wall >= 10.0,
        ));
        peer_figures = p;
    }
    println!();
    for (what, ok) in &verdicts {
        println!("verdict: {} {what}", if *ok { "met " } else { "MISSED" });
    }
    let all_met = verdicts.iter().all(|(_, ok)| *ok);
    if let Some(p) = &a.out {
        let v = json!({
            "scale": a.scale,
            "seeded": manifest,
            "seed_seconds": seed_secs,
            "wall_seconds": wall,
            "peak_rss_bytes": rss,
            "cpu_user_seconds": online.user,
            "cpu_system_seconds": online.sys,
            "report_bytes": report_bytes,
            "offline_wall_seconds": owall,
            "offline_cpu_seconds": ocpu,
            "offline_peak_rss_bytes": orss,
            "requests": called,
            "minimum": min,
            "ratio": ratio,
            "api_requests": report["api_requests"],
            "peer": peer_figures,
            "verdicts": verdicts.iter().map(|(w, ok)| json!({"target": w, "met": ok})).collect::<Vec<_>>(),
        });
        std::fs::write(p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
        eprintln!("bench: figures written to {}", p.display());
    }
    // `exit` runs no destructor: the private moto server (and the temporary directory) go
    // first, or a missed target would leave moto running.
    drop(emu);
    drop(dir);
    if !all_met {
        std::process::exit(1);
    }
}
