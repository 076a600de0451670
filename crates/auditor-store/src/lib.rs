//! The findings store: every audit run, its findings, and the history of each failing
//! finding (first seen, last seen, resolved, reopened), in SQLite.
//!
//! - [`Store::open`] creates or opens the database (WAL mode) and applies the schema
//!   migrations it lacks (versioned in code, [`MIGRATIONS`], tracked in `user_version`).
//!   A writer ([`Store::open_for_writing`]) also marks as `failed` every run left `running`
//!   by a writer that is gone: one of this host and PID namespace whose process no longer
//!   exists, or any other whose lease ([`LEASE`]) was not renewed by its [`Heartbeat`].
//!   Readers leave runs in progress alone.
//! - [`Store::begin_run`] records a run as `running` before collection starts;
//!   [`Store::finish_run`] writes its findings and updates every issue's history in one
//!   transaction, so a crash leaves either the whole run or none of it.
//! - An *issue* is a failing finding's fingerprint in one account. It is resolved when a
//!   later run of the same account ran its check over its region and the finding no longer
//!   fails, and only then: a finding that could not be assessed, a check that did not run,
//!   a region not audited, leave it open, and mark it *unknown* since that run until a run
//!   sees it again.
//! - The database file is created readable by its owner only (0600), and tightened to that
//!   when an existing one is opened for writing.
//!
//! [`rounds`] shares an organisation's rounds between daemon replicas through PostgreSQL:
//! which round is due, and which replica audits which account, by lease.
//!
//! Architecture invariant: nothing already stored is lost. Writes are transactions; a
//! database from a newer auditor is refused, not rewritten.
#![deny(missing_docs)]

mod db;
pub mod pg;
pub mod rounds;

use auditor_model::{AuditResult, Finding, Status};
use db::{params, retrying, Conn, DbError};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Schema migrations, in order; migration `i` takes the schema from version `i` to `i + 1`.
/// Never edit a shipped one: add the next.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    account       TEXT NOT NULL,
    regions       TEXT NOT NULL,           -- JSON list
    services      TEXT NOT NULL,           -- JSON list
    started_at    TEXT NOT NULL,           -- RFC 3339
    finished_at   TEXT,
    tool_version  TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'complete', 'failed', 'aborted')),
    error         TEXT,
    fail          INTEGER NOT NULL DEFAULT 0,
    pass          INTEGER NOT NULL DEFAULT 0,
    not_assessed  INTEGER NOT NULL DEFAULT 0,
    gaps          INTEGER NOT NULL DEFAULT 0,
    result        TEXT,                    -- the AuditResult as JSON, for reports
    owner_pid     INTEGER                  -- the process writing a running run
);
CREATE INDEX runs_account ON runs (account, id);

CREATE TABLE findings (
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    fingerprint   TEXT NOT NULL,
    code          TEXT NOT NULL,
    status        TEXT NOT NULL,
    severity      TEXT NOT NULL,
    resource_arn  TEXT NOT NULL,
    region        TEXT,
    title         TEXT NOT NULL,
    PRIMARY KEY (run_id, fingerprint)
);
CREATE INDEX findings_code ON findings (run_id, code, resource_arn);

CREATE TABLE issues (
    account         TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    code            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    resource_arn    TEXT NOT NULL,
    region          TEXT,
    title           TEXT NOT NULL,
    first_seen_run  INTEGER NOT NULL,
    first_seen_at   TEXT NOT NULL,
    last_seen_run   INTEGER NOT NULL,
    last_seen_at    TEXT NOT NULL,
    resolved_run    INTEGER,
    resolved_at     TEXT,
    reopened        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, fingerprint)
);
"#,
    r#"
-- An open issue a later run could not see (not assessed, check not run, region not
-- audited): the first such run since it was last seen failing. Cleared when seen again.
ALTER TABLE issues ADD COLUMN unknown_since_run INTEGER;
-- Liveness of a running run by lease: the writer's identity (host, PID namespace, PID,
-- start) and the last time it said it is alive.
ALTER TABLE runs ADD COLUMN owner TEXT;
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
"#,
    r#"
-- Notifications delivered: an issue is announced once each time it is raised (new, or
-- failing again after being resolved: `reopened` says which time), per destination.
CREATE TABLE notified (
    account      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    reopened     INTEGER NOT NULL,
    destination  TEXT NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (account, fingerprint, reopened, destination)
);
-- Announcements not yet delivered (the destination was down): tried again at the next run
-- while the issue stays open.
CREATE TABLE notify_pending (
    account      TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    reopened     INTEGER NOT NULL,
    destination  TEXT NOT NULL,
    PRIMARY KEY (account, fingerprint, reopened, destination)
);
"#,
];

/// How often a running run's writer renews its lease ([`Heartbeat`]).
pub const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// A running run whose lease was not renewed for this long is taken as interrupted (when
/// its writer's PID cannot be checked: another host or PID namespace).
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(60);

/// Why the store could not do what was asked. A PostgreSQL store is named by its URL with
/// the password replaced.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused (I/O, corruption, a lock held too long).
    #[error("the store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// PostgreSQL could not be reached, or its URL is wrong.
    #[error("the store: {0}")]
    Connect(pg::ConnectError),
    /// The database refused a statement, or holds a value the store did not write.
    #[error("the store {store}: {message}")]
    Database {
        /// The file, or the URL without its password.
        store: String,
        /// What went wrong.
        message: String,
    },
    /// The database was written by a newer auditor.
    #[error("the store {store} has schema version {found}; this auditor knows up to {known}: use a newer auditor")]
    TooNew {
        /// The file, or the URL without its password.
        store: String,
        /// Its version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// A run that does not exist or is not complete.
    #[error("{0}")]
    NoSuchRun(String),
    /// A replica's run of an account whose lease another replica took over: not stored, so
    /// that the account is not audited twice to completion.
    #[error("run {run}: the lease on account {account} in round {round} is no longer this replica's (it ran out: another replica took the account over, or it was failed after too many lapses); this run is not stored")]
    LeaseLost {
        /// The run.
        run: i64,
        /// The account.
        account: String,
        /// The round.
        round: i64,
    },
    /// A stored value that does not decode.
    #[error("the store {store}: run {run}: {message}")]
    Corrupt {
        /// The file, or the URL without its password.
        store: String,
        /// The run.
        run: i64,
        /// What is wrong.
        message: String,
    },
}

