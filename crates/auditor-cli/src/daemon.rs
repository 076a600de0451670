//! `auditor daemon --config FILE`: audits the configured accounts on a schedule, records
//! every run in the findings store, writes each JSON report atomically to the reports
//! directory (and, when configured, uploads it to the auditor's own bucket), and serves
//! health, metrics and a read-only JSON API over HTTP (see `http.rs`).
//!
//! A run that fails (AWS refused, the network is down) is recorded as failed and the
//! schedule goes on. SIGTERM or SIGINT stops scheduling; a run in progress may finish
//! within the grace period, else it is recorded as aborted; the daemon then exits 0.

use crate::config::{Accounts, Config, DaemonConfig, Schedule};
use crate::{http, output, stored, usage, Failure};
use auditor_model::{AccountId, AuditResult, Status};
use auditor_store::Store;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What the HTTP side reads: the store, the metrics, the token.
pub(crate) struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) metrics: Mutex<Metrics>,
    pub(crate) token: Option<String>,
    /// The run in progress, to mark aborted if it must be stopped.
    current: Mutex<Option<i64>>,
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

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs the daemon until a signal (or `max_rounds` scheduled rounds, for tests).
pub(crate) async fn run(cfg: Config, max_rounds: Option<u32>) -> Result<u8, Failure> {
    let d = cfg.daemon.clone().ok_or_else(|| {
        usage("the configuration has no [daemon] section (see config/auditor.example.toml)")
    })?;
    let store = stored::open(&d.store)?;
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        metrics: Mutex::new(Metrics::default()),
        token: d.token.clone(),
        current: Mutex::new(None),
    });
    let listener = tokio::net::TcpListener::bind(d.listen)
        .await
        .map_err(|e| Failure {
            code: 4,
            message: format!("cannot listen on {}: {e}", d.listen),
        })?;
    let addr = listener.local_addr().unwrap_or(d.listen);
    tracing::info!(target: "auditor::daemon", listen = %addr, accounts = ?d.accounts, schedule = %d.schedule, store = %d.store.display(), "daemon started");
    if !crate::json_logs() {
        eprintln!(
            "auditor: daemon listening on http://{addr}; auditing {} {}",
            d.accounts, d.schedule
        );
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut server_stop = stop_rx.clone();
    let app = http::router(shared.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|s| *s).await;
            })
            .await
    });
    tokio::spawn(signals(stop_tx.clone()));

    let mut stop = stop_rx.clone();
    let mut round = 0u32;
    'rounds: loop {
        let wait = next_wait(&d.schedule, round == 0) + jitter(d.jitter);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|s| *s) => break 'rounds,
        }
        let accounts = tokio::select! {
            a = round_accounts(&cfg, &d, &shared) => a,
            _ = stop.wait_for(|s| *s) => break 'rounds,
        };
        for (account, inactive) in &accounts {
            if let Some(why) = inactive {
                not_assessed(&cfg, &shared, account, why);
                continue;
            }
            // Run in place (not spawned): dropping the future is what aborts it.
            let task = audit_account(cfg.clone(), d.clone(), account.clone(), shared.clone());
            tokio::pin!(task);
            tokio::select! {
                _ = &mut task => {}
                _ = stop.wait_for(|s| *s) => {
                    // Stopping: let the run finish within the grace period, else abort it.
                    if tokio::time::timeout(d.grace_period, &mut task).await.is_err() {
                        if let Some(id) = lock(&shared.current).take() {
                            let why = format!("stopped by a signal; the run did not finish within the grace period of {}s", d.grace_period.as_secs());
                            let _ = lock(&shared.store).end_run_without_result(id, "aborted", &why);
                            count(&shared, account, "aborted");
                            tracing::warn!(target: "auditor::daemon", run = id, account, "run aborted");
                        }
                    }
                    break 'rounds;
                }
            }
        }
        round += 1;
        if max_rounds.is_some_and(|m| round >= m) || *stop.borrow() {
            break;
        }
    }
    let _ = stop_tx.send(true);
    let _ = server.await;
    tracing::info!(target: "auditor::daemon", rounds = round, "daemon stopped");
    Ok(0)
}

