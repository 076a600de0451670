//! Every check against its fixture: `fixtures/<CODE>.json` holds an inventory with good and
//! bad resources side by side and the status each must get. The test demands exactly those
//! findings (no more, no fewer), at least one pass and one fail per check, and pins the
//! findings' evidence in an insta snapshot.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_checks::{all, run_check, Settings, StateSettings};
use auditor_model::{Inventory, Status};
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
    #[serde(default)]
    settings: FixtureSettings,
}

#[derive(Deserialize)]
struct Case {
    expect: BTreeMap<String, Status>,
    inventory: Inventory,
}

/// The settings a fixture may set.
#[derive(Deserialize, Default)]
struct FixtureSettings {
    #[serde(default)]
    break_glass_roles: Vec<String>,
    #[serde(default)]
    iam_trusted_accounts: Vec<String>,
    #[serde(default)]
    eks_cluster_admins: Vec<String>,
    #[serde(default)]
    s3_trusted_accounts: Vec<String>,
    #[serde(default)]
    s3_state_admins: Vec<String>,
}

impl FixtureSettings {
    fn settings(&self) -> Settings {
        Settings {
            break_glass_roles: self.break_glass_roles.clone(),
            iam_trusted_accounts: self.iam_trusted_accounts.clone(),
            eks_cluster_admins: self.eks_cluster_admins.clone(),
            s3: StateSettings {
                trusted_accounts: self.s3_trusted_accounts.clone(),
                state_admins: self.s3_state_admins.clone(),
                ..StateSettings::default()
            },
            ..Settings::default()
        }
    }
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[test]
fn every_check_meets_its_fixture() {
    let mut problems = Vec::new();
    for check in all() {
        let code = check.meta().code;
        let path = fixture_dir().join(format!("{code}.json"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{code}: no fixture at {}: {e}", path.display()));
                continue;
            }
        };
        let fx: Fixture = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: malformed fixture: {e}", path.display()));
        let settings = fx.settings.settings();
        let cases: Vec<&Case> = fx.single.iter().chain(&fx.cases).collect();
        assert!(!cases.is_empty(), "{code}: fixture has no case");
        let mut pinned = Vec::new();
        let mut statuses = Vec::new();
        for case in cases {
            let findings = run_check(*check, &case.inventory, &settings);
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
            assert_eq!(
                got.len(),
                findings.len(),
                "{code}: two findings for one resource"
            );
            if got != case.expect {
                problems.push(format!(
                    "{code}: expected {:#?}\ngot {:#?}",
                    case.expect, got
                ));
            }
            statuses.extend(case.expect.values().copied());
            for f in &findings {
                assert_eq!(f.code, code);
                assert_eq!(f.fingerprint.len(), 32);
                match f.status {
                    Status::NotAssessed => assert!(
                        f.status_reason.is_some(),
                        "{code}: not assessed without a reason"
                    ),
                    _ => assert!(
                        !f.evidence.is_empty(),
                        "{code}: {} without evidence",
                        f.resource.id
                    ),
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

        insta::assert_json_snapshot!(code, pinned);
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

#[test]
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

#[test]
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