/// A run as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRow {
    /// Id, increasing.
    pub id: i64,
    /// Account audited.
    pub account: String,
    /// Regions.
    pub regions: Vec<String>,
    /// Services.
    pub services: Vec<String>,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339, when it ended.
    pub finished_at: Option<String>,
    /// Auditor version.
    pub tool_version: String,
    /// `running`, `complete`, `failed`, `aborted`.
    pub status: String,
    /// Why it failed or was aborted.
    pub error: Option<String>,
    /// Failing findings.
    pub fail: i64,
    /// Passing findings.
    pub pass: i64,
    /// Findings not assessed.
    pub not_assessed: i64,
    /// Coverage gaps.
    pub gaps: i64,
}

/// An issue (a failing finding's fingerprint in an account) and its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// Account.
    pub account: String,
    /// Fingerprint.
    pub fingerprint: String,
    /// Check code.
    pub code: String,
    /// Severity when last seen.
    pub severity: String,
    /// Resource ARN.
    pub resource_arn: String,
    /// Region, for regional resources.
    pub region: Option<String>,
    /// Check title.
    pub title: String,
    /// First run that saw it fail, and when.
    pub first_seen_run: i64,
    /// RFC 3339.
    pub first_seen_at: String,
    /// Last run that saw it fail, and when.
    pub last_seen_run: i64,
    /// RFC 3339.
    pub last_seen_at: String,
    /// The run that found it fixed, and when; `None` while open.
    pub resolved_run: Option<i64>,
    /// RFC 3339.
    pub resolved_at: Option<String>,
    /// Times it failed again after being resolved.
    pub reopened: i64,
    /// While open: the first run since it was last seen failing that could not see it
    /// (not assessed, check not run, region not audited). `None` when the latest run saw it.
    #[serde(default)]
    pub unknown_since_run: Option<i64>,
}

impl Issue {
    /// `open`, `unknown` (open, but not seen by the latest runs), or `resolved`.
    pub fn state(&self) -> &'static str {
        if self.resolved_run.is_some() {
            "resolved"
        } else if self.unknown_since_run.is_some() {
            "unknown"
        } else {
            "open"
        }
    }
}

/// What changed between two runs of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// The earlier run.
    pub from: i64,
    /// The later run.
    pub to: i64,
    /// Failing in `to`, not in `from`.
    pub new: Vec<DiffEntry>,
    /// Failing in `from`, assessed and not failing in `to`.
    pub resolved: Vec<DiffEntry>,
    /// Failing in both.
    pub still_open: Vec<DiffEntry>,
    /// Failing in `from`, and not assessed (or not checked) in `to`: unknown.
    pub not_assessed: Vec<DiffEntry>,
}

/// A finding in a diff.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DiffEntry {
    /// Check code.
    pub code: String,
    /// Severity.
    pub severity: String,
    /// Resource ARN.
    pub resource_arn: String,
    /// Check title.
    pub title: String,
    /// Fingerprint.
    pub fingerprint: String,
}

/// What [`Store::finish_run`] changed in the issue history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunChanges {
    /// Issues seen for the first time.
    pub new: usize,
    /// Issues resolved by this run.
    pub resolved: usize,
    /// Resolved issues failing again.
    pub reopened: usize,
    /// Issues still failing.
    pub still_open: usize,
    /// Open issues this run could not see (kept open, marked unknown).
    #[serde(default)]
    pub unknown: usize,
    /// The issues that are new or failing again in this run, for notifications.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub raised: Vec<Raised>,
}

/// An issue new or failing again in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Raised {
    /// Fingerprint.
    pub fingerprint: String,
    /// Check code.
    pub code: String,
    /// Severity.
    pub severity: String,
    /// Resource ARN.
    pub resource_arn: String,
    /// Check title.
    pub title: String,
    /// How often it has failed again after being resolved (0: new).
    pub reopened: i64,
}

/// Where the store is: a SQLite file, or a PostgreSQL database shared by daemon replicas.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file.
    File(PathBuf),
    /// A `postgres://` or `postgresql://` URL (its password is never shown: see
    /// [`Location`]'s `Display`).
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL, or else a file path.
    pub fn parse(s: &str) -> Location {
        if pg::is_url(s) {
            Location::Postgres(s.to_owned())
        } else {
            Location::File(PathBuf::from(s))
        }
    }

    /// Whether it is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Location::Postgres(_))
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Location {
        Location::File(p.to_owned())
    }
}

impl std::fmt::Display for Location {
    /// The file's path, or the URL with its password replaced by `***`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => p.display().fmt(f),
            Location::Postgres(url) => f.write_str(&pg::redacted(url)),
        }
    }
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Location({self})")
    }
}

/// A daemon replica's claim on an account of a round ([`rounds`]): a run stored with it is
/// stored only while the claim is the replica's, and finishes the account in the round in
/// the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseGuard {
    /// The round.
    pub round: i64,
    /// The account.
    pub account: String,
    /// The replica holding it.
    pub holder: String,
}