async fn signals(stop: watch::Sender<bool>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!(target: "auditor::daemon", "signal received: no new runs");
    let _ = stop.send(true);
}

/// How long until the next round: an interval starts with a round at once; cron waits for
/// its next occurrence (UTC).
fn next_wait(schedule: &Schedule, first: bool) -> Duration {
    match schedule {
        Schedule::Every(_) if first => Duration::ZERO,
        Schedule::Every(i) => *i,
        Schedule::Cron(_, cron) => {
            let now = chrono::Utc::now();
            cron.find_next_occurrence(&now, false)
                .ok()
                .and_then(|next| (next - now).to_std().ok())
                .unwrap_or(Duration::from_secs(60))
        }
    }
}

/// A spread of up to `max`, so that many daemons do not call AWS at the same second.
fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64 ^ u64::from(std::process::id()).rotate_left(17))
        .unwrap_or_default();
    Duration::from_millis(seed % (max.as_millis() as u64).max(1))
}

/// This round's accounts, each with the reason it cannot be audited (suspended) if any.
/// With `accounts = "org"` the organisation is listed anew each round; when that fails the
/// round audits nothing, says why, and the schedule goes on.
async fn round_accounts(
    cfg: &Config,
    d: &DaemonConfig,
    shared: &Shared,
) -> Vec<(String, Option<String>)> {
    match &d.accounts {
        Accounts::List(l) => l.iter().map(|a| (a.clone(), None)).collect(),
        Accounts::Org => match crate::org::discover(cfg).await {
            Ok(org) => {
                tracing::info!(target: "auditor::daemon", organization = ?org.id, accounts = org.accounts.len(), "organisation listed");
                org.accounts
                    .into_iter()
                    .map(|a| {
                        let why = (!a.is_active()).then(|| {
                            format!(
                                "the account is {} in AWS Organizations: nothing to audit",
                                a.status
                            )
                        });
                        (a.id, why)
                    })
                    .collect()
            }
            Err(f) => {
                lock(&shared.metrics).org_listing_failures += 1;
                tracing::error!(target: "auditor::daemon", error = %f.message, "cannot list the organisation's accounts; this round audits nothing");
                Vec::new()
            }
        },
    }
}

/// An account of the organisation that cannot be audited: a failed run with the reason.
fn not_assessed(cfg: &Config, shared: &Shared, account: &str, why: &str) {
    let services: Vec<String> = cfg
        .services
        .clone()
        .unwrap_or_else(|| auditor_model::Service::IMPLEMENTED.to_vec())
        .iter()
        .map(|s| s.to_string())
        .collect();
    let regions = cfg.regions.clone().unwrap_or_default();
    let mut st = lock(&shared.store);
    let recorded = st
        .begin_run(
            account,
            &regions,
            &services,
            time::OffsetDateTime::now_utc(),
        )
        .and_then(|id| st.end_run_without_result(id, "failed", why).map(|_| id));
    drop(st);
    count(shared, account, "failed");
    match recorded {
        Ok(id) => {
            tracing::warn!(target: "auditor::daemon", run = id, account, reason = why, "account not assessed")
        }
        Err(e) => {
            tracing::error!(target: "auditor::daemon", account, error = %e, "cannot record the run")
        }
    }
}

fn count(shared: &Shared, account: &str, status: &str) {
    let mut m = lock(&shared.metrics);
    *m.runs
        .entry((account.to_owned(), status.to_owned()))
        .or_default() += 1;
    m.last_status.insert(account.to_owned(), status.to_owned());
}

