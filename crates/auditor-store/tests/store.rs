//! The store on a real SQLite file: migrations, the issue history across runs (new, still
//! open, resolved, reopened, and never resolved by a run that could not see it), diffs, and
//! what a run interrupted by a dead process leaves behind.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::{
    fingerprint, AuditResult, Evidence, Finding, Resource, Service, Severity, Status,
};
use auditor_store::{Store, StoreError, MIGRATIONS};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const ACCOUNT: &str = "111122223333";

fn finding(code: &str, id: &str, status: Status, observed: &str) -> Finding {
    let arn = format!("arn:aws:ec2:eu-west-1:{ACCOUNT}:security-group/{id}");
    let evidence = vec![Evidence {
        field: "IpPermissions".into(),
        observed: observed.into(),
        reason: "why".into(),
    }];
    Finding {
        code: code.into(),
        name: "n".into(),
        title: format!("{code} title"),
        severity: Severity::High,
        status,
        status_reason: (status == Status::NotAssessed).then(|| "AccessDenied".into()),
        resource: Resource {
            arn: arn.clone(),
            account: ACCOUNT.into(),
            region: Some("eu-west-1".into()),
            kind: "security-group".into(),
            id: id.into(),
            name: None,
        },
        fingerprint: fingerprint(code, status, &arn, &evidence),
        evidence,
        wa_ids: Vec::new(),
        remediation: String::new(),
        suppression: None,
    }
}

fn result(at: OffsetDateTime, checks: &[&str], findings: Vec<Finding>) -> AuditResult {
    AuditResult {
        account_id: ACCOUNT.into(),
        partition: "aws".into(),
        caller_arn: "arn:aws:iam::111122223333:role/auditor".into(),
        assumed_role: None,
        regions: vec!["eu-west-1".into()],
        services: vec![Service::Ec2],
        started_at: at,
        finished_at: at + Duration::seconds(5),
        checks_run: checks.iter().map(|c| (*c).to_owned()).collect(),
        findings,
        gaps: Vec::new(),
        state_access: Vec::new(),
        api: Default::default(),
    }
}

fn store_run(store: &mut Store, r: &AuditResult) -> (i64, auditor_store::RunChanges) {
    // Regions are not known yet when a run begins (discovery comes later).
    let id = store
        .begin_run(&r.account_id, &[], &["ec2".into()], r.started_at)
        .unwrap();
    let changes = store.finish_run(id, r).unwrap();
    (id, changes)
}

fn codes(entries: &[auditor_store::DiffEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| format!("{} {}", e.code, e.resource_arn.rsplit('/').next().unwrap()))
        .collect()
}