/// The findings store.
#[derive(Debug)]
pub struct Store {
    conn: Conn,
    location: Location,
    recovered: Vec<i64>,
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The schema of [`MIGRATIONS`] as PostgreSQL spells it: 64-bit integers, an identity for
/// the runs' ids, and text ordered by code point as SQLite orders it.
fn postgres_sql(sql: &str) -> String {
    sql.replace(
        "INTEGER PRIMARY KEY",
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    )
    .replace("INTEGER", "BIGINT")
    .replace("TEXT", "TEXT COLLATE \"C\"")
}

/// The schema version: SQLite's `user_version`; PostgreSQL's `auditor_schema` (0 before it
/// exists).
fn version_of(c: &Conn) -> Result<i64, DbError> {
    match c {
        Conn::Sqlite(s) => Ok(s.pragma_query_value(None, "user_version", |r| r.get(0))?),
        Conn::Postgres(_) => {
            let exists = c
                .row("SELECT to_regclass('auditor_schema') IS NOT NULL", &[])?
                .map_or(Ok(0), |r| r.int(0))?;
            if exists == 0 {
                return Ok(0);
            }
            c.row("SELECT version FROM auditor_schema WHERE id = 1", &[])?
                .map_or(Ok(0), |r| r.int(0))
        }
    }
}

/// The advisory lock under which PostgreSQL's schema is migrated (replicas start together).
const MIGRATE_LOCK: i64 = 0x0061_7564_6974_0001;

fn connect(location: &Location) -> Result<Conn, StoreError> {
    match location {
        Location::File(path) => {
            let sqlite = |source| StoreError::Sqlite {
                path: path.clone(),
                source,
            };
            let conn = Connection::open(path).map_err(sqlite)?;
            conn.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(sqlite)?;
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(sqlite)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(sqlite)?;
            conn.pragma_update(None, "foreign_keys", "ON")
                .map_err(sqlite)?;
            Ok(Conn::Sqlite(conn))
        }
        Location::Postgres(url) => db::PgConn::connect(url)
            .map(Conn::Postgres)
            .map_err(StoreError::Connect),
    }
}

impl Store {
    fn err(&self, e: DbError) -> StoreError {
        match (e, &self.location) {
            (DbError::Sqlite(source), Location::File(path)) => StoreError::Sqlite {
                path: path.clone(),
                source,
            },
            (e, _) => StoreError::Database {
                store: self.location.to_string(),
                message: e.to_string(),
            },
        }
    }

    /// Opens (or creates) the store at `path` to write runs: as [`Store::open`], then marks
    /// runs that a dead process left `running` as `failed` (see [`Store::recovered`]).
    pub fn open_for_writing(path: &Path) -> Result<Store, StoreError> {
        Store::open_at_for_writing(&Location::from(path))
    }

    /// [`Store::open_for_writing`], at a file or a PostgreSQL database.
    pub fn open_at_for_writing(location: &Location) -> Result<Store, StoreError> {
        if let Location::File(path) = location {
            owner_only(path).map_err(|e| StoreError::Sqlite {
                path: path.to_owned(),
                source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
            })?;
        }
        let mut store = Store::open_at(location)?;
        store.recover()?;
        Ok(store)
    }

    /// Opens (or creates) the store at `path`, migrating it to the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_at(&Location::from(path))
    }

    /// [`Store::open`], at a file or a PostgreSQL database.
    pub fn open_at(location: &Location) -> Result<Store, StoreError> {
        let mut store = Store {
            conn: connect(location)?,
            location: location.clone(),
            recovered: Vec::new(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// Where the store is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Runs found `running` at open (their process died) and now marked `failed`.
    pub fn recovered(&self) -> &[i64] {
        &self.recovered
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        version_of(&self.conn).map_err(|e| self.err(e))
    }

    /// Applies the migrations the database lacks. One that is current is only read (a reader
    /// of a read-only file, or one opening while a writer commits, never waits to write).
    fn migrate(&mut self) -> Result<(), StoreError> {
        let known = MIGRATIONS.len() as i64;
        let location = self.location.clone();
        let postgres = location.is_postgres();
        let current = self.schema_version()?;
        if current > known {
            return Err(StoreError::TooNew {
                store: location.to_string(),
                found: current,
                known,
            });
        }
        if current == known {
            return Ok(());
        }
        let outcome = self.conn.tx(|c| {
            // Read again inside: another process may have migrated meanwhile.
            let found = if postgres {
                c.exec("SELECT pg_advisory_xact_lock(?1)", params![MIGRATE_LOCK])?;
                c.batch(
                    "CREATE TABLE IF NOT EXISTS auditor_schema (
                         id INT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);
                     INSERT INTO auditor_schema VALUES (1, 0) ON CONFLICT DO NOTHING",
                )?;
                version_of(c)?
            } else {
                version_of(c)?
            };
            if found > known {
                return Ok(Some(found));
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
                if postgres {
                    c.batch(&postgres_sql(sql))?;
                    c.exec(
                        "UPDATE auditor_schema SET version = ?1 WHERE id = 1",
                        params![(i + 1) as i64],
                    )?;
                } else {
                    c.batch(sql)?;
                    c.batch(&format!("PRAGMA user_version = {}", i + 1))?;
                }
            }
            Ok(None)
        });
        match outcome.map_err(|e| self.err(e))? {
            Some(found) => Err(StoreError::TooNew {
                store: location.to_string(),
                found,
                known,
            }),
            None => Ok(()),
        }
    }

    fn recover(&mut self) -> Result<(), StoreError> {
        let running = self
            .conn
            .rows(
                "SELECT id, owner_pid, owner, heartbeat_at FROM runs
                 WHERE status = 'running' ORDER BY id",
                &[],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| Ok((r.int(0)?, r.opt_int(1)?, r.opt_text(2)?, r.opt_text(3)?)))
                    .collect::<Result<Vec<RunningRow>, DbError>>()
            })
            .map_err(|e| self.err(e))?;
        let at = OffsetDateTime::now_utc();
        let gone: Vec<(i64, &str)> = running
            .iter()
            .filter_map(|(id, pid, owner, beat)| {
                let why = writer_gone(*pid, owner.as_deref(), beat.as_deref(), at)?;
                Some((*id, why))
            })
            .collect();
        for (id, why) in &gone {
            self.conn
                .exec(
                    "UPDATE runs SET status = 'failed', finished_at = ?2, error = ?3
                     WHERE id = ?1 AND status = 'running'",
                    params![*id, now(), *why],
                )
                .map_err(|e| self.err(e))?;
        }
        let ids = gone.into_iter().map(|(id, _)| id).collect();
        self.recovered = ids;
        Ok(())
    }

    /// Marks as `failed` the runs left `running` by writers that are gone (as a writer does
    /// when it opens the store); their ids. Daemon replicas sharing a database call it as
    /// they go: a replica that died mid-run leaves its run to the others.
    pub fn recover_interrupted(&mut self) -> Result<Vec<i64>, StoreError> {
        self.recover()?;
        Ok(self.recovered.clone())
    }

