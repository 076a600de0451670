//! The policy engine, through `auditor policy simulate`, against references it did not
//! write:
//!
//! - an independent IAM simulator, `@cloud-copilot/iam-simulate` (pinned in
//!   `tests/conformance/package-lock.json`, installed by `make test` with `npm ci`; AGPL, so
//!   a test tool only), on thousands of generated requests (targeted per feature, and
//!   seeded random ones). Every disagreement must be one the reviewed list
//!   `tests/conformance/disagreements.toml` explains with the AWS documentation;
//! - the IAM User Guide's own examples with the answers the guide gives
//!   (`aws-docs-cases.json`), and a regression case per class of error found in the
//!   engine this one replaced (`regressions.json`).
//!
//! `CONFORMANCE_CASES` (default 6000) and `CONFORMANCE_SEED` set the random part;
//! `make conformance` runs a larger set.

use crate::{auditor, repo_root, run};
use auditor_testkit::policy_cases::{random_cases, targeted_cases};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn conformance_dir() -> PathBuf {
    repo_root().join("tests/conformance")
}

/// The reference simulator's answers for `cases` (JSON lines in `file`), one per case.
fn reference(file: &Path) -> Vec<Value> {
    let dir = conformance_dir();
    assert!(
        dir.join("node_modules/@cloud-copilot/iam-simulate")
            .is_dir(),
        "the reference simulator is not installed: run `make test` (it runs `npm ci --prefix \
         tests/conformance`), or that npm command yourself; Node.js and npm are needed"
    );
    let out = Command::new("node")
        .arg(dir.join("reference.mjs"))
        .arg(file)
        .output()
        .expect(
            "run node (Node.js is needed for the conformance test: install it, or run `make test`)",
        );
    assert!(
        out.status.success(),
        "reference.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("reference answers are JSON lines"))
        .collect()
}

/// `auditor policy simulate` on `cases`, one answer per case.
fn simulate(dir: &Path, name: &str, cases: &[Value]) -> Vec<Value> {
    let file = dir.join(name);
    let text: String = cases.iter().map(|c| format!("{c}\n")).collect();
    std::fs::write(&file, text).unwrap();
    let r = run(auditor().args(["policy", "simulate"]).arg(&file));
    assert!(
        r.code == 0 || r.code == 1,
        "policy simulate exited {}: {}",
        r.code,
        r.stderr
    );
    let answers: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("answers are JSON lines"))
        .collect();
    assert_eq!(answers.len(), cases.len(), "one answer per case");
    answers
}

/// A case as `policy simulate` reads it: without the test's own fields.
fn strip(case: &Value) -> Value {
    let mut c = case.clone();
    if let Some(m) = c.as_object_mut() {
        for k in ["features", "expect", "source", "class"] {
            m.remove(k);
        }
    }
    c
}

