//! The store on a real SQLite file and on a real PostgreSQL server (the one
//! `tests/pg/with-postgres.sh` starts for `make test`, its URL in `AUDITOR_TEST_POSTGRES`):
//! migrations, the issue history across runs (new, still open, resolved, reopened, and never
//! resolved by a run that could not see it), diffs, and what a run interrupted by a dead
//! process leaves behind. Each test that does not depend on SQLite's file runs on both;
//! without a PostgreSQL server they fail, saying how to get one.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::{
    fingerprint, AuditResult, Evidence, Finding, Resource, Service, Severity, Status,
};
use auditor_store::{Location, Store, StoreError, MIGRATIONS};
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
        code: code.to_owned().into(),
        name: "n".into(),
        title: format!("{code} title").into(),
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
        wa_ids: Vec::new().into(),
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
        state_access_groups: Vec::new(),
        api: Default::default(),
        incomplete: Default::default(),
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

/// A fresh store: a SQLite file in a temporary directory, or a new database on the test
/// PostgreSQL server.
struct Fresh {
    location: Location,
    _dir: Option<tempfile::TempDir>,
}

fn test_postgres() -> String {
    std::env::var("AUDITOR_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "AUDITOR_TEST_POSTGRES is not set: run the tests with `make test`, or wrap them \
             in tests/pg/with-postgres.sh -- cargo test (it starts a throwaway PostgreSQL \
             from the machine's initdb and pg_ctl; Debian: apt-get install -y postgresql)"
        )
    })
}

/// Runs `f` with a client of the database at `url`, on a runtime of its own.
fn with_client<T>(url: &str, f: impl AsyncFnOnce(&tokio_postgres::Client) -> T) -> T {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {url}: {e}"));
        tokio::spawn(conn);
        f(&client).await
    })
}

/// A new, empty database on the test server, as a URL.
fn fresh_database(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let url = test_postgres();
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    with_client(&url, async |c| {
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap()
    });
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// One fresh store of each kind.
fn fresh_stores() -> Vec<Fresh> {
    let dir = tempfile::tempdir().unwrap();
    vec![
        Fresh {
            location: Location::File(dir.path().join("auditor.db")),
            _dir: Some(dir),
        },
        Fresh {
            location: Location::Postgres(fresh_database("store")),
            _dir: None,
        },
    ]
}

/// Runs `sql` (no parameters) on the store's database directly, as another writer would.
fn raw(location: &Location, sql: &str) {
    match location {
        Location::File(p) => rusqlite_conn(p).execute_batch(sql).unwrap(),
        Location::Postgres(url) => with_client(url, async |c| c.batch_execute(sql).await.unwrap()),
    }
}

/// The text the query `sql` answers, read directly.
fn raw_text(location: &Location, sql: &str) -> String {
    match location {
        Location::File(p) => rusqlite_conn(p).query_row(sql, [], |r| r.get(0)).unwrap(),
        Location::Postgres(url) => with_client(url, async |c| {
            c.query_one(sql, &[]).await.unwrap().get::<_, String>(0)
        }),
    }
}

/// Tests run on a SQLite file and on PostgreSQL: `fn name(loc) { ... }`.
macro_rules! on_both {
    ($(fn $name:ident($loc:ident) $body:block)*) => {$(
        #[test]
        fn $name() {
            for fresh in fresh_stores() {
                let $loc: &Location = &fresh.location;
                eprintln!("on {}", $loc);
                $body
            }
        }
    )*};
}

on_both! {
fn history_across_runs(loc) {
    let mut store = Store::open_at(loc).unwrap();
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
    let store = Store::open_at(loc).unwrap();
    assert_eq!(store.runs(None).unwrap().len(), 4);
    assert_eq!(store.result(run2).unwrap(), r2);
    let row = store.run(run4).unwrap().unwrap();
    assert_eq!(row.regions, ["eu-west-1"]);
    assert_eq!(
        (row.status.as_str(), row.fail, row.pass),
        ("complete", 3, 0)
    );
}}

on_both! {
fn a_run_left_running_is_failed_at_the_next_open_and_nothing_else_changes(loc) {
    let mut store = Store::open_at(loc).unwrap();
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
    let reader = Store::open_at(loc).unwrap();
    assert_eq!(reader.run(run2).unwrap().unwrap().status, "running");
    drop(reader);
    // ...a writer finds its process gone (this one, which no longer writes it) and fails it.
    let store = Store::open_at_for_writing(loc).unwrap();
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
    assert!(Store::open_at_for_writing(loc)
        .unwrap()
        .recovered()
        .is_empty());
}}

on_both! {
fn a_store_from_a_newer_auditor_is_refused_untouched(loc) {
    drop(Store::open_at(loc).unwrap());
    let (set, get) = match loc {
        Location::File(_) => ("PRAGMA user_version = 99", "SELECT CAST(user_version AS TEXT) FROM pragma_user_version"),
        Location::Postgres(_) => (
            "UPDATE auditor_schema SET version = 99",
            "SELECT version::text FROM auditor_schema",
        ),
    };
    raw(loc, set);
    let err = Store::open_at(loc).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("use a newer auditor"));
    assert_eq!(raw_text(loc, get), "99");
}}

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