    /// Records the start of a run; returns its id.
    pub fn begin_run(
        &mut self,
        account: &str,
        regions: &[String],
        services: &[String],
        started_at: OffsetDateTime,
    ) -> Result<i64, StoreError> {
        let list = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let conn = &self.conn;
        retrying(|| {
            conn.row(
                "INSERT INTO runs (account, regions, services, started_at, tool_version, status,
                                   owner_pid, owner, heartbeat_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8)
                 RETURNING id",
                params![
                    account,
                    list(regions),
                    list(services),
                    rfc3339(started_at),
                    env!("CARGO_PKG_VERSION"),
                    i64::from(std::process::id()),
                    owner_id(),
                    now()
                ],
            )?
            .ok_or_else(|| DbError::Decode("the new run's id was not returned".into()))?
            .int(0)
        })
        .map_err(|e| self.err(e))
    }

    /// Marks a run `failed` (or `aborted`) with why; nothing of it is kept but that.
    pub fn end_run_without_result(
        &mut self,
        id: i64,
        status: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        retrying(|| {
            self.conn.exec(
                "UPDATE runs SET status = ?2, error = ?3, finished_at = ?4
                 WHERE id = ?1 AND status = 'running'",
                params![id, status, error, now()],
            )
        })
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Stores a finished run's result and updates the issue history, in one transaction.
    pub fn finish_run(&mut self, id: i64, result: &AuditResult) -> Result<RunChanges, StoreError> {
        self.finish_run_guarded(id, result, None)
    }

    /// [`Store::finish_run`], for a daemon replica with its claim on the account (PostgreSQL):
    /// stored only while the claim is still its own (the round's row locked for the
    /// transaction), and the account finished in the round in the same transaction.
    /// [`StoreError::LeaseLost`] when the claim was taken over: nothing is written.
    pub fn finish_run_guarded(
        &mut self,
        id: i64,
        result: &AuditResult,
        guard: Option<&LeaseGuard>,
    ) -> Result<RunChanges, StoreError> {
        let json = serde_json::to_string(result).map_err(|e| StoreError::Corrupt {
            store: self.location.to_string(),
            run: id,
            message: e.to_string(),
        })?;
        match self.run(id)? {
            Some(r) if r.status == "running" => {}
            // Taken for dead while it was alive (its lease lapsed: a paused host): the result
            // is still this writer's to store, and nothing finished is discarded.
            Some(r)
                if r.status == "failed"
                    && r.error.as_deref() == Some(LAPSED)
                    && self.owns(id)? =>
            {
                self.conn
                    .exec(
                        "UPDATE runs SET status = 'running', error = NULL, finished_at = NULL
                         WHERE id = ?1 AND status = 'failed' AND error = ?2",
                        params![id, LAPSED],
                    )
                    .map_err(|e| self.err(e))?;
            }
            Some(r) => {
                return Err(StoreError::NoSuchRun(format!(
                    "run {id} is {}, not running: it cannot take a result",
                    r.status
                )))
            }
            None => {
                return Err(StoreError::NoSuchRun(format!(
                    "no run {id} in {}",
                    self.location
                )))
            }
        }
        let outcome = self.conn.tx(|tx| {
            if let Some(g) = guard {
                let held = tx.row(
                    "SELECT 1 FROM auditor_round_accounts
                     WHERE round_id = ?1 AND account = ?2 AND holder = ?3 AND state = 'running'
                     FOR UPDATE",
                    params![g.round, &g.account, &g.holder],
                )?;
                if held.is_none() {
                    return Err(DbError::LeaseLost);
                }
            }
            let changes = write_run(tx, id, result, &json)?;
            if let Some(g) = guard {
                tx.exec(
                    "UPDATE auditor_round_accounts
                     SET state = 'complete', run_id = ?4, finished_at = now(), lease_until = NULL
                     WHERE round_id = ?1 AND account = ?2 AND holder = ?3",
                    params![g.round, &g.account, &g.holder, id],
                )?;
            }
            Ok(changes)
        });
        match (outcome, guard) {
            (Err(DbError::LeaseLost), Some(g)) => Err(StoreError::LeaseLost {
                run: id,
                account: g.account.clone(),
                round: g.round,
            }),
            (outcome, _) => outcome.map_err(|e| self.err(e)),
        }
    }

    /// Keeps the newest `keep` finished runs of `account` (their findings go with the rest,
    /// issue history stays); runs in progress are never removed. Returns the removed ids.
    pub fn prune(&mut self, account: &str, keep: usize) -> Result<Vec<i64>, StoreError> {
        let removed = self.conn.tx(|tx| {
            let ids = tx
                .rows(
                    "SELECT id FROM runs WHERE account = ?1 AND status != 'running'
                     ORDER BY id DESC",
                    params![account],
                )?
                .iter()
                .skip(keep)
                .map(|r| r.int(0))
                .collect::<Result<Vec<i64>, DbError>>()?;
            for id in &ids {
                tx.exec("DELETE FROM findings WHERE run_id = ?1", params![*id])?;
                tx.exec("DELETE FROM runs WHERE id = ?1", params![*id])?;
            }
            Ok(ids)
        });
        removed.map_err(|e| self.err(e))
    }

    /// Whether a writer could write now: a write transaction begun and rolled back on a
    /// connection of its own, waiting at most a second (for `/readyz`).
    pub fn probe_writable(path: &Path) -> Result<(), StoreError> {
        Store::probe_writable_at(&Location::from(path))
    }

    /// [`Store::probe_writable`], at a file or a PostgreSQL database (there: the runs'
    /// table locked for writing, without waiting, on a new connection).
    pub fn probe_writable_at(location: &Location) -> Result<(), StoreError> {
        match location {
            Location::File(path) => {
                let sqlite = |source| StoreError::Sqlite {
                    path: path.to_owned(),
                    source,
                };
                let conn =
                    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
                        .map_err(sqlite)?;
                conn.busy_timeout(std::time::Duration::from_secs(1))
                    .map_err(sqlite)?;
                conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;")
                    .map_err(sqlite)
            }
            Location::Postgres(_) => {
                let conn = connect(location)?;
                conn.batch(
                    "BEGIN; SET LOCAL lock_timeout = '1s';
                     LOCK TABLE runs IN ROW EXCLUSIVE MODE; ROLLBACK;",
                )
                .map_err(|e| StoreError::Database {
                    store: location.to_string(),
                    message: e.to_string(),
                })
            }
        }
    }

    /// Which of `raised` were already announced to `destination` (the same time raised).
    pub fn already_notified(
        &self,
        account: &str,
        destination: &str,
        raised: &[Raised],
    ) -> Result<BTreeSet<String>, StoreError> {
        let mut out = BTreeSet::new();
        for r in raised {
            let seen = self
                .conn
                .row(
                    "SELECT 1 FROM notified WHERE account = ?1 AND fingerprint = ?2
                       AND reopened = ?3 AND destination = ?4",
                    params![account, &r.fingerprint, r.reopened, destination],
                )
                .map_err(|e| self.err(e))?;
            if seen.is_some() {
                out.insert(r.fingerprint.clone());
            }
        }
        Ok(out)
    }

    /// Records that `raised` are to be announced to `destination` (before trying), so that a
    /// delivery that fails, or is cut short, is tried again at the next run.
    pub fn mark_pending(
        &mut self,
        account: &str,
        destination: &str,
        raised: &[Raised],
    ) -> Result<(), StoreError> {
        self.each_raised(raised, |tx, r| {
            tx.exec(
                "INSERT INTO notify_pending (account, fingerprint, reopened, destination)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
                params![account, &r.fingerprint, r.reopened, destination],
            )
            .map(drop)
        })
    }

    /// The announcements to `destination` still pending whose issue is still open (and
    /// raised the same time).
    pub fn pending(&self, account: &str, destination: &str) -> Result<Vec<Raised>, StoreError> {
        self.conn
            .rows(
                "SELECT p.fingerprint, i.code, i.severity, i.resource_arn, i.title, p.reopened
                 FROM notify_pending p JOIN issues i
                   ON i.account = p.account AND i.fingerprint = p.fingerprint
                 WHERE p.account = ?1 AND p.destination = ?2
                   AND i.resolved_run IS NULL AND i.reopened = p.reopened
                 ORDER BY p.fingerprint",
                params![account, destination],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        Ok(Raised {
                            fingerprint: r.text(0)?,
                            code: r.text(1)?,
                            severity: r.text(2)?,
                            resource_arn: r.text(3)?,
                            title: r.text(4)?,
                            reopened: r.int(5)?,
                        })
                    })
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// Records that `raised` were announced to `destination`.
    pub fn mark_notified(
        &mut self,
        account: &str,
        destination: &str,
        raised: &[Raised],
    ) -> Result<(), StoreError> {
        let at = now();
        self.each_raised(raised, |tx, r| {
            tx.exec(
                "INSERT INTO notified (account, fingerprint, reopened, destination, at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
                params![account, &r.fingerprint, r.reopened, destination, &at],
            )?;
            tx.exec(
                "DELETE FROM notify_pending WHERE account = ?1 AND fingerprint = ?2
                   AND reopened = ?3 AND destination = ?4",
                params![account, &r.fingerprint, r.reopened, destination],
            )
            .map(drop)
        })
    }

    /// Runs `write` for each of `raised` in one transaction, waiting out a busy database.
    fn each_raised(
        &mut self,
        raised: &[Raised],
        write: impl Fn(&Conn, &Raised) -> Result<(), DbError>,
    ) -> Result<(), StoreError> {
        let outcome = self
            .conn
            .tx(|tx| raised.iter().try_for_each(|r| write(tx, r)));
        outcome.map_err(|e| self.err(e))
    }

    /// Whether this process began run `id`.
    fn owns(&self, id: i64) -> Result<bool, StoreError> {
        self.conn
            .row("SELECT owner FROM runs WHERE id = ?1", params![id])
            .and_then(|r| r.map_or(Ok(None), |r| r.opt_text(0)))
            .map(|o| o.as_deref() == Some(owner_id().as_str()))
            .map_err(|e| self.err(e))
    }

    /// Every run, newest first, optionally of one account.
    pub fn runs(&self, account: Option<&str>) -> Result<Vec<RunRow>, StoreError> {
        self.conn
            .rows(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM runs
                     WHERE CAST(?1 AS TEXT) IS NULL OR account = ?1 ORDER BY id DESC"
                ),
                params![account],
            )
            .and_then(|rows| rows.iter().map(run_row).collect())
            .map_err(|e| self.err(e))
    }

    /// One run.
    pub fn run(&self, id: i64) -> Result<Option<RunRow>, StoreError> {
        self.conn
            .row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                params![id],
            )
            .and_then(|r| r.as_ref().map(run_row).transpose())
            .map_err(|e| self.err(e))
    }

    /// The stored result of a complete run.
    pub fn result(&self, id: i64) -> Result<AuditResult, StoreError> {
        let row = self
            .conn
            .row("SELECT status, result FROM runs WHERE id = ?1", params![id])
            .and_then(|r| r.map(|r| Ok((r.text(0)?, r.opt_text(1)?))).transpose())
            .map_err(|e| self.err(e))?;
        match row {
            None => Err(StoreError::NoSuchRun(format!(
                "no run {id} in {}",
                self.location
            ))),
            Some((status, None)) => Err(StoreError::NoSuchRun(format!(
                "run {id} is {status}: it has no report"
            ))),
            Some((_, Some(json))) => serde_json::from_str(&json).map_err(|e| StoreError::Corrupt {
                store: self.location.to_string(),
                run: id,
                message: e.to_string(),
            }),
        }
    }

    /// A [`Heartbeat`] renewing run `id`'s lease every `every`, on a connection of its own.
    pub fn heartbeat(&self, id: i64, every: std::time::Duration) -> Heartbeat {
        Heartbeat::start_at(&self.location, id, every)
    }

    /// The latest complete run (of `account`, if given), and the complete run of the same
    /// account before it.
    pub fn latest_pair(
        &self,
        account: Option<&str>,
    ) -> Result<(Option<i64>, Option<i64>), StoreError> {
        let complete: Vec<RunRow> = self
            .runs(account)?
            .into_iter()
            .filter(|r| r.status == "complete")
            .collect();
        let Some(to) = complete.first() else {
            return Ok((None, None));
        };
        let from = complete
            .iter()
            .skip(1)
            .find(|r| r.account == to.account)
            .map(|r| r.id);
        Ok((from, Some(to.id)))
    }

    /// Issues, optionally of one account, `open` (unknown ones included), `unknown` or
    /// `resolved`, at a severity.
    pub fn issues(
        &self,
        account: Option<&str>,
        state: Option<&str>,
        severity: Option<&str>,
    ) -> Result<Vec<Issue>, StoreError> {
        self.conn
            .rows(
                "SELECT account, fingerprint, code, severity, resource_arn, region, title,
                        first_seen_run, first_seen_at, last_seen_run, last_seen_at,
                        resolved_run, resolved_at, reopened, unknown_since_run
                 FROM issues
                 WHERE (CAST(?1 AS TEXT) IS NULL OR account = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL
                        OR (?2 = 'open' AND resolved_run IS NULL)
                        OR (?2 = 'unknown' AND resolved_run IS NULL
                                           AND unknown_since_run IS NOT NULL)
                        OR (?2 = 'resolved' AND resolved_run IS NOT NULL))
                   AND (CAST(?3 AS TEXT) IS NULL OR severity = ?3)
                 ORDER BY account, code, resource_arn, fingerprint",
                params![account, state, severity],
            )
            .and_then(|rows| {
                rows.iter()
                    .map(|r| {
                        Ok(Issue {
                            account: r.text(0)?,
                            fingerprint: r.text(1)?,
                            code: r.text(2)?,
                            severity: r.text(3)?,
                            resource_arn: r.text(4)?,
                            region: r.opt_text(5)?,
                            title: r.text(6)?,
                            first_seen_run: r.int(7)?,
                            first_seen_at: r.text(8)?,
                            last_seen_run: r.int(9)?,
                            last_seen_at: r.text(10)?,
                            resolved_run: r.opt_int(11)?,
                            resolved_at: r.opt_text(12)?,
                            reopened: r.int(13)?,
                            unknown_since_run: r.opt_int(14)?,
                        })
                    })
                    .collect()
            })
            .map_err(|e| self.err(e))
    }

    /// What changed from run `from` to run `to` (both complete, same account).
    pub fn diff(&self, from: i64, to: i64) -> Result<Diff, StoreError> {
        let a = self.result(from)?;
        let b = self.result(to)?;
        if a.account_id != b.account_id {
            return Err(StoreError::NoSuchRun(format!(
                "runs {from} and {to} audit different accounts ({} and {})",
                a.account_id, b.account_id
            )));
        }
        Ok(diff_results(&a, &b, from, to))
    }

    /// The latest complete run of `account` before run `before` (or the latest of all,
    /// without `before`).
    pub fn previous_complete(
        &self,
        account: &str,
        before: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self
            .runs(Some(account))?
            .iter()
            .filter(|r| r.status == "complete" && before.is_none_or(|b| r.id < b))
            .map(|r| r.id)
            .max())
    }
}