/// One account's audit: recorded, stored, reported. Never panics the daemon: a failure is
/// a failed run.
async fn audit_account(cfg: Config, d: DaemonConfig, account: String, shared: Arc<Shared>) {
    let started = Instant::now();
    let started_at = time::OffsetDateTime::now_utc();
    let services: Vec<auditor_model::Service> = cfg
        .services
        .clone()
        .unwrap_or_else(|| auditor_model::Service::IMPLEMENTED.to_vec());
    let names: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    let regions = cfg.regions.clone().unwrap_or_default();
    let id = match lock(&shared.store).begin_run(&account, &regions, &names, started_at) {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(target: "auditor::daemon", account, error = %e, "cannot record the run");
            count(&shared, &account, "failed");
            return;
        }
    };
    *lock(&shared.current) = Some(id);
    let before = auditor_aws::counting::snapshot_scope(&account);
    let outcome = collect_and_check(&cfg, &account, services, started_at).await;
    *lock(&shared.current) = None;
    {
        // Every request of the run is counted under its account (failed runs too).
        let mut m = lock(&shared.metrics);
        let api = m.api.entry(account.clone()).or_default();
        let run =
            auditor_aws::counting::delta(&before, &auditor_aws::counting::snapshot_scope(&account));
        for (service, c) in run {
            api.entry(service).or_default().add(&c);
        }
    }
    let result = match outcome {
        Ok(r) => r,
        Err(f) => {
            let _ = lock(&shared.store).end_run_without_result(id, "failed", &f.message);
            count(&shared, &account, "failed");
            tracing::warn!(target: "auditor::daemon", run = id, account, error = %f.message, "run failed");
            return;
        }
    };
    // The metrics lock is held across the store's commit, so that /metrics never lags
    // behind /api/runs.
    let stored = {
        let mut m = lock(&shared.metrics);
        let r = lock(&shared.store).finish_run(id, &result);
        if r.is_ok() {
            record_complete(&mut m, &account, started, &result);
        }
        r
    };
    let changes = match stored {
        Ok(c) => c,
        Err(e) => {
            count(&shared, &account, "failed");
            tracing::error!(target: "auditor::daemon", run = id, account, error = %e, "cannot store the run");
            return;
        }
    };
    let json = auditor_report::json_v1::to_json(&result);
    let stamp = started_at
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let dir = d.reports_dir.join(&account);
    let file = dir.join(format!("{stamp}-run{id}.json"));
    for path in [&file, &dir.join("latest.json")] {
        if let Err(e) = output::write_atomically(path, json.as_bytes()) {
            tracing::error!(target: "auditor::daemon", run = id, path = %path.display(), error = %format!("{e:#}"), "cannot write the report");
        }
    }
    if let Some((bucket, prefix)) = &d.upload_to {
        let key = if prefix.is_empty() {
            format!("{account}/{stamp}-run{id}.json")
        } else {
            format!("{prefix}/{account}/{stamp}-run{id}.json")
        };
        if let Err(e) = upload(&cfg, bucket, &key, json.clone().into_bytes()).await {
            tracing::error!(target: "auditor::daemon", run = id, bucket, key, error = %e, "cannot upload the report");
        }
    }
    let fails = result
        .findings
        .iter()
        .filter(|f| f.fails_unsuppressed())
        .count();
    tracing::info!(
        target: "auditor::daemon",
        run = id,
        account,
        fail = fails,
        new = changes.new,
        resolved = changes.resolved,
        reopened = changes.reopened,
        gaps = result.gaps.len(),
        seconds = started.elapsed().as_secs(),
        report = %file.display(),
        "run complete"
    );
    if !crate::json_logs() {
        eprintln!(
            "auditor: run {id} of {account} complete: {fails} failing, {} new, {} resolved, {} coverage gaps; {}",
            changes.new,
            changes.resolved,
            result.gaps.len(),
            file.display()
        );
    }
}

/// A complete run's metrics: duration, last success, findings, gaps, and the run count.
fn record_complete(m: &mut Metrics, account: &str, started: Instant, result: &AuditResult) {
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

async fn collect_and_check(
    cfg: &Config,
    account: &str,
    services: Vec<auditor_model::Service>,
    started_at: time::OffsetDateTime,
) -> Result<AuditResult, Failure> {
    let id: AccountId = account
        .parse()
        .map_err(|e: auditor_model::IdError| usage(e.0))?;
    let (inv, caller, assumed) = crate::collect_account(cfg, &id, services).await?;
    Ok(auditor_engine::evaluate(
        &inv,
        &cfg.settings,
        &caller,
        assumed,
        started_at,
    ))
}

/// The auditor's one write: a report into its own bucket, with the caller's credentials.
async fn upload(cfg: &Config, bucket: &str, key: &str, body: Vec<u8>) -> Result<(), String> {
    let base = auditor_aws::load_base_config(&crate::aws_options(cfg)).await;
    auditor_aws::deliver::put_report(&base, bucket, key, body).await
}
