//! `auditor daemon --config FILE`: audits the configured accounts on a schedule, records
//! every run in the findings store, writes each JSON report atomically to the reports
//! directory (and, when configured, uploads it to the auditor's own bucket), and serves
//! health, metrics and a read-only JSON API over HTTP (see `http.rs`).
//!
//! A run that fails (AWS refused, the network is down) is recorded as failed and the
//! schedule goes on. SIGTERM or SIGINT stops scheduling; a run in progress may finish
//! within the grace period, else it is recorded as aborted; the daemon then exits 0.

use crate::config::{Accounts, Config, DaemonConfig, Schedule};
use crate::fail::{usage, Failure};
use crate::state::{count, record_complete, Metrics, Shared};
use crate::stored::lock;
use crate::{http, output, stored};
use auditor_model::AccountId;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The longest the notifications of one run may hold the schedule.
const NOTIFY_BUDGET: Duration = Duration::from_secs(60);

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
        deadline: cfg.deadline,
        reports_dir: d.reports_dir.clone(),
        store_at: d.store.clone(),
        scheduler_tick: Mutex::new(Instant::now()),
        rounds: Mutex::new(None),
    });
    let replica_of = match &d.store {
        auditor_store::Location::Postgres(url) => Some(url.clone()),
        auditor_store::Location::File(_) => None,
    };
    // What the store knows of earlier runs: /metrics and /readyz are right from the start.
    // A replica's metrics are its own (the store holds every replica's runs).
    if replica_of.is_none() {
        crate::state::restore(&mut lock(&shared.metrics), &lock(&shared.store));
    }
    let listener = tokio::net::TcpListener::bind(d.listen)
        .await
        .map_err(|e| Failure {
            code: 4,
            message: format!("cannot listen on {}: {e}", d.listen),
        })?;
    let addr = listener.local_addr().unwrap_or(d.listen);
    if replica_of.is_none() {
        restore_reports(&shared, &d.reports_dir);
    }
    tracing::info!(target: "auditor::daemon", listen = %addr, accounts = ?d.accounts, schedule = %d.schedule, store = %d.store, "daemon started");
    if !crate::fail::json_logs() {
        eprintln!(
            "auditor: daemon listening on http://{addr}; auditing {} {}",
            d.accounts, d.schedule
        );
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let app = http::router(shared.clone());
    let server = tokio::spawn(http::serve(listener, app, stop_rx.clone()));
    tokio::spawn(signals(stop_tx.clone()));

    let mut stop = stop_rx.clone();
    let mut round = 0u32;
    if let Some(url) = &replica_of {
        let outcome = crate::replicas::run(&cfg, &d, url, &shared, stop_rx.clone()).await;
        let _ = stop_tx.send(true);
        let _ = server.await;
        tracing::info!(target: "auditor::daemon", "daemon stopped");
        return outcome.map(|()| 0);
    }
    'rounds: loop {
        let wait = next_wait(&d.schedule, round == 0) + jitter(d.jitter);
        // Waits in steps, each one a sign of life for /readyz.
        let until = tokio::time::Instant::now() + wait;
        loop {
            *lock(&shared.scheduler_tick) = Instant::now();
            let now = tokio::time::Instant::now();
            if now >= until {
                break;
            }
            let step = (until - now).min(crate::state::SCHEDULER_TICK);
            tokio::select! {
                _ = tokio::time::sleep(step) => {}
                _ = stop.wait_for(|s| *s) => break 'rounds,
            }
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
            *lock(&shared.scheduler_tick) = Instant::now();
            // Run in place (not spawned): dropping the future is what aborts it.
            let task = audit_account(
                cfg.clone(),
                d.clone(),
                account.clone(),
                shared.clone(),
                None,
            );
            tokio::pin!(task);
            tokio::select! {
                _ = &mut task => {}
                _ = stop.wait_for(|s| *s) => {
                    // Stopping: let the run finish within the grace period, else abort it.
                    if tokio::time::timeout(d.grace_period, &mut task).await.is_err() {
                        if let Some(id) = lock(&shared.current).take().map(|c| c.id) {
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
pub(crate) fn next_wait(schedule: &Schedule, first: bool) -> Duration {
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
pub(crate) async fn round_accounts(
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
pub(crate) fn not_assessed(cfg: &Config, shared: &Shared, account: &str, why: &str) {
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

/// One account's audit: recorded, stored, reported. Never panics the daemon: a failure is
/// a failed run. The run's id (when it was recorded) and whether it completed (was stored).
/// A replica passes its claim on the account: the run is stored only while it holds it.
pub(crate) async fn audit_account(
    cfg: Config,
    d: DaemonConfig,
    account: String,
    shared: Arc<Shared>,
    guard: Option<auditor_store::LeaseGuard>,
) -> (Option<i64>, bool) {
    let started = Instant::now();
    let started_at = time::OffsetDateTime::now_utc();
    let services: Vec<auditor_model::Service> = cfg
        .services
        .clone()
        .unwrap_or_else(|| auditor_model::Service::IMPLEMENTED.to_vec());
    let names: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    let regions = cfg.regions.clone().unwrap_or_default();
    let recorded = match stored::Recorded::begin(
        Some(&shared.store),
        &account,
        &regions,
        &names,
        started_at,
    ) {
        Ok(r) => r,
        Err(f) => {
            tracing::error!(target: "auditor::daemon", account, error = %f.message, "cannot record the run");
            count(&shared, &account, "failed");
            return (None, false);
        }
    };
    let id = recorded.id.unwrap_or_default();
    *lock(&shared.current) = recorded.id.map(|id| crate::state::Current {
        id,
        account: account.clone(),
        since: Instant::now(),
    });
    let before = auditor_aws::counting::snapshot_scope(&account);
    let outcome = match account.parse::<AccountId>() {
        Ok(a) => crate::run::account(&cfg, a, services, started_at)
            .await
            .map(|a| a.result),
        Err(e) => Err(usage(e.0)),
    };
    *lock(&shared.current) = None;
    *lock(&shared.scheduler_tick) = Instant::now();
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
            recorded.end("failed", &f.message);
            // Announced when the account starts failing, not at every failed round.
            let was_failing = lock(&shared.metrics)
                .last_status
                .get(&account)
                .map(String::as_str)
                == Some("failed");
            count(&shared, &account, "failed");
            tracing::warn!(target: "auditor::daemon", run = id, account, error = %f.message, "run failed");
            if !was_failing {
                notify(
                    &cfg,
                    &shared,
                    &account,
                    id,
                    crate::notify::What::Failed(&f.message),
                )
                .await;
            }
            return (recorded.id, false);
        }
    };
    // The report is written first: a store that cannot take the run (busy past its
    // retries, disk full) cannot lose what was audited.
    let stamp = crate::state::report_stamp(started_at);
    let dir = d.reports_dir.join(&account);
    let file = crate::state::report_path(&d.reports_dir, &account, &stamp, id);
    let mut written = true;
    for path in [&file, &dir.join("latest.json")] {
        // Serialised straight into the file: a large account's report is never held whole.
        if let Err(e) =
            output::write_atomically_with(path, |f| auditor_report::json_v1::write_json(&result, f))
        {
            written = false;
            tracing::error!(target: "auditor::daemon", run = id, path = %path.display(), error = %format!("{e:#}"), "cannot write the report");
        }
    }
    // The commit may wait out a busy store: off the async workers, and without the metrics
    // lock (the HTTP side reads the store on the blocking pool and never waits behind it).
    let stored = tokio::task::block_in_place(|| recorded.finish_guarded(&result, guard.as_ref()));
    if stored.is_ok() {
        record_complete(&mut lock(&shared.metrics), &account, started, &result);
    }
    let changes = match stored {
        Ok(c) => c.unwrap_or_default(),
        Err(e) => {
            count(&shared, &account, "failed");
            let kept = if written {
                format!("; its report is kept in {}", file.display())
            } else {
                String::new()
            };
            recorded.end(
                "failed",
                &format!("cannot store the run: {}{kept}", e.message),
            );
            tracing::error!(target: "auditor::daemon", run = id, account, error = %e.message, report = %file.display(), "cannot store the run");
            return (recorded.id, false);
        }
    };
    if let Some(keep) = d.keep_reports {
        retain(&shared, &d.reports_dir, &account, keep);
    }
    notify(
        &cfg,
        &shared,
        &account,
        id,
        crate::notify::What::Raised(&changes.raised),
    )
    .await;

    if let Some((bucket, prefix)) = &d.upload_to {
        let key = if prefix.is_empty() {
            format!("{account}/{stamp}-run{id}.json")
        } else {
            format!("{prefix}/{account}/{stamp}-run{id}.json")
        };
        if let Err(e) = crate::run::upload(
            &cfg,
            bucket,
            &key,
            "application/json",
            auditor_report::json_v1::to_json(&result).into_bytes(),
        )
        .await
        {
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
    if !crate::fail::json_logs() {
        eprintln!(
            "auditor: run {id} of {account} complete: {fails} failing, {} new, {} resolved, {} coverage gaps; {}",
            changes.new,
            changes.resolved,
            result.gaps.len(),
            file.display()
        );
    }
    (recorded.id, true)
}

/// Writes again, from the store, the report of each account's latest complete run when its
/// file is missing (lost in a crash before it reached the disk, or deleted); older reports
/// are left to the operator's retention. Returns how many were written.
pub(crate) fn restore_reports(shared: &Shared, reports: &std::path::Path) -> usize {
    let store = lock(&shared.store);
    let Ok(runs) = store.runs(None) else {
        return 0;
    };
    let mut restored = 0;
    let mut accounts = std::collections::BTreeSet::new();
    // Newest first: the first complete run of each account is its latest.
    for r in runs.iter().filter(|r| r.status == "complete") {
        if !accounts.insert(r.account.clone()) {
            continue;
        }
        let Ok(started) = time::OffsetDateTime::parse(
            &r.started_at,
            &time::format_description::well_known::Rfc3339,
        ) else {
            continue;
        };
        let path = crate::state::report_path(
            reports,
            &r.account,
            &crate::state::report_stamp(started),
            r.id,
        );
        if path.exists() {
            continue;
        }
        let Ok(result) = store.result(r.id) else {
            continue;
        };
        match output::write_atomically_with(&path, |f| {
            auditor_report::json_v1::write_json(&result, f)
        }) {
            Ok(()) => {
                restored += 1;
                tracing::info!(target: "auditor::daemon", run = r.id, path = %path.display(), "report restored from the store");
            }
            Err(e) => {
                tracing::error!(target: "auditor::daemon", run = r.id, path = %path.display(), error = %format!("{e:#}"), "cannot restore the report");
            }
        }
    }
    restored
}

/// Announces what a run raised, or its failure, within [`NOTIFY_BUDGET`]: a destination
/// that is down costs at most that much of the schedule (what it missed is pending in the
/// store and announced at the next run); the scheduler's sign of life is renewed around it.
async fn notify(
    cfg: &Config,
    shared: &Shared,
    account: &str,
    run: i64,
    what: crate::notify::What<'_>,
) {
    *lock(&shared.scheduler_tick) = Instant::now();
    let announced = crate::notify::announce(cfg, Some(&shared.store), account, Some(run), what);
    let _ = tokio::time::timeout(NOTIFY_BUDGET, announced).await;
    *lock(&shared.scheduler_tick) = Instant::now();
}

/// `daemon.keep_reports`: the account's newest `keep` runs stay in the store, and their
/// report files in the reports directory; older ones go (issue history stays whole).
fn retain(shared: &Shared, reports: &std::path::Path, account: &str, keep: usize) {
    let removed = tokio::task::block_in_place(|| lock(&shared.store).prune(account, keep));
    let removed = match removed {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(target: "auditor::daemon", account, error = %e, "cannot prune the store");
            return;
        }
    };
    let Ok(files) = std::fs::read_dir(reports.join(account)) else {
        return;
    };
    for f in files.flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        let run = name
            .strip_suffix(".json")
            .and_then(|n| n.rsplit_once("-run"))
            .and_then(|(_, id)| id.parse::<i64>().ok());
        if run.is_some_and(|id| removed.contains(&id)) {
            if let Err(e) = std::fs::remove_file(f.path()) {
                tracing::warn!(target: "auditor::daemon", path = %f.path().display(), error = %e, "cannot remove an old report");
            }
        }
    }
}