on_both! {
fn an_issue_a_run_could_not_see_stays_open_as_unknown_until_seen_again(loc) {
    let mut store = Store::open_at(loc).unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    let fail = finding("EC2-002", "sg-a", Status::Fail, "0.0.0.0/0 -> 22");
    let unseen = finding("EC2-002", "sg-a", Status::NotAssessed, "");
    let (run1, _) = store_run(&mut store, &result(t0, &["EC2-002"], vec![fail.clone()]));
    // Throttled out, then a malformed answer: the finding is not assessed twice.
    let (run2, c2) = store_run(
        &mut store,
        &result(t0 + Duration::hours(1), &["EC2-002"], vec![unseen.clone()]),
    );
    assert_eq!((c2.resolved, c2.unknown), (0, 1));
    store_run(
        &mut store,
        &result(t0 + Duration::hours(2), &["EC2-002"], vec![unseen]),
    );
    let issue = |store: &Store| store.issues(Some(ACCOUNT), None, None).unwrap().remove(0);
    let i = issue(&store);
    assert_eq!(
        (
            i.state(),
            i.unknown_since_run,
            i.last_seen_run,
            i.resolved_run
        ),
        ("unknown", Some(run2), run1, None)
    );
    assert_eq!(store.issues(None, Some("unknown"), None).unwrap().len(), 1);
    assert_eq!(store.issues(None, Some("open"), None).unwrap().len(), 1);
    assert!(store
        .issues(None, Some("resolved"), None)
        .unwrap()
        .is_empty());
    // Seen failing again: open and known.
    let (run4, c4) = store_run(
        &mut store,
        &result(t0 + Duration::hours(3), &["EC2-002"], vec![fail]),
    );
    assert_eq!((c4.still_open, c4.unknown), (1, 0));
    let i = issue(&store);
    assert_eq!((i.state(), i.last_seen_run), ("open", run4));
    // Seen passing: resolved.
    let pass = finding("EC2-002", "sg-a", Status::Pass, "none");
    let (run5, c5) = store_run(
        &mut store,
        &result(t0 + Duration::hours(4), &["EC2-002"], vec![pass]),
    );
    assert_eq!(c5.resolved, 1);
    let i = issue(&store);
    assert_eq!(
        (i.state(), i.resolved_run, i.unknown_since_run),
        ("resolved", Some(run5), None)
    );
}}

/// Rewrites who writes run `id` and when it last said so, as another container would have.
fn set_writer(location: &Location, id: i64, owner: &str, pid: i64, beat: OffsetDateTime) {
    let beat = beat
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    raw(
        location,
        &format!(
            "UPDATE runs SET owner = '{owner}', owner_pid = {pid}, heartbeat_at = '{beat}' \
             WHERE id = {id}"
        ),
    );
}