/// What changed from result `a` (run `from`) to result `b` (run `to`) of one account: the
/// store's [`Store::diff`], for a result that is not stored yet too.
pub fn diff_results(a: &AuditResult, b: &AuditResult, from: i64, to: i64) -> Diff {
    let entry = |f: &Finding| DiffEntry {
        code: f.code.to_string(),
        severity: f.severity.as_str().to_owned(),
        resource_arn: f.resource.arn.clone(),
        title: f.title.to_string(),
        fingerprint: f.fingerprint.clone(),
    };
    let fails = |r: &AuditResult| -> BTreeMap<String, DiffEntry> {
        r.findings
            .iter()
            .filter(|f| f.status == Status::Fail)
            .map(|f| (f.fingerprint.clone(), entry(f)))
            .collect()
    };
    let (fa, fb) = (fails(a), fails(b));
    let cover = Coverage::of(b);
    let mut d = Diff {
        from,
        to,
        ..Diff::default()
    };
    for (fp, e) in &fb {
        if fa.contains_key(fp) {
            d.still_open.push(e.clone());
        } else {
            d.new.push(e.clone());
        }
    }
    let by_fp: BTreeMap<&str, &Finding> = a
        .findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    for (fp, e) in &fa {
        if fb.contains_key(fp) {
            continue;
        }
        match by_fp.get(fp.as_str()) {
            Some(f) if cover.assessed(&f.code, &f.resource.arn, f.resource.region.as_deref()) => {
                d.resolved.push(e.clone())
            }
            _ => d.not_assessed.push(e.clone()),
        }
    }
    for v in [
        &mut d.new,
        &mut d.resolved,
        &mut d.still_open,
        &mut d.not_assessed,
    ] {
        v.sort();
    }
    d
}

