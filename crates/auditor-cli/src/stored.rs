//! The commands over the findings store (`runs`, `report`, `diff`) and `audit --store`.
//! A store that cannot be opened or written is exit code 4, like a report that cannot be
//! written; a run that does not exist is bad input (2).

use crate::fail::Failure;
use auditor_model::AuditResult;
use auditor_store::{DiffEntry, Location, RunChanges, Store, StoreError};
use std::sync::Mutex;
use tabled::builder::Builder;

fn failure(e: StoreError) -> Failure {
    Failure {
        code: match e {
            StoreError::NoSuchRun(_) => 2,
            _ => 4,
        },
        message: e.to_string(),
    }
}

/// `--store`: a `postgres://` URL, or else a SQLite file. Never refused here: a URL that
/// is wrong is reported when the store is opened, without its password (clap would repeat
/// the value whole).
pub(crate) fn parse_store(s: &str) -> Result<Location, std::convert::Infallible> {
    Ok(Location::parse(s))
}

/// Opens the store to record a run, creating its directory and file when missing.
pub(crate) fn open(at: &Location) -> Result<Store, Failure> {
    if let Location::File(path) = at {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Failure {
                code: 4,
                message: format!("cannot create {} for the store: {e}", dir.display()),
            })?;
        }
    }
    let store = Store::open_at_for_writing(at).map_err(failure)?;
    for id in store.recovered() {
        crate::fail::warn(&format!(
            "run {id} in {at} was interrupted before it was stored; it is marked failed"
        ));
    }
    Ok(store)
}

/// A lock that a panic elsewhere does not poison for good.
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One account's run in the store, when there is a store: begun before any AWS call (so
/// that a run AWS refuses is recorded too), then finished with its result or ended with
/// the reason it failed. `audit`, `audit --org` and the daemon record runs this one way.
pub(crate) struct Recorded<'s> {
    store: Option<&'s Mutex<Store>>,
    /// The run's id (none without a store).
    pub(crate) id: Option<i64>,
    /// Renews the run's lease while it runs (other writers judge it alive by it).
    _heartbeat: Option<auditor_store::Heartbeat>,
}

impl Recorded<'static> {
    /// A run recorded nowhere (there is no store).
    pub(crate) fn none() -> Recorded<'static> {
        Recorded {
            store: None,
            id: None,
            _heartbeat: None,
        }
    }
}

impl<'s> Recorded<'s> {
    /// Records the start of a run.
    pub(crate) fn begin(
        store: Option<&'s Mutex<Store>>,
        account: &str,
        regions: &[String],
        services: &[String],
        started_at: time::OffsetDateTime,
    ) -> Result<Recorded<'s>, Failure> {
        let (id, heartbeat) = match store {
            Some(st) => {
                let mut s = lock(st);
                let id = s
                    .begin_run(account, regions, services, started_at)
                    .map_err(failure)?;
                let hb = s.heartbeat(id, auditor_store::HEARTBEAT_EVERY);
                (Some(id), Some(hb))
            }
            None => (None, None),
        };
        Ok(Recorded {
            store,
            id,
            _heartbeat: heartbeat,
        })
    }

    /// Stores the finished run's findings and history; what changed.
    pub(crate) fn finish(&self, result: &AuditResult) -> Result<Option<RunChanges>, Failure> {
        self.finish_guarded(result, None)
    }

    /// [`Recorded::finish`], for a daemon replica: only while it holds its claim on the
    /// account (see `auditor_store::LeaseGuard`).
    pub(crate) fn finish_guarded(
        &self,
        result: &AuditResult,
        guard: Option<&auditor_store::LeaseGuard>,
    ) -> Result<Option<RunChanges>, Failure> {
        match (self.store, self.id) {
            (Some(st), Some(id)) => lock(st)
                .finish_run_guarded(id, result, guard)
                .map(Some)
                .map_err(failure),
            _ => Ok(None),
        }
    }

    /// Ends the run without a result (`failed`, or `aborted`), with the reason.
    pub(crate) fn end(&self, status: &str, why: &str) {
        if let (Some(st), Some(id)) = (self.store, self.id) {
            if let Err(e) = lock(st).end_run_without_result(id, status, why) {
                crate::fail::warn(&format!("could not record run {id} as {status}: {e}"));
            }
        }
    }

    /// [`Recorded::finish`], saying what changed on standard error; what changed.
    pub(crate) fn finish_and_say(
        &self,
        result: &AuditResult,
    ) -> Result<Option<RunChanges>, Failure> {
        let changes = self.finish(result)?;
        if let (Some(c), Some(st), Some(id)) = (&changes, self.store, self.id) {
            crate::fail::say(&format!(
                "run {id} stored in {}: {} new, {} still open, {} resolved, {} reopened, {} not seen (kept open, unknown)",
                lock(st).location(),
                c.new,
                c.still_open,
                c.resolved,
                c.reopened,
                c.unknown
            ));
        }
        Ok(changes)
    }
}