on_both! {
fn a_live_run_of_another_container_is_judged_by_its_lease_not_by_a_pid(loc) {
    let mut store = Store::open_at_for_writing(loc).unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    let id = store.begin_run(ACCOUNT, &[], &["ec2".into()], t0).unwrap();
    let ours = raw_text(loc, &format!("SELECT owner FROM runs WHERE id = {id}"));
    drop(store);
    // Another container on the same volume: its PID means nothing here (no such process
    // in this namespace), but it renewed its lease a moment ago.
    let other = "auditor-7f9c/pid:[4026532999]/1/1764583200000000000";
    set_writer(loc, id, other, 999_999_999, OffsetDateTime::now_utc());
    let store = Store::open_at_for_writing(loc).unwrap();
    assert!(store.recovered().is_empty());
    assert_eq!(store.run(id).unwrap().unwrap().status, "running");
    drop(store);
    // Its lease lapsed: it is gone, and says so.
    let stale = OffsetDateTime::now_utc() - auditor_store::LEASE - Duration::seconds(1);
    set_writer(loc, id, other, 999_999_999, stale);
    let mut store = Store::open_at_for_writing(loc).unwrap();
    assert_eq!(store.recovered(), [id]);
    let row = store.run(id).unwrap().unwrap();
    assert_eq!(row.status, "failed");
    assert!(row.error.unwrap().contains("lease"));
    // Not ours: its result cannot be stored by this process.
    let r = result(t0, &["EC2-002"], vec![]);
    assert!(store.finish_run(id, &r).is_err());
    // Ours, taken for dead while it was paused: the finished result is still stored.
    drop(store);
    raw(
        loc,
        &format!("UPDATE runs SET owner = '{ours}' WHERE id = {id}"),
    );
    let mut store = Store::open_at(loc).unwrap();
    store.finish_run(id, &r).unwrap();
    assert_eq!(store.run(id).unwrap().unwrap().status, "complete");
}}

on_both! {
fn a_heartbeat_renews_the_lease_of_a_running_run(loc) {
    let mut store = Store::open_at_for_writing(loc).unwrap();
    let id = store
        .begin_run(ACCOUNT, &[], &["ec2".into()], OffsetDateTime::now_utc())
        .unwrap();
    let beat = || raw_text(loc, &format!("SELECT heartbeat_at FROM runs WHERE id = {id}"));
    raw(
        loc,
        &format!("UPDATE runs SET heartbeat_at = '2000-01-01T00:00:00Z' WHERE id = {id}"),
    );
    let hb = store.heartbeat(id, std::time::Duration::from_millis(20));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while beat().starts_with("2000") {
        assert!(std::time::Instant::now() < deadline, "no heartbeat written");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(hb);
    assert!(beat().starts_with("20"), "{}", beat());
}}

#[cfg(unix)]
#[test]
fn the_store_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let new = dir.path().join("new.db");
    drop(Store::open_for_writing(&new).unwrap());
    assert_eq!(mode(&new), 0o600);
    // One an older auditor created world-readable is tightened.
    let old = dir.path().join("old.db");
    let reader = Store::open(&old).unwrap(); // keeps its -wal and -shm files
    let journals = [dir.path().join("old.db-wal"), dir.path().join("old.db-shm")];
    for f in std::iter::once(&old).chain(&journals) {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    drop(Store::open_for_writing(&old).unwrap());
    for f in std::iter::once(&old).chain(&journals) {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    drop(reader);
}

#[test]
fn a_finished_run_waits_out_a_busy_store_instead_of_being_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auditor.db");
    let mut store = Store::open_for_writing(&path).unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    let id = store.begin_run(ACCOUNT, &[], &["ec2".into()], t0).unwrap();
    // Another writer holds the database past the 10 s busy timeout.
    let (locked, is_locked) = std::sync::mpsc::channel();
    let holder = {
        let path = path.clone();
        std::thread::spawn(move || {
            let conn = rusqlite_conn(&path);
            conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
            locked.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_secs(11));
            conn.execute_batch("COMMIT").unwrap();
        })
    };
    is_locked.recv().unwrap();
    let r = result(
        t0,
        &["EC2-002"],
        vec![finding("EC2-002", "sg-a", Status::Fail, "x")],
    );
    let changes = store.finish_run(id, &r).unwrap();
    holder.join().unwrap();
    assert_eq!(changes.new, 1);
    assert_eq!(store.result(id).unwrap(), r);
}

