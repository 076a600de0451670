//! Every check against its fixture: `fixtures/<CODE>.json` holds an inventory with good and
//! bad resources side by side and the status each must get. The test demands exactly those
//! findings (no more, no fewer), at least one pass and one fail per check, and pins the
//! findings' evidence in an insta snapshot. One test per check, named by its code:
//! `cargo test -p auditor-checks --test fixtures EKS-008` runs one (a custom harness, so
//! that a test can be named `EKS-008`).

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_checks::{all, run_check, Settings};
use auditor_model::{Inventory, Status};
use libtest_mimic::{Arguments, Failed, Trial};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the snapshot pins of a finding. A struct, not `json!`, so that the field order does
/// not depend on serde_json features another crate of the workspace turns on.
#[derive(Serialize)]
struct Pinned {
    resource: String,
    status: Status,
    severity: auditor_model::Severity,
    evidence: Vec<auditor_model::Evidence>,
    status_reason: Option<String>,
}

/// A fixture: one inventory with its expected statuses, or several `cases` (for checks of
/// account-wide settings, where one inventory can only hold one case), and the settings to
/// run with (defaults otherwise).
#[derive(Deserialize)]
struct Fixture {
    #[serde(flatten)]
    single: Option<Case>,
    #[serde(default)]
    cases: Vec<Case>,
    /// As the configuration's `[checks]` table: `{"iam": {"break_glass_roles": [...]}}`.
    #[serde(default)]
    settings: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Case {
    expect: BTreeMap<String, Status>,
    inventory: Inventory,
}

/// The settings a fixture sets, as the configuration file's `[checks]` table would (read
/// by the same function as the CLI's configuration).
fn settings_of(v: &serde_json::Value) -> Result<Settings, String> {
    let mut r = auditor_checks::config::Reader::default();
    let today = time::OffsetDateTime::now_utc().date();
    let (settings, _) = auditor_checks::config::read(Some(v), None, today, &mut r);
    if r.problems.is_empty() {
        Ok(settings)
    } else {
        Err(format!("fixture settings: {:?}", r.problems))
    }
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// One check against its fixture: the expected statuses, a pass and a fail, evidence on
/// every finding, and the pinned evidence.
fn meets_its_fixture(check: &'static dyn auditor_checks::Check) -> Result<(), Failed> {
    let code = check.meta().code;
    let path = fixture_dir().join(format!("{code}.json"));
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("{code}: no fixture at {}: {e}", path.display()))?;
    let fx: Fixture = serde_json::from_str(&text)
        .map_err(|e| format!("{}: malformed fixture: {e}", path.display()))?;
    let settings = match &fx.settings {
        Some(v) => settings_of(v)?,
        None => Settings::default(),
    };
    let cases: Vec<&Case> = fx.single.iter().chain(&fx.cases).collect();
    if cases.is_empty() {
        return Err(format!("{code}: fixture has no case").into());
    }
    let mut problems = Vec::new();
    let mut pinned = Vec::new();
    let mut statuses = Vec::new();
    for case in cases {
        let findings = run_check(check, &case.inventory, &settings);
        let got: BTreeMap<String, Status> = findings
            .iter()
            .map(|f| {
                let key = format!(
                    "{}/{}",
                    f.resource.region.as_deref().unwrap_or("global"),
                    f.resource.id
                );
                (key, f.status)
            })
            .collect();
        if got.len() != findings.len() {
            problems.push(format!("{code}: two findings for one resource"));
        }
        if got != case.expect {
            problems.push(format!(
                "{code}: expected {:#?}\ngot {:#?}",
                case.expect, got
            ));
        }
        statuses.extend(case.expect.values().copied());
        for f in &findings {
            if f.code != code || f.fingerprint.len() != 32 {
                problems.push(format!(
                    "{code}: finding {} has code {} and fingerprint {}",
                    f.resource.id, f.code, f.fingerprint
                ));
            }
            // A failure's remediation names its own resource: no placeholder the resource
            // answers (its kind, region, account, ARN) is left in it.
            if f.status == Status::Fail && f.resource.id != "*" {
                let mut own = vec!["<account>".to_owned(), "<arn>".to_owned()];
                if f.resource.region.is_some() {
                    own.push("<region>".into());
                }
                if &*f.resource.kind == "nodegroup" {
                    own.extend(["<cluster>".into(), "<nodegroup>".into()]);
                } else if auditor_checks::RESOURCE_PLACEHOLDERS.contains(&&*f.resource.kind) {
                    own.push(format!("<{}>", f.resource.kind));
                }
                for p in own.iter().filter(|p| f.remediation.contains(p.as_str())) {
                    problems.push(format!(
                        "{code}: the remediation of {} still says {p}: {}",
                        f.resource.id, f.remediation
                    ));
                }
            }
            match f.status {
                Status::NotAssessed if f.status_reason.is_none() => problems.push(format!(
                    "{code}: {} not assessed without a reason",
                    f.resource.id
                )),
                Status::NotAssessed => {}
                _ if f.evidence.is_empty() => {
                    problems.push(format!("{code}: {} without evidence", f.resource.id))
                }
                _ => {}
            }
        }
        pinned.extend(findings.into_iter().map(|f| Pinned {
            resource: format!(
                "{}/{}",
                f.resource.region.as_deref().unwrap_or("global"),
                f.resource.id
            ),
            status: f.status,
            severity: f.severity,
            evidence: f.evidence,
            status_reason: f.status_reason,
        }));
    }
    for s in [Status::Fail, Status::Pass] {
        if !statuses.contains(&s) {
            problems.push(format!("{code}: fixture has no {} case", s.as_str()));
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n\n").into());
    }
    // The snapshot's assertion panics on a mismatch, and the harness reports it as this
    // check's failure.
    insta::assert_json_snapshot!(code, pinned);
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = all()
        .iter()
        .map(|check| {
            let check: &'static dyn auditor_checks::Check = *check;
            Trial::test(check.meta().code, move || meets_its_fixture(check))
        })
        .collect();
    trials.push(Trial::test("no_orphaned_fixtures_or_snapshots", || {
        no_orphaned_fixtures_or_snapshots();
        Ok(())
    }));
    trials.push(Trial::test("checks_md_is_current", || {
        checks_md_is_current();
        Ok(())
    }));
    libtest_mimic::run(&args, trials).exit();
}

fn no_orphaned_fixtures_or_snapshots() {
    let codes: Vec<&str> = all().iter().map(|c| c.meta().code).collect();
    for entry in std::fs::read_dir(fixture_dir()).expect("fixtures dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let code = name.trim_end_matches(".json");
        assert!(
            codes.contains(&code),
            "fixture {name} belongs to no registered check"
        );
    }
    let snaps = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    if let Ok(dir) = std::fs::read_dir(snaps) {
        for entry in dir {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            let code = name
                .trim_start_matches("fixtures__")
                .trim_end_matches(".snap");
            assert!(
                codes.contains(&code),
                "snapshot {name} belongs to no registered check"
            );
        }
    }
}

fn checks_md_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../CHECKS.md");
    let want = auditor_checks::docs::checks_markdown();
    if std::env::var_os("UPDATE_CHECKS_MD").is_some() {
        std::fs::write(&path, &want).expect("write CHECKS.md");
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "CHECKS.md is stale: run `make checks-md` and commit it"
    );
}