fn existing(at: &Location) -> Result<Store, Failure> {
    if let Location::File(path) = at {
        if !path.exists() {
            return Err(Failure {
                code: 2,
                message: format!(
                    "no findings store at {} (create one with `auditor audit --store {}`)",
                    path.display(),
                    path.display()
                ),
            });
        }
    }
    Store::open_at(at).map_err(failure)
}

/// `auditor runs`.
pub(crate) fn runs(path: &Location, account: Option<&str>, json: bool) -> Result<u8, Failure> {
    let store = existing(path)?;
    let runs = store.runs(account).map_err(failure)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&runs).unwrap_or_default()
        );
        return Ok(0);
    }
    if runs.is_empty() {
        println!("No runs recorded in {}.", path);
        return Ok(0);
    }
    let mut b = Builder::default();
    b.push_record([
        "RUN", "ACCOUNT", "STARTED", "STATUS", "FAIL", "PASS", "N/A", "GAPS", "ERROR",
    ]);
    for r in runs {
        b.push_record([
            r.id.to_string(),
            r.account,
            r.started_at,
            r.status,
            r.fail.to_string(),
            r.pass.to_string(),
            r.not_assessed.to_string(),
            r.gaps.to_string(),
            r.error.unwrap_or_default(),
        ]);
    }
    println!("{}", auditor_report::table::sharp(b));
    Ok(0)
}

