//! The policy engine, through `auditor policy simulate`, against references it did not
//! write:
//!
//! - an independent IAM simulator, `@cloud-copilot/iam-simulate` (pinned in
//!   `tests/conformance/package-lock.json`, installed by `make test` with `npm ci`; AGPL, so
//!   a test tool only), on thousands of generated requests (targeted per feature, and
//!   seeded random ones). Every disagreement must be one the reviewed list
//!   `tests/conformance/disagreements.toml` explains with the AWS documentation, and it is
//!   excused only by its cause: the case with that feature taken out (the way the
//!   documentation's answer reads it: a literal `${...}` made plain text, a variable
//!   without value dropped from a negated operator, the caller's partial NotPrincipal
//!   entries removed, ...) must get the auditor's answer from the simulator;
//! - the IAM User Guide's own examples with the answers the guide gives
//!   (`aws-docs-cases.json`), and a regression case per class of error found in the
//!   engine this one replaced (`regressions.json`).
//!
//! `CONFORMANCE_CASES` (default 6000) and `CONFORMANCE_SEED` set the random part;
//! `make conformance` runs a larger set.

use crate::{auditor, repo_root, run};
use auditor_testkit::policy_cases::{random_cases, targeted_cases};
use serde_json::{json, Value};
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
    let mut excused: BTreeMap<String, usize> = BTreeMap::new();
    let mut excused_cases = 0usize;
    let mut unexplained = Vec::new();
    let mut reference_errors = Vec::new();
    // Disagreements on cases with an excusable feature: (case, our answer, features),
    // decided again by the simulator with those features taken out.
    let mut retry: Vec<(usize, Value, Vec<String>)> = Vec::new();
    for (i, ((case, r), o)) in cases.iter().zip(&refs).zip(&ours).enumerate() {
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
        let mine: Vec<String> = features
            .iter()
            .filter(|f| excusable.contains_key(**f))
            .map(|f| (*f).to_owned())
            .collect();
        if mine.is_empty() {
            unexplained.push(format!(
                "{id}: simulator {} auditor {} {}\n  case: {}",
                r["decision"],
                o["decision"],
                o["decidedBy"],
                strip(case)
            ));
        } else {
            retry.push((i, ours_in[i].clone(), mine));
        }
    }
    if !retry.is_empty() {
        let neutral: Vec<Value> = retry
            .iter()
            .map(|(_, c, features)| {
                features
                    .iter()
                    .fold(c.clone(), |c, f| neutralise::apply(&c, f))
            })
            .collect();
        let file = tmp.path().join("neutral.jsonl");
        std::fs::write(
            &file,
            neutral.iter().map(|c| format!("{c}\n")).collect::<String>(),
        )
        .unwrap();
        let again = reference(&file);
        // Taking a feature out must not change the auditor's own answer: a neutraliser
        // that did would excuse by rewriting the question.
        let ours_again = simulate(tmp.path(), "neutral-ours.jsonl", &neutral);
        for ((((i, _, features), n), r), o2) in
            retry.iter().zip(&neutral).zip(&again).zip(&ours_again)
        {
            let (case, o) = (&cases[*i], &ours[*i]);
            if o2["decision"] != o["decision"] {
                unexplained.push(format!(
                    "{}: taking out {} changes the auditor's own answer ({} to {})\n  case: {}",
                    case["id"].as_str().unwrap_or_default(),
                    features.join(", "),
                    o["decision"],
                    o2["decision"],
                    strip(case)
                ));
            } else if r.get("decision").is_some() && r["decision"] == o["decision"] {
                for f in features {
                    *excused.entry(f.clone()).or_default() += 1;
                }
                excused_cases += 1;
            } else {
                unexplained.push(format!(
                    "{}: simulator {} auditor {} {}; with {} taken out the simulator says {}\n  case: {}\n  taken out: {}",
                    case["id"].as_str().unwrap_or_default(),
                    refs[*i]["decision"],
                    o["decision"],
                    o["decidedBy"],
                    features.join(", "),
                    r.get("decision").unwrap_or(r),
                    strip(case),
                    n
                ));
            }
        }
    }
    let decided = cases.len() - reference_errors.len();
    println!(
        "{} cases: {agree} agree ({:.2} %), {excused_cases} explained by the documentation (the simulator agrees once the documented feature is taken out; per feature {excused:?}), {} unexplained, {} refused by the simulator",
        cases.len(),
        100.0 * agree as f64 / decided.max(1) as f64,
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

/// Taking a feature out of a case: the case as the AWS documentation reads it, in terms
/// the reference simulator reads the same way.
mod neutralise {
    use serde_json::{json, Value};

    /// The case with `feature` taken out (unchanged for a feature without a rule).
    pub(super) fn apply(case: &Value, feature: &str) -> Value {
        let mut c = case.clone();
        match feature {
            "variables-without-version" => without_version(&mut c),
            "negated-unresolved-variable" => negated_unresolved(&mut c),
            "not-principal-partial" => not_principal(&mut c),
            "root-user" => root_user(&mut c),
            "empty-value" => empty_values(&mut c),
            "null-qualifier" => null_qualifier(&mut c),
            "resource-segment-wildcard" => segment_wildcards(&mut c),
            _ => {}
        }
        c
    }

    /// The policies of a case, mutable.
    fn policies(c: &mut Value) -> Vec<&mut Value> {
        let mut out = Vec::new();
        let Some(m) = c.as_object_mut() else {
            return out;
        };
        for (k, v) in m.iter_mut() {
            match k.as_str() {
                "identity" => {
                    if let Some(a) = v.as_array_mut() {
                        out.extend(a.iter_mut());
                    }
                }
                "boundary" | "resourcePolicy" if v.is_object() => out.push(v),
                _ => {}
            }
        }
        out
    }

    fn statements(doc: &mut Value) -> Vec<&mut Value> {
        match doc.get_mut("Statement") {
            Some(Value::Array(a)) => a.iter_mut().collect(),
            Some(s @ Value::Object(_)) => vec![s],
            _ => Vec::new(),
        }
    }

    fn strings(v: &mut Value, f: &dyn Fn(&str) -> String) {
        match v {
            Value::String(s) => *s = f(s),
            Value::Array(a) => a.iter_mut().for_each(|x| strings(x, f)),
            Value::Object(m) => m.values_mut().for_each(|x| strings(x, f)),
            _ => {}
        }
    }

    /// Without Version 2012-10-17, `${...}` is text: spelled so that no simulator reads a
    /// variable in it, in the policy and in the context alike.
    fn without_version(c: &mut Value) {
        let plain = |s: &str| s.replace("${", "#{");
        let mut touched = false;
        for doc in policies(c) {
            if doc.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
                strings(doc, &plain);
                touched = true;
            }
        }
        if touched {
            if let Some(ctx) = c.get_mut("context") {
                strings(ctx, &plain);
            }
        }
    }

    /// The case's context: whether `key` has a value (a non-empty single one), given or
    /// following from the principal (as `policy simulate` derives it).
    fn has_value(c: &Value, key: &str) -> bool {
        let given = c
            .get("context")
            .and_then(Value::as_object)
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)));
        if let Some((_, v)) = given {
            return v.as_str().is_some_and(|s| !s.is_empty());
        }
        let principal = c["principal"].as_str().unwrap_or_default();
        let parts: Vec<&str> = principal.splitn(6, ':').collect();
        let derived = |k: &str| match k {
            "aws:principalarn" | "aws:principalaccount" | "aws:principaltype" => parts.len() == 6,
            "aws:username" => parts.len() == 6 && parts[5].starts_with("user/"),
            "aws:userid" => {
                parts.len() == 6 && (parts[5] == "root" || parts[5].starts_with("federated-user/"))
            }
            _ => false,
        };
        if principal.is_empty() {
            return matches!(
                key.to_ascii_lowercase().as_str(),
                "aws:principalaccount" | "aws:userid" | "aws:principaltype"
            );
        }
        derived(&key.to_ascii_lowercase())
    }

    /// Whether `value` holds a policy variable with no value (and no default).
    fn unresolved(c: &Value, value: &str) -> bool {
        let mut rest = value;
        while let Some(i) = rest.find("${") {
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else { break };
            let inner = &after[..end];
            if !matches!(inner, "*" | "?" | "$")
                && !inner.contains(',')
                && !has_value(c, inner.trim())
            {
                return true;
            }
            rest = &after[end + 1..];
        }
        false
    }

    /// A negated operator matches a variable with no value: the value drops out (and a
    /// key left with none, its condition).
    fn negated_unresolved(c: &mut Value) {
        let snapshot = c.clone();
        for doc in policies(c) {
            if doc.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
                continue;
            }
            for s in statements(doc) {
                let Some(cond) = s.get_mut("Condition").and_then(Value::as_object_mut) else {
                    continue;
                };
                for (op, block) in cond.iter_mut() {
                    let base = op.rsplit(':').next().unwrap_or(op).to_ascii_lowercase();
                    if !(base.starts_with("stringnot") || base.starts_with("arnnot")) {
                        continue;
                    }
                    let Some(b) = block.as_object_mut() else {
                        continue;
                    };
                    for v in b.values_mut() {
                        let mut list: Vec<Value> = match v.take() {
                            Value::Array(a) => a,
                            x => vec![x],
                        };
                        list.retain(|x| !x.as_str().is_some_and(|t| unresolved(&snapshot, t)));
                        *v = Value::Array(list);
                    }
                    b.retain(|_, v| v.as_array().is_some_and(|a| !a.is_empty()));
                }
                cond.retain(|_, b| b.as_object().is_some_and(|m| !m.is_empty()));
                if cond.is_empty() {
                    if let Some(m) = s.as_object_mut() {
                        m.remove("Condition");
                    }
                }
            }
        }
    }

    /// A NotPrincipal leaves the caller out only when every level of its identity is
    /// listed, and a Deny with NotPrincipal applies to a caller with a boundary: otherwise
    /// its entries for the caller come out.
    fn not_principal(c: &mut Value) {
        let caller = c["principal"].as_str().unwrap_or_default().to_owned();
        let has_boundary = c.get("boundary").is_some_and(Value::is_object);
        let parts: Vec<&str> = caller.splitn(6, ':').collect();
        if parts.len() < 6 {
            return;
        }
        let account = parts[4].to_owned();
        let root = format!("arn:aws:iam::{account}:root");
        let (role, session) = match parts[5].strip_prefix("assumed-role/") {
            Some(rest) => {
                let name = rest.split('/').next().unwrap_or_default();
                (
                    Some(format!("arn:aws:iam::{account}:role/{name}")),
                    Some(caller.clone()),
                )
            }
            None => (None, None),
        };
        let chain: Vec<String> = [
            Some(account.clone()),
            Some(root.clone()),
            role.clone(),
            session.clone(),
            Some(caller.clone()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let Some(rp) = c.get_mut("resourcePolicy").filter(|v| v.is_object()) else {
            return;
        };
        for s in statements(rp) {
            let deny = s["Effect"] == "Deny";
            let Some(np) = s.get_mut("NotPrincipal").and_then(|n| n.get_mut("AWS")) else {
                continue;
            };
            let names: Vec<String> = match &*np {
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                Value::String(x) => vec![x.clone()],
                _ => continue,
            };
            let listed = |x: &str| names.iter().any(|n| n == x);
            let account_listed = listed(&account) || listed(&root);
            let role_listed = |r: &str| {
                names.iter().any(|n| {
                    n.rsplit('/').next().is_some_and(|last| {
                        last.eq_ignore_ascii_case(r.rsplit('/').next().unwrap_or_default())
                    }) && n.starts_with(&format!("arn:aws:iam::{account}:role/"))
                })
            };
            let excluded = if parts[5] == "root" {
                account_listed
            } else if let (Some(r), Some(s)) = (&role, &session) {
                account_listed && role_listed(r) && listed(s)
            } else {
                account_listed && listed(&caller)
            };
            if excluded && !(deny && has_boundary) {
                continue;
            }
            let kept: Vec<Value> = names
                .iter()
                .filter(|n| {
                    !chain.contains(n)
                        && !role.as_deref().is_some_and(|r| {
                            n.starts_with(&format!("arn:aws:iam::{account}:role/"))
                                && role_listed(r)
                                && n.rsplit('/')
                                    .next()
                                    .unwrap_or_default()
                                    .eq_ignore_ascii_case(r.rsplit('/').next().unwrap_or_default())
                        })
                })
                .map(|n| json!(n))
                .collect();
            *np = if kept.is_empty() {
                json!(["arn:aws:iam::000000000000:root"])
            } else {
                Value::Array(kept)
            };
        }
    }

    /// The root user has full access to its own account: an identity policy that says so.
    fn root_user(c: &mut Value) {
        let caller = c["principal"].as_str().unwrap_or_default().to_owned();
        let parts: Vec<&str> = caller.splitn(6, ':').collect();
        let own = c.get("resourceAccount").and_then(Value::as_str);
        if parts.len() == 6 && parts[5] == "root" && own.is_none_or(|a| a == parts[4]) {
            let allow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
            match c.get_mut("identity").and_then(Value::as_array_mut) {
                Some(a) => a.push(allow),
                None => c["identity"] = json!([allow]),
            }
        }
    }

    /// An empty value is no value.
    fn empty_values(c: &mut Value) {
        if let Some(m) = c.get_mut("context").and_then(Value::as_object_mut) {
            m.retain(|_, v| match v {
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => a.is_empty() || a.iter().any(|x| x.as_str() != Some("")),
                _ => true,
            });
        }
    }

    /// `ForAllValues:Null` is always true (the entry comes out), `ForAnyValue:Null` always
    /// false (it becomes a condition on a key no request has).
    fn null_qualifier(c: &mut Value) {
        for doc in policies(c) {
            for s in statements(doc) {
                let Some(cond) = s.get_mut("Condition").and_then(Value::as_object_mut) else {
                    continue;
                };
                let mut never = false;
                cond.retain(|op, _| {
                    let l = op.to_ascii_lowercase();
                    if l == "foranyvalue:null" {
                        never = true;
                    }
                    l != "forallvalues:null" && l != "foranyvalue:null"
                });
                if never {
                    let block = cond.entry("StringEquals").or_insert_with(|| json!({}));
                    if let Some(b) = block.as_object_mut() {
                        b.insert("aws:AuditorNeverSent".into(), json!("x"));
                    }
                }
                if cond.is_empty() {
                    if let Some(m) = s.as_object_mut() {
                        m.remove("Condition");
                    }
                }
            }
        }
    }

    /// A Resource ARN with a wildcard before its resource id, which matches the request's
    /// resource as the Resource element's page reads it, becomes that resource.
    fn segment_wildcards(c: &mut Value) {
        let resource = c["resource"].as_str().unwrap_or_default().to_owned();
        for doc in policies(c) {
            for s in statements(doc) {
                for key in ["Resource", "NotResource"] {
                    let Some(v) = s.get_mut(key) else { continue };
                    let swap = |p: &mut Value| {
                        if let Some(t) = p.as_str() {
                            if t.contains(['*', '?']) && resource_matches(t, &resource) {
                                *p = json!(resource);
                            }
                        }
                    };
                    match v {
                        Value::Array(a) => a.iter_mut().for_each(swap),
                        x => swap(x),
                    }
                }
            }
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Char(char),
        /// `*`: any run, or any run without colons.
        Star {
            colons: bool,
        },
        /// `?`: one character, or one that is not a colon.
        One {
            colons: bool,
        },
    }

    /// "IAM JSON policy elements: Resource": `*` and `?` within a segment; a `*` that is the
    /// last character of a segment may run past colons; the resource part (after the fifth
    /// colon) is one segment. A short ARN not ending in `*` has its missing segments as
    /// `*`, and without a wildcard matches nothing.
    pub(super) fn resource_matches(pattern: &str, text: &str) -> bool {
        if pattern.bytes().all(|b| b == b'*') {
            return true;
        }
        let colons = pattern.matches(':').count();
        let short = colons < 5;
        let mut p = pattern.to_owned();
        if short && !pattern.ends_with('*') {
            if !pattern.contains(['*', '?']) {
                return false;
            }
            p.push_str(&":*".repeat(5 - colons));
        }
        let crossing = (short && pattern.ends_with('*'))
            || (!short && pattern.splitn(6, ':').take(5).any(|seg| seg.ends_with('*')));
        let chars: Vec<char> = p.chars().collect();
        let mut toks = Vec::new();
        let mut seen = 0;
        for (i, ch) in chars.iter().enumerate() {
            let in_resource = seen >= 5;
            match ch {
                ':' => {
                    seen += 1;
                    toks.push(Tok::Char(':'));
                }
                '*' => {
                    let ends = chars.get(i + 1).is_none_or(|n| *n == ':');
                    toks.push(Tok::Star {
                        colons: in_resource || (crossing && ends),
                    });
                }
                '?' => toks.push(Tok::One {
                    colons: in_resource,
                }),
                c => toks.push(Tok::Char(*c)),
            }
        }
        let t: Vec<char> = text.chars().collect();
        let mut memo = vec![vec![None; t.len() + 1]; toks.len() + 1];
        fn go(
            toks: &[Tok],
            t: &[char],
            i: usize,
            j: usize,
            memo: &mut Vec<Vec<Option<bool>>>,
        ) -> bool {
            if let Some(v) = memo[i][j] {
                return v;
            }
            let v = match toks.get(i) {
                None => j == t.len(),
                Some(Tok::Char(c)) => t.get(j) == Some(c) && go(toks, t, i + 1, j + 1, memo),
                Some(Tok::One { colons }) => {
                    t.get(j).is_some_and(|c| *colons || *c != ':')
                        && go(toks, t, i + 1, j + 1, memo)
                }
                Some(Tok::Star { colons }) => {
                    go(toks, t, i + 1, j, memo)
                        || (t.get(j).is_some_and(|c| *colons || *c != ':')
                            && go(toks, t, i, j + 1, memo))
                }
            };
            memo[i][j] = Some(v);
            v
        }
        go(&toks, &t, 0, 0, &mut memo)
    }

    #[test]
    fn resource_patterns_as_the_documentation_reads_them() {
        assert!(resource_matches(
            "arn:aws:s3:*:tf-state/*",
            "arn:aws:s3:::tf-state/a"
        ));
        assert!(resource_matches(
            "arn:aws:s3:*:*:tf-*/*",
            "arn:aws:s3:::tf-state/a"
        ));
        assert!(!resource_matches(
            "arn:aws:s3:::tf-state/x*",
            "arn:aws:s3:::tf-state/a"
        ));
        assert!(resource_matches(
            "arn:aws:logs:*:log-group:app:*",
            "arn:aws:logs:us-east-1:111122223333:log-group:app:log-stream:web"
        ));
        assert!(!resource_matches(
            "arn:aws:logs:us-*-1:*:x",
            "arn:aws:logs:us-east:2-1:1:x"
        ));
    }
}

/// The outsider analysis (`reach`, behind IAM-001, IAM-002, S3-005 and ECR-004) against
/// the reference simulator: every request it gives as getting in must be allowed by the
/// simulator, and for a policy it finds closed, sampled outsider requests (any kind of
/// principal of a foreign account, each key the policy tests absent or set to values an
/// outsider can send) must all be refused.
#[test]
fn the_outsider_analysis_agrees_with_an_independent_simulator() {
    use auditor_policy::reach::{actions, reach, Inside, Org, Outsiders, Question, Reach, Target};
    use auditor_policy::{ContextValue, PolicyDocument};
    use auditor_testkit::policy_cases::{outsider_policies, Rng, ACCOUNT, OTHER};

    const ROLE: &str = "arn:aws:iam::111122223333:role/target";
    const NOW: &str = "2026-12-01T00:00:00Z";
    let n: usize = std::env::var("CONFORMANCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(400, |c: usize| (c / 15).max(400));
    let seed: u64 = std::env::var("CONFORMANCE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_201);
    let inside = Inside {
        account: ACCOUNT,
        partition: "aws",
        trusted: &[],
        org: Org::Known("o-abc123"),
        now: Some(NOW),
    };
    let allow_all = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let bucket_targets = [
        Target {
            arn: "arn:aws:s3:::tf-state",
            any_suffix: false,
            actions: actions::S3_BUCKET,
        },
        Target {
            arn: "arn:aws:s3:::tf-state/",
            any_suffix: true,
            actions: actions::S3_OBJECT,
        },
    ];
    let trust_targets = [Target {
        arn: ROLE,
        any_suffix: false,
        actions: &["sts:AssumeRole"],
    }];
    let mut rng = Rng::new(seed);
    // (policy id, what reach said, the case put to the simulator, whether it must allow)
    let mut checks: Vec<(String, String, Value, bool)> = Vec::new();
    let (mut open, mut closed, mut undecided) = (0usize, 0usize, Vec::new());
    // Each policy is asked about outsiders of any account (S3-005, ECR-004) and, for trust
    // policies, also about accounts the policy does not name (IAM-001): the sampled
    // outsiders come from those accounts.
    let mut asks: Vec<(Value, Outsiders)> = Vec::new();
    for p in outsider_policies(seed, n) {
        if p["kind"] == "trust" {
            asks.push((p.clone(), Outsiders::Anyone));
        }
        asks.push((p, Outsiders::OtherAccounts));
    }
    for (p, who) in asks {
        let id = format!(
            "{}-{}",
            p["id"].as_str().unwrap_or_default(),
            if who == Outsiders::Anyone {
                "unnamed"
            } else {
                "any"
            }
        );
        let trust = p["kind"] == "trust";
        let doc = PolicyDocument::from_json(&p["policy"]).unwrap();
        let q = Question {
            who,
            targets: if trust {
                &trust_targets
            } else {
                &bucket_targets
            },
            anonymous: !trust,
            ..Question::default()
        };
        let accounts: &[&str] = if who == Outsiders::Anyone {
            &["999999999999", "444455550000"]
        } else {
            &[OTHER, "999999999999", "444455550000"]
        };
        match reach(&doc, &q, &inside) {
            Reach::Open(w) => {
                open += 1;
                let context: serde_json::Map<String, Value> = w
                    .values
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            match v {
                                ContextValue::One(s) => json!(s),
                                ContextValue::Many(l) => json!(l),
                            },
                        )
                    })
                    .collect();
                let case = json!({
                    "id": format!("{id}-witness"),
                    "principal": w.caller,
                    "action": w.action,
                    "resource": w.resource,
                    "resourceAccount": ACCOUNT,
                    "context": context,
                    "identity": if w.caller.is_some() { json!([allow_all]) } else { json!([]) },
                    "resourcePolicy": p["policy"],
                });
                checks.push((id, w.describe(), case, true));
            }
            Reach::Closed { .. } | Reach::Nobody => {
                closed += 1;
                for k in 0..24 {
                    let case =
                        outsider_request(&mut rng, &p["policy"], trust, &allow_all, accounts);
                    let mut case = case;
                    case["id"] = json!(format!("{id}-sample-{k}"));
                    checks.push((id.clone(), "closed".into(), case, false));
                }
            }
            Reach::Undecided(why) => undecided.push(format!("{id}: {why}")),
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("reach.jsonl");
    std::fs::write(
        &file,
        checks
            .iter()
            .map(|(_, _, c, _)| format!("{c}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let answers = reference(&file);
    assert_eq!(answers.len(), checks.len(), "one reference answer per case");
    let mut wrong = Vec::new();
    let mut refused = Vec::new();
    for ((id, said, case, must_allow), a) in checks.iter().zip(&answers) {
        if let Some(e) = a.get("error") {
            refused.push(format!("{id}: {e}"));
            continue;
        }
        let allowed = a["decision"] == "Allowed";
        if allowed != *must_allow {
            wrong.push(format!(
                "{id}: reach says {said}; the simulator says {} for {case}",
                a["decision"]
            ));
        }
    }
    println!(
        "{n} policies ({} questions): {open} open (each witness put to the simulator), {closed} closed ({} outsider requests sampled), {} undecided; {} wrong",
        open + closed + undecided.len(),
        closed * 24,
        undecided.len(),
        wrong.len()
    );
    assert!(
        refused.is_empty(),
        "the simulator refused cases:\n{}",
        refused.join("\n")
    );
    assert!(undecided.is_empty(), "undecided:\n{}", undecided.join("\n"));
    assert!(
        wrong.is_empty(),
        "{} answers of the outsider analysis the simulator contradicts:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    let _ = OTHER;
}

/// A request an outsider can make: a role session, user or root user of another account,
/// each key the policy tests absent or set to a value an outsider can send (not this
/// account's organisation, endpoint or addresses; the time is now).
fn outsider_request(
    rng: &mut auditor_testkit::policy_cases::Rng,
    policy: &Value,
    trust: bool,
    allow_all: &Value,
    accounts: &[&str],
) -> Value {
    use auditor_testkit::policy_cases::OTHER;
    let account = *rng.pick(accounts);
    // Role sessions and users, and for buckets the root user (it cannot assume a role).
    let (caller, principal_arn, kind, username): (String, String, &str, Option<&str>) =
        match rng.below(if trust { 3 } else { 4 }) {
            0 => (
                format!("arn:aws:sts::{account}:assumed-role/ci/s1"),
                format!("arn:aws:iam::{account}:role/ci"),
                "AssumedRole",
                None,
            ),
            1 => (
                format!("arn:aws:sts::{account}:assumed-role/app/alice"),
                format!("arn:aws:iam::{account}:role/app"),
                "AssumedRole",
                None,
            ),
            2 => (
                format!("arn:aws:iam::{account}:user/deployer"),
                format!("arn:aws:iam::{account}:user/deployer"),
                "User",
                Some("deployer"),
            ),
            _ => (
                format!("arn:aws:iam::{account}:root"),
                format!("arn:aws:iam::{account}:root"),
                "Account",
                None,
            ),
        };
    let anonymous = !trust && rng.chance(20);
    let mut ctx = serde_json::Map::new();
    if !anonymous {
        ctx.insert("aws:PrincipalArn".into(), json!(principal_arn));
        ctx.insert("aws:PrincipalAccount".into(), json!(account));
        ctx.insert("aws:PrincipalType".into(), json!(kind));
        if let Some(u) = username {
            ctx.insert("aws:username".into(), json!(u));
        }
        ctx.insert(
            "aws:userid".into(),
            json!(match kind {
                "Account" => account.to_owned(),
                "User" => "AIDAEXAMPLEOUTSIDER01".to_owned(),
                _ => format!(
                    "AROAEXAMPLEOUTSIDER01:{}",
                    caller.rsplit('/').next().unwrap_or_default()
                ),
            }),
        );
        match rng.below(3) {
            0 => {}
            1 => {
                ctx.insert("aws:PrincipalOrgID".into(), json!("o-partner99"));
                ctx.insert(
                    "aws:PrincipalOrgPaths".into(),
                    json!(["o-partner99/r-ab12/ou-ab12-22222222/"]),
                );
            }
            _ => {
                ctx.insert("aws:PrincipalOrgID".into(), json!("o-other777"));
                ctx.insert(
                    "aws:PrincipalOrgPaths".into(),
                    json!(["o-other777/r-cd34/"]),
                );
            }
        }
        if rng.chance(50) {
            ctx.insert(
                "aws:PrincipalTag/team".into(),
                json!(*rng.pick(&["crm", "ops"])),
            );
        }
    }
    ctx.insert("aws:CurrentTime".into(), json!("2026-12-01T00:00:00Z"));
    ctx.insert(
        "aws:SecureTransport".into(),
        json!(*rng.pick(&["true", "false"])),
    );
    if rng.chance(70) {
        ctx.insert(
            "aws:SourceIp".into(),
            json!(*rng.pick(&["198.51.100.7", "8.8.8.8", "100.64.0.1", "2001:db8::7"])),
        );
    }
    if rng.chance(30) {
        ctx.insert("aws:SourceVpce".into(), json!("vpce-outsider"));
    }
    if rng.chance(30) {
        ctx.insert("aws:CalledVia".into(), json!(["athena.amazonaws.com"]));
    }
    if trust && rng.chance(50) {
        ctx.insert(
            "sts:ExternalId".into(),
            json!(*rng.pick(&["agreed", "guess"])),
        );
    }
    if !trust && rng.chance(30) {
        ctx.insert("aws:SourceAccount".into(), json!(OTHER));
        ctx.insert(
            "aws:SourceArn".into(),
            json!(format!("arn:aws:cloudtrail:us-east-1:{OTHER}:trail/t")),
        );
    }
    let (action, resource) = if trust {
        (
            "sts:AssumeRole".to_owned(),
            "arn:aws:iam::111122223333:role/target".to_owned(),
        )
    } else {
        match rng.below(5) {
            0 => ("s3:ListBucket".into(), "arn:aws:s3:::tf-state".into()),
            1 => ("s3:GetBucketPolicy".into(), "arn:aws:s3:::tf-state".into()),
            2 => (
                "s3:PutObject".into(),
                "arn:aws:s3:::tf-state/public/x".into(),
            ),
            3 => (
                "s3:DeleteObject".into(),
                "arn:aws:s3:::tf-state/env/prod.tfstate".into(),
            ),
            _ => (
                "s3:GetObject".into(),
                "arn:aws:s3:::tf-state/env/prod.tfstate".into(),
            ),
        }
    };
    json!({
        "principal": if anonymous { Value::Null } else { json!(caller) },
        "action": action,
        "resource": resource,
        "resourceAccount": "111122223333",
        "context": ctx,
        "identity": if anonymous { json!([]) } else { json!([allow_all]) },
        "resourcePolicy": policy,
    })
}
