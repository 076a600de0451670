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
}

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
    let account = account.to_owned();
    let secs = started.elapsed().as_secs_f64();
    let e = m.duration.entry(account.clone()).or_default();
    e.0 += secs;
    e.1 += 1;
    m.last_success.insert(
        account.clone(),
        time::OffsetDateTime::now_utc().unix_timestamp(),
    );
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
    m.gaps.insert(account.clone(), gaps);
    *m.runs
        .entry((account.clone(), "complete".to_owned()))
        .or_default() += 1;
    m.last_status.insert(account, "complete".to_owned());
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