/// `auditor report --run ID`.
pub(crate) fn report(
    path: &Location,
    run: i64,
    format: crate::audit::Format,
    table: auditor_report::table::TableOptions,
    outputs: &[std::path::PathBuf],
) -> Result<u8, Failure> {
    use crate::output::{Destination, Output};
    let outputs = outputs
        .iter()
        .map(|p| Output::parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    let store = existing(path)?;
    let result = store.result(run).map_err(failure)?;
    for o in &outputs {
        let Destination::File(p) = &o.dest else {
            return Err(crate::fail::usage(format!(
                "--output {}: `report` writes local files (upload with `audit --output s3://...` or the daemon)",
                o.dest
            )));
        };
        // From a store, ASFF also archives in Security Hub what this run resolved, and the
        // review report says what changed since the run before.
        let (body, _) = match o.format {
            crate::output::ReportFormat::Asff => (
                auditor_report::asff::to_asff(&result, &resolved_by(&store, run, &result)?),
                "",
            ),
            crate::output::ReportFormat::Html => o
                .format
                .render(&result, changes_or_warn(&store, run, &result).as_ref()),
            _ => o.format.render(&result, None),
        };
        crate::output::write_atomically(p, body.as_bytes()).map_err(|e| Failure {
            code: 4,
            message: format!("cannot write the report to {}: {e:#}", p.display()),
        })?;
    }
    match format {
        crate::audit::Format::Json => print!("{}", auditor_report::json_v1::to_json(&result)),
        crate::audit::Format::Csv => print!("{}", auditor_report::csv::to_csv(&result)),
        crate::audit::Format::Sarif => print!("{}", auditor_report::sarif::to_sarif(&result)),
        crate::audit::Format::Ocsf => print!("{}", auditor_report::ocsf::to_ocsf(&result)),
        crate::audit::Format::Html => print!(
            "{}",
            auditor_report::html::to_html(&result, changes_or_warn(&store, run, &result).as_ref())
        ),
        crate::audit::Format::Asff => print!(
            "{}",
            auditor_report::asff::to_asff(&result, &resolved_by(&store, run, &result)?)
        ),
        crate::audit::Format::Table => print!("{}", auditor_report::table::render(&result, table)),
    }
    for o in &outputs {
        crate::fail::say(&format!("report written to {}", o.dest));
    }
    Ok(0)
}

/// `auditor diff`.
pub(crate) fn diff(
    path: &Location,
    from: Option<i64>,
    to: Option<i64>,
    json: bool,
    fail_on_new: Option<auditor_model::Severity>,
) -> Result<u8, Failure> {
    let store = existing(path)?;
    let to = match to {
        Some(t) => t,
        None => store
            .latest_pair(None)
            .map_err(failure)?
            .1
            .ok_or_else(|| Failure {
                code: 2,
                message: format!("no complete run in {}", path),
            })?,
    };
    let from = match from {
        Some(f) => f,
        None => {
            let account = store
                .run(to)
                .map_err(failure)?
                .map(|r| r.account)
                .ok_or_else(|| Failure {
                    code: 2,
                    message: format!("no run {to} in {}", path),
                })?;
            store
                .previous_complete(&account, Some(to))
                .map_err(failure)?
                .ok_or_else(|| Failure {
                    code: 2,
                    message: format!(
                        "run {to} is the first complete run of account {account}: nothing to compare it with"
                    ),
                })?
        }
    };
    let d = store.diff(from, to).map_err(failure)?;
    // The gate: something new fails at or above the severity asked.
    let code = u8::from(fail_on_new.is_some_and(|min| {
        d.new.iter().any(|e| {
            e.severity
                .parse::<auditor_model::Severity>()
                .is_ok_and(|s| s >= min)
        })
    }));
    if json {
        println!("{}", serde_json::to_string_pretty(&d).unwrap_or_default());
        return Ok(code);
    }
    println!(
        "Run {} → run {}: {} new, {} resolved, {} still open, {} no longer assessed.",
        d.from,
        d.to,
        d.new.len(),
        d.resolved.len(),
        d.still_open.len(),
        d.not_assessed.len()
    );
    for (title, entries) in [
        ("New", &d.new),
        ("Resolved", &d.resolved),
        ("Still open", &d.still_open),
        ("Not assessed in the later run (unknown)", &d.not_assessed),
    ] {
        if entries.is_empty() {
            continue;
        }
        println!("\n{title}:");
        println!("{}", table(entries));
    }
    Ok(code)
}

fn table(entries: &[DiffEntry]) -> String {
    let mut b = Builder::default();
    b.push_record(["CHECK", "SEVERITY", "RESOURCE", "TITLE"]);
    for e in entries {
        b.push_record([
            e.code.clone(),
            e.severity.clone(),
            e.resource_arn.clone(),
            e.title.clone(),
        ]);
    }
    auditor_report::table::sharp(b)
}

/// What changed in `result` (run `run`, stored or not yet) since the account's previous
/// complete run, for the HTML review report.
pub(crate) fn changes(
    store: &Store,
    run: i64,
    result: &AuditResult,
) -> Result<auditor_report::html::Changes, Failure> {
    let Some(from) = store
        .previous_complete(&result.account_id, Some(run))
        .map_err(failure)?
    else {
        return Ok(auditor_report::html::Changes {
            from_run: None,
            to_run: run,
            ..Default::default()
        });
    };
    let before = store.result(from).map_err(failure)?;
    let d = auditor_store::diff_results(&before, result, from, run);
    let list = |v: Vec<DiffEntry>| {
        v.into_iter()
            .map(|e| auditor_report::html::Change {
                code: e.code,
                severity: e.severity,
                resource_arn: e.resource_arn,
                title: e.title,
            })
            .collect()
    };
    Ok(auditor_report::html::Changes {
        from_run: Some(from),
        to_run: run,
        new: list(d.new),
        resolved: list(d.resolved),
        still_open: list(d.still_open),
        not_assessed: list(d.not_assessed),
    })
}

/// [`changes`], or a warning and none: a previous run that cannot be read costs the review
/// report its changes section, not the report.
pub(crate) fn changes_or_warn(
    store: &Store,
    run: i64,
    result: &AuditResult,
) -> Option<auditor_report::html::Changes> {
    changes(store, run, result)
        .map_err(|f| {
            crate::fail::warn(&format!(
                "the review report leaves out what changed since the previous run: {}",
                f.message
            ))
        })
        .ok()
}

/// The issues run `run` resolved, for ASFF's archived records.
fn resolved_by(
    store: &Store,
    run: i64,
    result: &AuditResult,
) -> Result<Vec<auditor_report::asff::Resolved>, Failure> {
    Ok(store
        .issues(Some(&result.account_id), Some("resolved"), None)
        .map_err(failure)?
        .into_iter()
        .filter(|i| i.resolved_run == Some(run))
        .map(|i| auditor_report::asff::Resolved {
            fingerprint: i.fingerprint,
            code: i.code,
            title: i.title,
            resource_arn: i.resource_arn,
            region: i.region,
        })
        .collect())
}
