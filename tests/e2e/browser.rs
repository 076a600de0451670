//! The HTML review report of the demo account in a real browser: Debian's Chromium, driven
//! headless by playwright-core (tests/browser, installed by `make test`). Two stored runs
//! (so that the report has changes to show), a suppression and the demo's coverage gaps;
//! the page's sections, counts and remediations checked against the JSON report and
//! `auditor diff`; nothing fetched from elsewhere; no wider than the window; printed to
//! PDF. Screenshots for people: target/browser/review-report{,-top}.png.

use crate::emulator::seed_demo;
use crate::{auditor, repo_root, run};
use auditor_testkit::{unique_account, Emulator};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What the browser made of the page (tests/browser/review.mjs); fails with instructions
/// when Node.js, the test's packages or Chromium are missing.
fn open_in_chromium(page: &Path, out: &Path) -> Value {
    let script = repo_root().join("tests/browser/review.mjs");
    assert!(
        repo_root()
            .join("tests/browser/node_modules/playwright-core")
            .exists(),
        "tests/browser/node_modules is missing: run `make browser-tools` (or `make test`), which installs playwright-core and Debian's chromium"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: run `make browser-tools` (apt-get install chromium), or set CHROMIUM to a Chromium binary"
    );
    let r = std::process::Command::new("node")
        .arg(&script)
        .arg(page)
        .arg(out)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node is needed for the browser test: install Node.js (Debian: apt-get install nodejs npm)");
    assert!(
        r.status.success(),
        "the browser could not open {}: {}",
        page.display(),
        String::from_utf8_lossy(&r.stderr)
    );
    serde_json::from_slice(&r.stdout).expect("review.mjs prints JSON")
}