#[derive(serde::Deserialize)]
struct Disagreements {
    disagreement: Vec<Disagreement>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Disagreement {
    feature: String,
    summary: String,
    title: String,
    url: String,
    passage: String,
    /// A case of `aws-docs-cases.json` or `regressions.json` where the documentation's
    /// answer is the auditor's.
    regression: String,
}

fn load_json(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(conformance_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_engine_agrees_with_an_independent_simulator() {
    let n: usize = std::env::var("CONFORMANCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6000);
    let seed: u64 = std::env::var("CONFORMANCE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_201);
    let mut cases = targeted_cases();
    cases.extend(random_cases(seed, n));
    assert!(cases.len() >= 5000 || n < 5000, "{} cases", cases.len());

    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("cases.jsonl");
    let text: String = cases.iter().map(|c| format!("{}\n", strip(c))).collect();
    std::fs::write(&input, text).unwrap();
    let refs = reference(&input);
    assert_eq!(refs.len(), cases.len(), "one reference answer per case");

    // Both decide the request the reference simulator actually used: it drops context keys
    // that do not apply to the action and coerces values to each key's type.
    let ours_in: Vec<Value> = cases
        .iter()
        .zip(&refs)
        .map(|(c, r)| {
            let mut c = strip(c);
            if let (Some(m), Some(ctx)) = (c.as_object_mut(), r.get("context")) {
                m.insert("context".into(), ctx.clone());
            }
            c
        })
        .collect();
    let ours = simulate(tmp.path(), "ours.jsonl", &ours_in);

    let list: Disagreements = toml::from_str(
        &std::fs::read_to_string(conformance_dir().join("disagreements.toml")).unwrap(),
    )
    .unwrap();
    let excusable: BTreeMap<&str, &Disagreement> = list
        .disagreement
        .iter()
        .map(|d| (d.feature.as_str(), d))
        .collect();
    let mut agree = 0usize;
    let mut excused: BTreeMap<&str, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut reference_errors = Vec::new();
    for ((case, r), o) in cases.iter().zip(&refs).zip(&ours) {
        let id = case["id"].as_str().unwrap_or_default();
        if let Some(e) = r.get("error") {
            reference_errors.push(format!("{id}: {e}"));
            continue;
        }
        assert!(
            o.get("error").is_none(),
            "the auditor could not decide {id}: {o}"
        );
        if r["decision"] == o["decision"] {
            agree += 1;
            continue;
        }
        let features: BTreeSet<&str> = case["features"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match features.iter().find(|f| excusable.contains_key(**f)) {
            Some(f) => *excused.entry(*f).or_default() += 1,
            None => unexplained.push(format!(
                "{id}: simulator {} auditor {} {}\n  case: {}",
                r["decision"],
                o["decision"],
                o["decidedBy"],
                strip(case)
            )),
        }
    }
    let decided = cases.len() - reference_errors.len();
    println!(
        "{} cases: {agree} agree ({:.2} %), {} explained by the documentation {excused:?}, {} unexplained, {} refused by the simulator",
        cases.len(),
        100.0 * agree as f64 / decided.max(1) as f64,
        excused.values().sum::<usize>(),
        unexplained.len(),
        reference_errors.len()
    );
    assert!(
        reference_errors.is_empty(),
        "the reference simulator refused {} generated cases (the generator must make valid ones):\n{}",
        reference_errors.len(),
        reference_errors.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(
        unexplained.is_empty(),
        "{} disagreements with the reference simulator that disagreements.toml does not explain:\n{}",
        unexplained.len(),
        unexplained.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn every_listed_disagreement_cites_the_documentation_and_has_a_regression_case() {
    let list: Disagreements = toml::from_str(
        &std::fs::read_to_string(conformance_dir().join("disagreements.toml")).unwrap(),
    )
    .unwrap();
    let mut known: BTreeSet<String> = BTreeSet::new();
    for c in load_json("aws-docs-cases.json")
        .iter()
        .chain(&load_json("regressions.json"))
    {
        known.insert(c["id"].as_str().unwrap_or_default().to_owned());
    }
    for d in &list.disagreement {
        assert!(
            d.url.starts_with("https://docs.aws.amazon.com/"),
            "{}: cite the AWS documentation",
            d.feature
        );
        assert!(!d.title.is_empty() && d.passage.len() > 20 && !d.summary.is_empty());
        assert!(
            known.contains(&d.regression),
            "{}: regression case {} is in neither aws-docs-cases.json nor regressions.json",
            d.feature,
            d.regression
        );
    }
}

/// Runs documented cases and demands the documented answer for each.
fn documented(name: &str) {
    let cases = load_json(name);
    let tmp = tempfile::tempdir().unwrap();
    let stripped: Vec<Value> = cases.iter().map(strip).collect();
    let answers = simulate(tmp.path(), "cases.jsonl", &stripped);
    let wrong: Vec<String> = cases
        .iter()
        .zip(&answers)
        .filter(|(c, a)| a.get("decision") != c.get("expect"))
        .map(|(c, a)| {
            format!(
                "{}: expected {} (\"{}\", {}), got {a}",
                c["id"], c["expect"], c["source"]["passage"], c["source"]["url"]
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} cases of {name} differ from the documentation:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_engine_gives_the_iam_user_guides_answers() {
    documented("aws-docs-cases.json");
}

#[test]
fn each_class_of_error_of_the_former_engine_has_a_regression_case() {
    let cases = load_json("regressions.json");
    let classes: BTreeSet<u64> = cases.iter().filter_map(|c| c["class"].as_u64()).collect();
    assert_eq!(
        classes,
        (1..=11).collect(),
        "a case for each of the eleven classes"
    );
    documented("regressions.json");
}