on_both! {
fn a_gap_that_cost_a_check_data_keeps_its_issues_unknown_even_where_it_passed(loc) {
    let mut store = Store::open_at(loc).unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    let mut global = finding(
        "S3-008",
        "deployer",
        Status::Fail,
        "reads crm's state in bucket b",
    );
    global.resource.region = None;
    let regional = finding("EC2-002", "sg-a", Status::Fail, "0.0.0.0/0 -> 22");
    let checks = ["S3-008", "EC2-002"];
    store_run(
        &mut store,
        &result(t0, &checks, vec![global.clone(), regional.clone()]),
    );

    // Run 2: bucket b was throttled out (a gap costing S3-008, in us-east-1) and an EC2 gap
    // in another region; both resources now look fine.
    let mut pass_global = finding(
        "S3-008",
        "deployer",
        Status::Pass,
        "no cross-team access seen",
    );
    pass_global.resource.region = None;
    let pass_regional = finding("EC2-002", "sg-a", Status::Pass, "none");
    let mut r2 = result(
        t0 + Duration::hours(1),
        &checks,
        vec![pass_global, pass_regional],
    );
    r2.incomplete = [
        ("S3-008".to_owned(), Some("us-east-1".to_owned())),
        ("EC2-002".to_owned(), Some("us-west-2".to_owned())),
    ]
    .into();
    let (run2, c2) = store_run(&mut store, &r2);
    // The principal's evidence spans every bucket: not known fixed. The security group was
    // seen passing in a region no gap touched: resolved.
    assert_eq!((c2.resolved, c2.unknown), (1, 1));
    let states: Vec<(String, &str, Option<i64>)> = store
        .issues(Some(ACCOUNT), None, None)
        .unwrap()
        .iter()
        .map(|i| (i.code.clone(), i.state(), i.unknown_since_run))
        .collect();
    assert_eq!(
        states,
        [
            ("EC2-002".to_owned(), "resolved", None),
            ("S3-008".to_owned(), "unknown", Some(run2))
        ]
    );
    let d = store.diff(1, run2).unwrap();
    assert_eq!(codes(&d.resolved), ["EC2-002 sg-a"]);
    assert_eq!(codes(&d.not_assessed), ["S3-008 deployer"]);
}}

on_both! {
fn an_issue_outside_a_runs_scope_is_left_as_it_was(loc) {
    let mut store = Store::open_at(loc).unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    store_run(
        &mut store,
        &result(
            t0,
            &["EC2-002"],
            vec![finding("EC2-002", "sg-a", Status::Fail, "x")],
        ),
    );
    // A run of other checks only (say `--services iam`): the EC2 issue is neither resolved
    // nor unknown, just not this run's business.
    let (_, c) = store_run(
        &mut store,
        &result(t0 + Duration::hours(1), &["IAM-001"], vec![]),
    );
    assert_eq!((c.resolved, c.unknown), (0, 0));
    let i = store.issues(Some(ACCOUNT), None, None).unwrap().remove(0);
    assert_eq!((i.state(), i.unknown_since_run), ("open", None));
}}