/// What a run assessed: its checks, its regions, and what it could not assess.
struct Coverage {
    checks: BTreeSet<String>,
    regions: BTreeSet<String>,
    /// (code, ARN or ARN prefix ending in `*`) of not-assessed findings.
    not_assessed: Vec<(String, String)>,
    /// (code, region) a gap cost data; `None`: everywhere.
    incomplete: BTreeSet<(String, Option<String>)>,
}

impl Coverage {
    fn of(r: &AuditResult) -> Coverage {
        Coverage {
            checks: r.checks_run.iter().cloned().collect(),
            regions: r.regions.iter().cloned().collect(),
            not_assessed: r
                .findings
                .iter()
                .filter(|f| f.status == Status::NotAssessed)
                .map(|f| (f.code.to_string(), f.resource.arn.clone()))
                .collect(),
            incomplete: r.incomplete.clone(),
        }
    }

    /// Whether the issue is in this run's scope: its check ran, over its region.
    fn in_scope(&self, code: &str, region: Option<&str>) -> bool {
        self.checks.contains(code) && region.is_none_or(|r| self.regions.contains(r))
    }

    /// Whether this run would have seen `code` fail on `arn` again: in scope, not assessed
    /// on it, and no gap cost the check data where the issue is (a global issue, such as a
    /// principal's, by any gap of its check: its evidence may span every region and bucket).
    fn assessed(&self, code: &str, arn: &str, region: Option<&str>) -> bool {
        let gap_cost = self
            .incomplete
            .iter()
            .any(|(c, r)| c == code && (r.is_none() || region.is_none() || r.as_deref() == region));
        self.in_scope(code, region)
            && !gap_cost
            && !self.not_assessed.iter().any(|(c, a)| {
                c == code && (a == arn || a.strip_suffix('*').is_some_and(|p| arn.starts_with(p)))
            })
    }
}