#[test]
fn history_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.db");
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let checks = ["EC2-001", "EC2-002"];
    let t0 = datetime!(2026-11-20 10:00 UTC);

    // Run 1: sg-a and sg-b fail.
    let r1 = result(
        t0,
        &checks,
        vec![
            finding("EC2-002", "sg-a", Status::Fail, "0.0.0.0/0 -> 22"),
            finding("EC2-002", "sg-b", Status::Fail, "0.0.0.0/0 -> 3389"),
            finding("EC2-001", "sg-c", Status::Pass, "no rule"),
        ],
    );
    let (run1, c1) = store_run(&mut store, &r1);
    assert_eq!(
        (c1.new, c1.still_open, c1.resolved, c1.reopened),
        (2, 0, 0, 0)
    );

    // Run 2: sg-a fixed, sg-b still open, sg-c newly open.
    let r2 = result(
        t0 + Duration::hours(1),
        &checks,
        vec![
            finding("EC2-002", "sg-a", Status::Pass, "no admin port open"),
            finding("EC2-002", "sg-b", Status::Fail, "0.0.0.0/0 -> 3389"),
            finding("EC2-001", "sg-c", Status::Fail, "0.0.0.0/0 -> all"),
        ],
    );
    let (run2, c2) = store_run(&mut store, &r2);
    assert_eq!(
        (c2.new, c2.still_open, c2.resolved, c2.reopened),
        (1, 1, 1, 0)
    );
    let d = store.diff(run1, run2).unwrap();
    assert_eq!(codes(&d.new), ["EC2-001 sg-c"]);
    assert_eq!(codes(&d.resolved), ["EC2-002 sg-a"]);
    assert_eq!(codes(&d.still_open), ["EC2-002 sg-b"]);
    assert!(d.not_assessed.is_empty());
    assert_eq!(store.latest_pair(None).unwrap(), (Some(run1), Some(run2)));

    // Run 3: EC2-002 could not be assessed on sg-b, and EC2-001 did not run: neither is
    // resolved, and the diff says it could not tell.
    let r3 = result(
        t0 + Duration::hours(2),
        &["EC2-002"],
        vec![finding("EC2-002", "sg-b", Status::NotAssessed, "")],
    );
    let (run3, c3) = store_run(&mut store, &r3);
    assert_eq!((c3.new, c3.resolved), (0, 0));
    let d = store.diff(run2, run3).unwrap();
    assert!(d.resolved.is_empty(), "{d:?}");
    assert_eq!(codes(&d.not_assessed), ["EC2-001 sg-c", "EC2-002 sg-b"]);
    let open: Vec<String> = store
        .issues(Some(ACCOUNT), Some("open"), None)
        .unwrap()
        .iter()
        .map(|i| format!("{} {}", i.code, i.resource_arn.rsplit('/').next().unwrap()))
        .collect();
    assert_eq!(open, ["EC2-001 sg-c", "EC2-002 sg-b"]);

    // Run 4: sg-a fails again the same way: reopened, first seen still run 1.
    let r4 = result(
        t0 + Duration::hours(3),
        &checks,
        vec![
            finding("EC2-002", "sg-a", Status::Fail, "0.0.0.0/0 -> 22"),
            finding("EC2-002", "sg-b", Status::Fail, "0.0.0.0/0 -> 3389"),
            finding("EC2-001", "sg-c", Status::Fail, "0.0.0.0/0 -> all"),
        ],
    );
    let (run4, c4) = store_run(&mut store, &r4);
    assert_eq!((c4.reopened, c4.still_open, c4.new), (1, 2, 0));
    let a = store
        .issues(Some(ACCOUNT), None, None)
        .unwrap()
        .into_iter()
        .find(|i| i.resource_arn.ends_with("sg-a"))
        .unwrap();
    assert_eq!(
        (a.first_seen_run, a.last_seen_run, a.reopened, a.state()),
        (run1, run4, 1, "open")
    );
    assert_eq!(a.first_seen_at, "2026-11-20T10:00:05Z");

    // Everything survives a reopen, and the stored report is the result as written.
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.runs(None).unwrap().len(), 4);
    assert_eq!(store.result(run2).unwrap(), r2);
    let row = store.run(run4).unwrap().unwrap();
    assert_eq!(row.regions, ["eu-west-1"]);
    assert_eq!(
        (row.status.as_str(), row.fail, row.pass),
        ("complete", 3, 0)
    );
}

#[test]
fn a_run_left_running_is_failed_at_the_next_open_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.db");
    let mut store = Store::open(&path).unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    let r1 = result(
        t0,
        &["EC2-002"],
        vec![finding("EC2-002", "sg-a", Status::Fail, "x")],
    );
    let (run1, _) = store_run(&mut store, &r1);
    let run2 = store
        .begin_run(ACCOUNT, &["eu-west-1".into()], &["ec2".into()], t0)
        .unwrap();
    drop(store); // the process dies here

    // A reader leaves it alone (its writer might still be at work)...
    let reader = Store::open(&path).unwrap();
    assert_eq!(reader.run(run2).unwrap().unwrap().status, "running");
    drop(reader);
    // ...a writer finds its process gone (this one, which no longer writes it) and fails it.
    let store = Store::open_for_writing(&path).unwrap();
    assert_eq!(store.recovered(), [run2]);
    let row = store.run(run2).unwrap().unwrap();
    assert_eq!(row.status, "failed");
    assert!(row.error.unwrap().starts_with("interrupted"));
    assert_eq!(store.result(run1).unwrap(), r1);
    assert_eq!(store.issues(None, Some("open"), None).unwrap().len(), 1);
    assert!(matches!(store.result(run2), Err(StoreError::NoSuchRun(_))));
    // A failed run cannot be completed afterwards, and says why.
    let mut store = store;
    let err = store.finish_run(run2, &r1).unwrap_err().to_string();
    assert_eq!(
        err,
        format!("run {run2} is failed, not running: it cannot take a result")
    );
    assert_eq!(store.result(run1).unwrap(), r1);
    // Opening again recovers nothing more.
    drop(store);
    assert!(Store::open_for_writing(&path)
        .unwrap()
        .recovered()
        .is_empty());
}

#[test]
fn a_store_from_a_newer_auditor_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.db");
    drop(Store::open(&path).unwrap());
    {
        let conn = rusqlite_conn(&path);
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("use a newer auditor"));
    assert_eq!(
        rusqlite_conn(&path)
            .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
            .unwrap(),
        99
    );
}

#[test]
fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "these are my notes, not a database, and long enough to matter",
    )
    .unwrap();
    let err = Store::open(&path).unwrap_err().to_string();
    assert!(err.contains("notes.txt"), "{err}");
    assert!(err.contains("not a database"), "{err}");
}

fn rusqlite_conn(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}