on_both! {
fn prune_keeps_the_newest_runs_and_pending_announcements_follow_their_issues(loc) {
    let mut store = Store::open_at(loc).unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    let fail = finding("EC2-002", "sg-a", Status::Fail, "0.0.0.0/0 -> 22");
    let (_, c1) = store_run(&mut store, &result(t0, &["EC2-002"], vec![fail.clone()]));
    assert_eq!(c1.raised.len(), 1, "new: raised");
    let raised = c1.raised.clone();
    // A delivery that failed is pending, and found again while the issue is open.
    store.mark_pending(ACCOUNT, "hook", &raised).unwrap();
    assert_eq!(store.pending(ACCOUNT, "hook").unwrap(), raised);
    assert!(store.pending(ACCOUNT, "other").unwrap().is_empty());
    store.mark_notified(ACCOUNT, "hook", &raised).unwrap();
    assert!(store.pending(ACCOUNT, "hook").unwrap().is_empty());
    assert_eq!(
        store
            .already_notified(ACCOUNT, "hook", &raised)
            .unwrap()
            .len(),
        1
    );
    let (_, c2) = store_run(
        &mut store,
        &result(t0 + Duration::hours(1), &["EC2-002"], vec![fail.clone()]),
    );
    assert!(c2.raised.is_empty(), "still open: not raised again");
    for h in 2..5 {
        store_run(
            &mut store,
            &result(t0 + Duration::hours(h), &["EC2-002"], vec![fail.clone()]),
        );
    }
    let running = store.begin_run(ACCOUNT, &[], &["ec2".into()], t0).unwrap();
    let removed = store.prune(ACCOUNT, 2).unwrap();
    assert_eq!(removed, [3, 2, 1]);
    let ids: Vec<i64> = store.runs(None).unwrap().iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [running, 5, 4],
        "the newest two and the one in progress"
    );
    let issue = store.issues(Some(ACCOUNT), None, None).unwrap().remove(0);
    assert_eq!(issue.first_seen_run, 1, "history stays whole");
    Store::probe_writable_at(loc).unwrap();
    let missing = match loc {
        Location::File(p) => Location::File(p.with_file_name("missing.db")),
        Location::Postgres(url) => Location::Postgres(format!("{url}_missing")),
    };
    assert!(Store::probe_writable_at(&missing).is_err());
}}

