//! The daemon's shared state: what the scheduler and the HTTP side both read (the store,
//! the metrics, the token, the run in progress), and how a run's outcome updates the
//! metrics.

use crate::stored::lock;
use auditor_model::{AuditResult, Status};
use auditor_store::Store;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// What the HTTP side reads: the store, the metrics, the token.
pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) metrics: Mutex<Metrics>,
    pub(crate) token: Option<String>,
    /// The run in progress (its id, account and start), to mark aborted if it must be
    /// stopped, and for `/readyz`.
    pub(crate) current: Mutex<Option<Current>>,
    /// How long one account's audit may take (`audit.deadline`).
    pub(crate) deadline: Option<std::time::Duration>,
    /// Where the daemon writes run reports (`daemon.reports_dir`), served from there.
    pub(crate) reports_dir: std::path::PathBuf,
    /// Where the store is, for `/readyz`'s write probe.
    pub(crate) store_at: auditor_store::Location,
    /// When the scheduler last showed it is alive (it wakes at least every
    /// [`SCHEDULER_TICK`], and before each account's run).
    pub(crate) scheduler_tick: Mutex<Instant>,
    /// With a PostgreSQL store: the shared rounds, for `/api/rounds`.
    pub(crate) rounds: Mutex<Option<std::sync::Arc<auditor_store::rounds::Rounds>>>,
}

/// How often the scheduler wakes while it waits for the next round.
pub(crate) const SCHEDULER_TICK: std::time::Duration = std::time::Duration::from_secs(30);

/// The run in progress.
#[derive(Debug, Clone)]
pub(crate) struct Current {
    pub(crate) id: i64,
    pub(crate) account: String,
    pub(crate) since: Instant,
}

/// Counters and gauges for `/metrics`, per account.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    /// (account, status) → runs.
    pub(crate) runs: BTreeMap<(String, String), u64>,
    /// account → (sum of seconds, count) of complete runs.
    pub(crate) duration: BTreeMap<String, (f64, u64)>,
    /// account → UNIX time of the last complete run.
    pub(crate) last_success: BTreeMap<String, i64>,
    /// account → status of the last run.
    pub(crate) last_status: BTreeMap<String, String>,
    /// account → (severity, status) → findings of its last complete run.
    pub(crate) findings: BTreeMap<String, BTreeMap<(String, String), u64>>,
    /// account → (service, kind) → coverage gaps of its last complete run (`throttled`
    /// counts calls AWS kept throttling after the SDK's retries).
    pub(crate) gaps: BTreeMap<String, BTreeMap<(String, String), u64>>,
    /// account → service → AWS requests sent and throttled answers, over every run.
    pub(crate) api: BTreeMap<String, BTreeMap<String, auditor_aws::counting::Counts>>,
    /// Rounds whose organisation listing failed (`accounts = "org"`).
    pub(crate) org_listing_failures: u64,
    /// With a PostgreSQL store: this replica's leases, audits and takeovers.
    pub(crate) replica: Option<crate::replicas::ReplicaMetrics>,
}

pub(crate) fn count(shared: &Shared, account: &str, status: &str) {
    let mut m = lock(&shared.metrics);
    *m.runs
        .entry((account.to_owned(), status.to_owned()))
        .or_default() += 1;
    m.last_status.insert(account.to_owned(), status.to_owned());
}

/// A complete run's metrics: duration, last success, findings, gaps, and the run count.
pub(crate) fn record_complete(
    m: &mut Metrics,
    account: &str,
    started: Instant,
    result: &AuditResult,
) {
    let secs = started.elapsed().as_secs_f64();
    let e = m.duration.entry(account.to_owned()).or_default();
    e.0 += secs;
    e.1 += 1;
    record_result(
        m,
        account,
        time::OffsetDateTime::now_utc().unix_timestamp(),
        result,
    );
    *m.runs
        .entry((account.to_owned(), "complete".to_owned()))
        .or_default() += 1;
    m.last_status
        .insert(account.to_owned(), "complete".to_owned());
}

/// Metrics of an account's latest complete run: its findings, gaps and time.
fn record_result(m: &mut Metrics, account: &str, finished: i64, result: &AuditResult) {
    let account = account.to_owned();
    m.last_success.insert(account.clone(), finished);
    let mut by = BTreeMap::new();
    for f in &result.findings {
        let status = if f.status == Status::Fail && !f.fails_unsuppressed() {
            "suppressed"
        } else {
            f.status.as_str()
        };
        *by.entry((f.severity.as_str().to_owned(), status.to_owned()))
            .or_default() += 1;
    }
    m.findings.insert(account.clone(), by);
    let mut gaps = BTreeMap::new();
    for g in &result.gaps {
        *gaps
            .entry((g.service.clone(), g.kind.as_str().to_owned()))
            .or_default() += 1;
    }
    m.gaps.insert(account, gaps);
}

/// The metrics the store can tell after a restart: runs by account and status, each
/// account's last status, the duration of complete runs, and the findings, gaps and time of
/// each account's latest complete run. AWS request counters start again from zero (a
/// counter reset, which Prometheus' `rate()` handles).
pub(crate) fn restore(m: &mut Metrics, store: &Store) {
    let Ok(runs) = store.runs(None) else {
        return;
    };
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
    };
    // Oldest first, so that the last one seen of each account is its latest.
    for r in runs.iter().rev().filter(|r| r.status != "running") {
        *m.runs
            .entry((r.account.clone(), r.status.clone()))
            .or_default() += 1;
        m.last_status.insert(r.account.clone(), r.status.clone());
        if r.status != "complete" {
            continue;
        }
        if let (Some(a), Some(b)) = (
            parse(&r.started_at),
            r.finished_at.as_deref().and_then(parse),
        ) {
            let e = m.duration.entry(r.account.clone()).or_default();
            e.0 += (b - a).as_seconds_f64().max(0.0);
            e.1 += 1;
        }
    }
    let mut latest = std::collections::BTreeSet::new();
    for r in runs.iter().filter(|r| r.status == "complete") {
        if !latest.insert(r.account.clone()) {
            continue;
        }
        if let Ok(result) = store.result(r.id) {
            record_result(m, &r.account, result.finished_at.unix_timestamp(), &result);
        }
    }
}

/// `YYYYMMDDTHHMMSSZ` of a run's start, in its report's file name.
pub(crate) fn report_stamp(started_at: time::OffsetDateTime) -> String {
    started_at
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default()
}

/// Where the daemon writes the report of run `id`.
pub(crate) fn report_path(
    reports: &std::path::Path,
    account: &str,
    stamp: &str,
    id: i64,
) -> std::path::PathBuf {
    reports.join(account).join(format!("{stamp}-run{id}.json"))
}