/// A running run's id, writer PID, writer and last heartbeat.
type RunningRow = (i64, Option<i64>, Option<String>, Option<String>);

/// The error of a run whose writer's process is gone.
const INTERRUPTED: &str = "interrupted: the auditor stopped before the run was stored";

/// The error of a run whose writer (another host or container) stopped renewing its lease.
const LAPSED: &str =
    "interrupted: its writer (another host or container) stopped renewing its lease for 60 s";

/// This process as a run's writer: `host/PID namespace/PID/start`. Two writers on the same
/// volume but in other containers differ in host or PID namespace, so neither judges the
/// other by a PID it cannot see.
fn owner_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        format!(
            "{}/{}/{}",
            host_and_namespace(),
            std::process::id(),
            OffsetDateTime::now_utc().unix_timestamp_nanos()
        )
    })
    .clone()
}

/// This machine's host name (a pod's name on Kubernetes), `/` replaced by `_`; `?` when it
/// cannot be read.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().replace('/', "_"))
        .unwrap_or_else(|_| "?".into())
}

/// `host/pid-namespace` of this process (`?` where it cannot be read). The host is its name
/// and boot id: two machines of the same name, each with PID namespace 1 (the same inode
/// number everywhere), are still told apart.
fn host_and_namespace() -> String {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .map(|h| h.trim().replace('/', "_"))
            .unwrap_or_else(|_| "?".into())
    };
    let host = format!(
        "{}@{}",
        host_name(),
        read("/proc/sys/kernel/random/boot_id")
    );
    let ns = std::fs::read_link("/proc/self/ns/pid")
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "?".into());
    format!("{host}/{ns}")
}

/// Why the writer of a running run is gone, or `None` while it is there. One of this host
/// and PID namespace is judged by its PID (a PID of this very process is a previous
/// process's, reused); any other by its lease: there while its heartbeat is younger than
/// [`LEASE`]. A row of an older auditor (no owner) is judged by its PID.
fn writer_gone(
    pid: Option<i64>,
    owner: Option<&str>,
    heartbeat: Option<&str>,
    now: OffsetDateTime,
) -> Option<&'static str> {
    let pid_runs = |pid: i64| {
        pid != i64::from(std::process::id())
            && Path::new("/proc").exists()
            && Path::new(&format!("/proc/{pid}")).exists()
    };
    let here = host_and_namespace();
    let by_pid = || (!pid.is_some_and(pid_runs)).then_some(INTERRUPTED);
    match owner {
        Some(o) if !here.contains('?') && o.starts_with(&format!("{here}/")) => by_pid(),
        Some(_) => {
            let fresh = heartbeat
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .is_some_and(|t| now - t < LEASE);
            (!fresh).then_some(LAPSED)
        }
        None => by_pid(),
    }
}