#[test]
fn the_review_report_of_the_demo_account_in_chromium() {
    let emu = Emulator::shared();
    let account = unique_account();
    let dir = tempfile::tempdir().expect("tempdir");
    seed_demo(&emu, &account, dir.path());
    let db = dir.path().join("auditor.db");
    let accepted = crate::emulator::accepted_legacy_grant(&account);
    // Run 1: the demo account through the emulator, stored.
    let cfg1 = crate::emulator::demo_config_with(dir.path(), &accepted);
    let r = run(crate::emulator::demo_audit(&emu, &account, &cfg1)
        .arg("--store")
        .arg(&db));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Run 2: the same account, with SSH no longer an administration port: its EC2-002
    // failures resolve. The review report is written before the run is stored.
    let sub = dir.path().join("run2");
    std::fs::create_dir_all(&sub).expect("dir");
    let cfg2 = crate::emulator::demo_config_with(
        &sub,
        &format!("{accepted}\n[checks.ec2]\nadmin_ports = [3389]\n"),
    );
    let out = dir.path().join("out");
    let r = run(crate::emulator::demo_audit(&emu, &account, &cfg2)
        .arg("--store")
        .arg(&db)
        .arg("--output")
        .arg(out.join("review.html"))
        .arg("--output")
        .arg(out.join("report.json")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("HTML review report written to"),
        "{}",
        r.stderr
    );
    let page = out.join("review.html");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).expect("json"))
            .expect("json");
    // The same page from the store afterwards (`report --run 2`): byte for byte.
    let again = out.join("again.html");
    let r = run(auditor()
        .args(["report", "--run", "2", "--store"])
        .arg(&db)
        .arg("--output")
        .arg(&again));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&again).expect("again"),
        std::fs::read_to_string(&page).expect("page"),
        "the review report of run 2 is the same from the audit and from the store"
    );
    let diff = run(auditor()
        .args(["diff", "--format", "json", "--store"])
        .arg(&db));
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let diff: Value = serde_json::from_str(&diff.stdout).expect("diff json");

    let shots = repo_root().join("target/browser");
    let dom = open_in_chromium(&page, &shots);

    // Self-contained: nothing fetched, no script, nothing said on the console.
    assert_eq!(dom["requests"], serde_json::json!([]), "{dom}");
    assert_eq!(dom["scripts"], 0);
    assert_eq!(dom["external_links_in_head"], 0);
    assert_eq!(dom["console"], serde_json::json!([]), "{dom}");
    assert_eq!(dom["wider_than_window"], false, "the page fits 1280 px");
    assert!(dom["pdf_pages"].as_u64().unwrap_or(0) >= 2, "{dom}");
    for png in ["review-report.png", "review-report-top.png"] {
        let bytes = std::fs::read(shots.join(png)).expect("screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{png}"
        );
    }

    // Every section, in order.
    assert_eq!(
        dom["sections"],
        serde_json::json!([
            "scope",
            "summary",
            "practices",
            "state-access",
            "changes",
            "findings",
            "gaps",
            "checks"
        ])
    );
    assert_eq!(dom["sections_visible"], true);
    assert!(dom["h1"]
        .as_str()
        .unwrap_or_default()
        .contains(account.as_str()));

    // The totals are the JSON report's.
    let summary = &json["summary"];
    for key in [
        "fail",
        "pass",
        "not_assessed",
        "suppressed",
        "coverage_gaps",
    ] {
        assert_eq!(dom["tiles"][key], summary[key], "{key}");
    }
    assert_eq!(dom["findings"]["fail"], summary["fail"]);
    assert_eq!(dom["findings"]["not_assessed"], summary["not_assessed"]);
    assert_eq!(dom["findings"]["pass"], 0, "passes are counted, not listed");
    // Each failing or unassessed finding once, and only those.
    let shown: Vec<&str> = dom["finding_fingerprints"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default())
        .collect();
    let open: BTreeSet<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["status"] != "pass")
        .map(|f| f["fingerprint"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(shown.len(), open.len(), "no finding shown twice");
    assert_eq!(shown.into_iter().collect::<BTreeSet<_>>(), open);
    assert_eq!(dom["accepted"], serde_json::json!(["S3-005"]));

    // The practices at a glance: every practice of the catalog, verdicts as in the JSON.
    let rollup = json["wa_rollup"].as_array().expect("rollup");
    assert_eq!(dom["practice_rows"], rollup.len());
    let mut verdicts: BTreeMap<String, u64> = BTreeMap::new();
    for p in rollup {
        *verdicts
            .entry(p["status"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    for (status, n) in &verdicts {
        assert_eq!(dom["practices"][status], *n, "{status}");
        assert_eq!(dom["verdict_tiles"][status], *n, "{status}");
    }
    assert_eq!(
        dom["checks"],
        json["checks"].as_array().expect("checks").len()
    );
    let gaps = json["coverage_gaps"].as_array().expect("gaps").len();
    assert!(gaps > 0, "the demo has coverage gaps");
    assert_eq!(dom["gaps"], gaps);

    // The state access matrix: a table per analysed bucket, a row per principal.
    let analysed: Vec<&Value> = json["state_access"]
        .as_array()
        .expect("state access")
        .iter()
        .filter(|m| m.get("not_assessed_reason").is_none())
        .collect();
    assert!(!analysed.is_empty());
    for m in analysed {
        let bucket = m["bucket"].as_str().unwrap_or_default();
        assert_eq!(
            dom["matrices"][bucket],
            m["rows"].as_array().expect("rows").len(),
            "{bucket}"
        );
    }

    // What changed since run 1, as `auditor diff` says.
    for kind in ["new", "resolved", "still_open", "not_assessed"] {
        let n = diff[kind].as_array().expect("diff list").len();
        assert_eq!(dom["changes"][kind]["said"], n, "{kind}");
        assert_eq!(dom["changes"][kind]["rows"], n, "{kind}");
    }
    // SSH's EC2-002 failures resolved (EC2-005's NACL findings name other ports now: their
    // evidence, and so their fingerprints, changed).
    assert!(
        diff["resolved"]
            .as_array()
            .expect("resolved")
            .iter()
            .any(|e| e["code"] == "EC2-002"),
        "{diff}"
    );

    // Remediation names the finding's own resource.
    let mut named = 0;
    for f in json["findings"].as_array().expect("findings") {
        if f["status"] != "fail" {
            continue;
        }
        let shown = dom["remediations"][f["fingerprint"].as_str().unwrap_or_default()]
            .as_str()
            .unwrap_or_default();
        assert!(shown.starts_with("Remediation:"), "{shown}");
        let id = f["resource"]["id"].as_str().unwrap_or_default();
        if f["code"] == "EC2-001" || f["code"] == "EC2-003" {
            assert!(shown.contains(&format!("--group-id {id}")), "{shown}");
            named += 1;
        }
        if f["code"] == "S3-002" {
            assert!(shown.contains(&format!("--bucket {id}")), "{shown}");
            named += 1;
        }
    }
    assert!(named >= 2, "the demo fails EC2-001/003 and S3-002");
}