#[test]
fn replicas_writing_one_postgres_store_at_once_lose_nothing() {
    let url = fresh_database("replicas");
    let location = Location::Postgres(url);
    drop(Store::open_at_for_writing(&location).unwrap());
    let t0 = datetime!(2026-11-20 10:00 UTC);
    // Three replicas, each storing runs of its own accounts at the same time. (They are
    // opened first: in one process they share a PID, which a replica opening later would
    // take for an earlier process's, reused.)
    let stores: Vec<Store> = (0..3)
        .map(|_| Store::open_at_for_writing(&location).unwrap())
        .collect();
    let ids: Vec<Vec<i64>> = std::thread::scope(|s| {
        let handles: Vec<_> = stores
            .into_iter()
            .enumerate()
            .map(|(replica, mut store)| {
                s.spawn(move || {
                    (0..5)
                        .map(|i| {
                            let mut r = result(
                                t0,
                                &["EC2-002"],
                                vec![finding("EC2-002", "sg-a", Status::Fail, "x")],
                            );
                            r.account_id = format!("{:012}", replica * 100 + i);
                            store_run(&mut store, &r).0
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let store = Store::open_at(&location).unwrap();
    let mut all: Vec<i64> = ids.into_iter().flatten().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 15, "every run its own id");
    let runs = store.runs(None).unwrap();
    assert_eq!(runs.len(), 15);
    assert!(runs.iter().all(|r| r.status == "complete"));
    assert_eq!(store.issues(None, Some("open"), None).unwrap().len(), 15);
}

#[test]
fn a_postgres_store_never_shows_its_password() {
    let url = fresh_database("secret");
    // The test server trusts every login, so a password is accepted and ignored.
    let with_password = url.replacen("://auditor@", "://auditor:s3cret-pw@", 1);
    assert_ne!(with_password, url, "the test URL names its user");
    let location = Location::Postgres(with_password.clone());
    let mut store = Store::open_at_for_writing(&location).unwrap();
    assert!(!store.location().to_string().contains("s3cret-pw"));
    let err = store.result(42).unwrap_err().to_string();
    assert!(err.contains("auditor:***@"), "{err}");
    assert!(!err.contains("s3cret-pw"), "{err}");
    store
        .begin_run(ACCOUNT, &[], &["ec2".into()], OffsetDateTime::now_utc())
        .unwrap();
    // A server that is not there: the error names it, without the password.
    let gone = Location::Postgres("postgres://auditor:s3cret-pw@127.0.0.1:1/auditor".into());
    let err = Store::open_at(&gone).unwrap_err().to_string();
    assert!(
        err.contains("postgres://auditor:***@127.0.0.1:1/auditor"),
        "{err}"
    );
    assert!(!err.contains("s3cret-pw"), "{err}");
}

/// The URL of a fresh database with `query` added (TLS settings).
fn with_query(url: &str, query: &str) -> String {
    format!("{url}?{query}")
}

fn ca_file(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests under tests/pg/with-postgres.sh (make test), which makes the test server's certificates")
    })
}

/// Connections to the database `name` that use TLS, seen by the server.
fn tls_connections(name: &str) -> String {
    raw_text(
        &Location::Postgres(test_postgres()),
        &format!(
            "SELECT count(*)::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE s.ssl AND a.datname = '{name}'"
        ),
    )
}

#[test]
fn tls_to_postgres_verifies_the_server_when_the_url_asks_for_it() {
    let url = fresh_database("tls");
    let name = url.rsplit('/').next().unwrap().to_owned();
    let ca = ca_file("AUDITOR_TEST_POSTGRES_CA");
    // Verified against the CA that signed the server's certificate (for 127.0.0.1).
    let verified = Location::Postgres(with_query(
        &url,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    let mut store = Store::open_at_for_writing(&verified).unwrap();
    store
        .begin_run(ACCOUNT, &[], &["ec2".into()], OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(tls_connections(&name), "1", "the store's connection is TLS");
    drop(store);
    // `require` verifies too: against a CA that did not sign the certificate, refused,
    // saying why, without the password.
    let other = ca_file("AUDITOR_TEST_POSTGRES_OTHER_CA");
    let wrong = Location::Postgres(with_query(
        &url.replacen("://auditor@", "://auditor:s3cret-pw@", 1),
        &format!("sslmode=require&sslrootcert={other}"),
    ));
    let err = Store::open_at(&wrong).unwrap_err().to_string();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    assert!(!err.contains("s3cret-pw"), "{err}");
    // Without sslmode, no TLS (libpq's `prefer` would try it; a plain connection is made).
    let plain = Store::open_at(&Location::Postgres(url.clone())).unwrap();
    assert_eq!(tls_connections(&name), "0");
    drop(plain);
    // A CA file that is not there is the URL's problem, named.
    let missing = Location::Postgres(with_query(
        &url,
        "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
    ));
    let err = Store::open_at(&missing).unwrap_err().to_string();
    assert!(err.contains("sslrootcert /nonexistent/ca.pem"), "{err}");
}

#[test]
fn a_postgres_store_connects_again_when_its_connection_is_lost() {
    let url = fresh_database("reconnect");
    let name = url.rsplit('/').next().unwrap().to_owned();
    let location = Location::Postgres(url);
    let mut store = Store::open_at_for_writing(&location).unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    store_run(&mut store, &result(t0, &["EC2-002"], vec![]));
    // The server ends every connection to the database, as a restart or a failover would.
    raw(
        &Location::Postgres(test_postgres()),
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
    );
    let (id, _) = store_run(&mut store, &result(t0, &["EC2-002"], vec![]));
    assert_eq!(store.run(id).unwrap().unwrap().status, "complete");
    assert_eq!(store.runs(None).unwrap().len(), 2);
}

#[test]
fn two_runs_of_one_account_stored_at_once_on_postgres_both_land_whole() {
    let location = Location::Postgres(fresh_database("same_account"));
    let mut stores: Vec<Store> = (0..2)
        .map(|_| Store::open_at_for_writing(&location).unwrap())
        .collect();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    let r = result(
        t0,
        &["EC2-002"],
        (0..50)
            .map(|i| finding("EC2-002", &format!("sg-{i}"), Status::Fail, "x"))
            .collect(),
    );
    let ids: Vec<i64> = stores
        .iter_mut()
        .map(|s| s.begin_run(ACCOUNT, &[], &["ec2".into()], t0).unwrap())
        .collect();
    // Both write the same account's 50 new issues at the same time: one waits for the other.
    let changes: Vec<auditor_store::RunChanges> = std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter_mut()
            .zip(&ids)
            .map(|(s, id)| {
                let r = &r;
                scope.spawn(move || s.finish_run(*id, r).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut news: Vec<usize> = changes.iter().map(|c| c.new).collect();
    news.sort_unstable();
    assert_eq!(
        news,
        [0, 50],
        "one run saw them first, the other still open"
    );
    let store = Store::open_at(&location).unwrap();
    assert_eq!(store.issues(None, Some("open"), None).unwrap().len(), 50);
    for id in ids {
        assert_eq!(store.result(id).unwrap().findings.len(), 50);
    }
}

#[test]
fn a_replicas_run_is_stored_only_while_it_holds_the_account() {
    let url = fresh_database("guarded");
    let location = Location::Postgres(url.clone());
    let mut store = Store::open_at_for_writing(&location).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (a, b, round) = rt.block_on(async {
        let mut a = auditor_store::rounds::Rounds::connect(&url, "replica-a")
            .await
            .unwrap();
        let b = auditor_store::rounds::Rounds::connect(&url, "replica-b")
            .await
            .unwrap();
        let round = a
            .open_due_round(std::time::Duration::from_secs(3600), &[ACCOUNT.to_owned()])
            .await
            .unwrap()
            .unwrap();
        (a, b, round)
    });
    let lease = std::time::Duration::from_secs(1);
    let claim = rt.block_on(a.claim(round, lease)).unwrap().unwrap();
    let t0 = datetime!(2026-11-20 10:00 UTC);
    let r = result(
        t0,
        &["EC2-002"],
        vec![finding("EC2-002", "sg-a", Status::Fail, "x")],
    );
    let guard = |holder: &str| auditor_store::LeaseGuard {
        round,
        account: ACCOUNT.to_owned(),
        holder: holder.to_owned(),
    };
    // Replica a's lease runs out and b takes the account over: a's run is refused, whole.
    let id_a = store.begin_run(ACCOUNT, &[], &["ec2".into()], t0).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let taken = rt.block_on(b.claim(round, lease)).unwrap().unwrap();
    assert!(taken.takeover);
    let err = store
        .finish_run_guarded(id_a, &r, Some(&guard("replica-a")))
        .unwrap_err();
    assert!(matches!(err, StoreError::LeaseLost { .. }), "{err}");
    assert!(err.to_string().contains("no longer this replica"), "{err}");
    assert_eq!(store.run(id_a).unwrap().unwrap().status, "running");
    assert!(store.issues(None, None, None).unwrap().is_empty());
    assert!(!rt.block_on(a.heartbeat(&claim, lease)).unwrap());
    // b's run is stored, and finishes the account in the round in the same transaction.
    let id_b = store.begin_run(ACCOUNT, &[], &["ec2".into()], t0).unwrap();
    store
        .finish_run_guarded(id_b, &r, Some(&guard("replica-b")))
        .unwrap();
    let p = rt.block_on(b.progress(round)).unwrap().unwrap();
    assert_eq!((p.complete, p.running, p.takeovers), (1, 0, 1));
    // Its heartbeat still finds the account its own (finished by it).
    assert!(rt.block_on(b.heartbeat(&taken, lease)).unwrap());
}