/// Creates the store file readable and writable by its owner only, or tightens an existing
/// one to that (it holds findings: which resource is exposed how).
fn owner_only(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // The database and the journal files an older auditor left readable.
                let mut files = vec![path.to_owned()];
                for ext in ["-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(ext);
                    files.push(PathBuf::from(p));
                }
                for f in files.iter().filter(|f| f.exists()) {
                    if std::fs::metadata(f)?.permissions().mode() & 0o077 != 0 {
                        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600))?;
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Renews a running run's lease every [`HEARTBEAT_EVERY`] from its own thread and
/// connection (a writer busy in a long collection still says it is alive); stops when
/// dropped.
#[derive(Debug)]
pub struct Heartbeat {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Heartbeat {
    /// Starts renewing run `id` of the store at `path` every `every`.
    pub fn start(path: &Path, id: i64, every: std::time::Duration) -> Heartbeat {
        Heartbeat::start_at(&Location::from(path), id, every)
    }

    /// [`Heartbeat::start`], for a store at a file or a PostgreSQL database.
    pub fn start_at(location: &Location, id: i64, every: std::time::Duration) -> Heartbeat {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let location = location.clone();
        let thread = std::thread::Builder::new()
            .name(format!("store-heartbeat-{id}"))
            .spawn(move || {
                let Ok(conn) = connect(&location) else {
                    return;
                };
                if let Conn::Sqlite(c) = &conn {
                    let _ = c.busy_timeout(std::time::Duration::from_secs(5));
                }
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(every)
                {
                    // A missed beat is retried at the next; the lease is six beats long.
                    let _ = conn.exec(
                        "UPDATE runs SET heartbeat_at = ?2 WHERE id = ?1 AND owner = ?3",
                        params![id, now(), owner_id()],
                    );
                }
            })
            .ok();
        Heartbeat {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Rows written per `INSERT` (8 parameters each: within SQLite's and PostgreSQL's limits),
/// largest first: a remainder is written in the smaller sizes, so that a connection
/// prepares at most four shapes of the statement.
const FINDINGS_PER_INSERT: [usize; 4] = [200, 50, 10, 1];

/// `findings` in slices of the sizes of [`FINDINGS_PER_INSERT`].
fn chunked(findings: &[Finding]) -> Vec<&[Finding]> {
    let mut out = Vec::new();
    let mut rest = findings;
    for size in FINDINGS_PER_INSERT {
        while rest.len() >= size {
            let (head, tail) = rest.split_at(size);
            out.push(head);
            rest = tail;
        }
    }
    out
}

/// The first key of the advisory lock that serialises writers of one account's issues.
const ISSUES_LOCK: i64 = 0x6175_6469;

/// The columns [`run_row`] reads.
const RUN_COLUMNS: &str = "id, account, regions, services, started_at, finished_at, \
     tool_version, status, error, fail, pass, not_assessed, gaps";

fn run_row(r: &db::Row) -> Result<RunRow, DbError> {
    let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
    Ok(RunRow {
        id: r.int(0)?,
        account: r.text(1)?,
        regions: list(r.text(2)?),
        services: list(r.text(3)?),
        started_at: r.text(4)?,
        finished_at: r.opt_text(5)?,
        tool_version: r.text(6)?,
        status: r.text(7)?,
        error: r.opt_text(8)?,
        fail: r.int(9)?,
        pass: r.int(10)?,
        not_assessed: r.int(11)?,
        gaps: r.int(12)?,
    })
}

fn write_run(tx: &Conn, id: i64, result: &AuditResult, json: &str) -> Result<RunChanges, DbError> {
    let count = |s: Status| result.findings.iter().filter(|f| f.status == s).count() as i64;
    let finished = rfc3339(result.finished_at);
    let updated = tx.exec(
        "UPDATE runs SET status = 'complete', finished_at = ?2, fail = ?3, pass = ?4,
                not_assessed = ?5, gaps = ?6, result = ?7, error = NULL, regions = ?8
         WHERE id = ?1 AND status = 'running'",
        params![
            id,
            &finished,
            count(Status::Fail),
            count(Status::Pass),
            count(Status::NotAssessed),
            result.gaps.len() as i64,
            json,
            // The regions actually audited (discovered when none were named).
            serde_json::to_string(&result.regions).unwrap_or_else(|_| "[]".into())
        ],
    )?;
    if updated != 1 {
        return Err(DbError::Decode(format!(
            "run {id} was no longer running when its result was written"
        )));
    }
    let account = &result.account_id;
    if let Conn::Postgres(_) = tx {
        // One writer of an account's issue history at a time (SQLite's `BEGIN IMMEDIATE`
        // serialises every writer; PostgreSQL's transactions would not).
        tx.exec(
            "SELECT pg_advisory_xact_lock(?1, hashtext(?2))",
            params![ISSUES_LOCK, account],
        )?;
    }
    // Many rows per statement: a large account has tens of thousands of findings, and a
    // database across a network would otherwise take a round trip for each.
    for chunk in chunked(&result.findings) {
        let mut sql = String::from(
            "INSERT INTO findings
             (run_id, fingerprint, code, status, severity, resource_arn, region, title) VALUES ",
        );
        let mut values = Vec::with_capacity(chunk.len() * 8);
        for (i, f) in chunk.iter().enumerate() {
            let n = i * 8;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                n + 1,
                n + 2,
                n + 3,
                n + 4,
                n + 5,
                n + 6,
                n + 7,
                n + 8
            ));
            values.extend_from_slice(params![
                id,
                &f.fingerprint,
                &*f.code,
                f.status.as_str(),
                f.severity.as_str(),
                &f.resource.arn,
                f.resource.region.as_deref(),
                &*f.title
            ]);
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        tx.exec(&sql, &values)?;
    }
    let mut changes = RunChanges::default();
    let fails: BTreeMap<&str, &Finding> = result
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    for (fp, f) in &fails {
        let existing = tx
            .row(
                "SELECT resolved_run FROM issues WHERE account = ?1 AND fingerprint = ?2",
                params![account, *fp],
            )?
            .map(|r| r.opt_int(0))
            .transpose()?;
        let raised = |reopened: i64| Raised {
            fingerprint: (*fp).to_owned(),
            code: f.code.to_string(),
            severity: f.severity.as_str().to_owned(),
            resource_arn: f.resource.arn.clone(),
            title: f.title.to_string(),
            reopened,
        };
        match existing {
            None => {
                tx.exec(
                    "INSERT INTO issues (account, fingerprint, code, severity, resource_arn,
                        region, title, first_seen_run, first_seen_at, last_seen_run, last_seen_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?9)",
                    params![
                        account,
                        *fp,
                        &*f.code,
                        f.severity.as_str(),
                        &f.resource.arn,
                        f.resource.region.as_deref(),
                        &*f.title,
                        id,
                        &finished
                    ],
                )?;
                changes.new += 1;
                changes.raised.push(raised(0));
            }
            Some(resolved) => {
                let reopen = resolved.is_some();
                tx.exec(
                    "UPDATE issues SET last_seen_run = ?3, last_seen_at = ?4, severity = ?5,
                        resolved_run = NULL, resolved_at = NULL, reopened = reopened + ?6,
                        unknown_since_run = NULL
                     WHERE account = ?1 AND fingerprint = ?2",
                    params![
                        account,
                        *fp,
                        id,
                        &finished,
                        f.severity.as_str(),
                        i64::from(reopen)
                    ],
                )?;
                if reopen {
                    changes.reopened += 1;
                    let reopened = tx
                        .row(
                            "SELECT reopened FROM issues WHERE account = ?1 AND fingerprint = ?2",
                            params![account, *fp],
                        )?
                        .map_or(Ok(0), |r| r.int(0))?;
                    changes.raised.push(raised(reopened));
                } else {
                    changes.still_open += 1;
                }
            }
        }
    }
    // Open issues this run no longer sees failing: resolved, if this run assessed them.
    let cover = Coverage::of(result);
    let open = tx
        .rows(
            "SELECT fingerprint, code, resource_arn, region FROM issues
             WHERE account = ?1 AND resolved_run IS NULL",
            params![account],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.opt_text(3)?)))
        .collect::<Result<Vec<(String, String, String, Option<String>)>, DbError>>()?;
    for (fp, code, arn, region) in open {
        if fails.contains_key(fp.as_str()) {
            continue;
        }
        if !cover.assessed(&code, &arn, region.as_deref()) {
            // Outside this run's scope (another service or region): nothing to say of it.
            if !cover.in_scope(&code, region.as_deref()) {
                continue;
            }
            // In scope but not seen: not known fixed; open, unknown since the first such run.
            tx.exec(
                "UPDATE issues SET unknown_since_run = COALESCE(unknown_since_run, ?3)
                 WHERE account = ?1 AND fingerprint = ?2",
                params![account, &fp, id],
            )?;
            changes.unknown += 1;
            continue;
        }
        tx.exec(
            "UPDATE issues SET resolved_run = ?3, resolved_at = ?4, unknown_since_run = NULL
             WHERE account = ?1 AND fingerprint = ?2",
            params![account, &fp, id, &finished],
        )?;
        changes.resolved += 1;
    }
    Ok(changes)
}
