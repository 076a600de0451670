//! The daemon as one of several replicas sharing a PostgreSQL store
//! (`daemon.store = "postgres://..."`): rounds and leases from `auditor_store::rounds`.
//!
//! Each replica, in a loop:
//! 1. When a round is due (one row decides it for all), lists the accounts and tries to open
//!    the round; one replica does. Accounts that cannot be audited (suspended) are recorded
//!    as failed runs by that replica.
//! 2. Claims accounts of the newest round one at a time, each by a lease that a task of its
//!    own renews every third of [`DaemonConfig::lease`] while it audits. The run is stored
//!    only while the claim is still this replica's, in the transaction that finishes the
//!    account in the round (`auditor_store::LeaseGuard`), so an account is never audited
//!    twice to completion in a round; a failed run finishes it as `failed`. A lease found
//!    taken over (this replica was paused past it) ends its run as aborted.
//! 3. Marks failed the runs that replicas which died left running (by PID on this host and
//!    PID namespace, by the store's lease elsewhere), then waits a little and looks again.
//!
//! On SIGTERM a run in progress may finish within the grace period; otherwise it is aborted
//! and its account given back for another replica to claim at once.

use crate::config::{Config, DaemonConfig, Schedule};
use crate::fail::Failure;
use crate::state::{count, Shared};
use crate::stored::lock;
use auditor_store::rounds::{Claim, Rounds};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// This replica's name among the others: its host (the pod's name on Kubernetes), PID and
/// start (UNIX seconds: a restarted container, PID 1 again, is another replica).
pub(crate) fn replica_name() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = auditor_store::host_name();
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        format!("{host}/{}/{start}", std::process::id())
    })
    .clone()
}

/// Per-replica counters for `/metrics`.
#[derive(Debug, Default, Clone)]
pub(crate) struct ReplicaMetrics {
    /// This replica's name.
    pub(crate) name: String,
    /// Accounts it holds right now (0 or 1).
    pub(crate) leases_held: u64,
    /// Accounts it audited (claimed and finished, complete or failed).
    pub(crate) accounts_audited: u64,
    /// Accounts it took over from a replica whose lease ran out.
    pub(crate) takeovers: u64,
    /// Accounts taken from it while it audited them (it was paused past its lease).
    pub(crate) leases_lost: u64,
    /// Rounds it opened.
    pub(crate) rounds_opened: u64,
}

fn failure(e: impl std::fmt::Display) -> Failure {
    Failure {
        code: 4,
        message: e.to_string(),
    }
}

/// How long until the round after one opened now.
fn every(schedule: &Schedule) -> Duration {
    match schedule {
        Schedule::Every(i) => *i,
        Schedule::Cron(..) => crate::daemon::next_wait(schedule, false),
    }
}

/// Runs this replica until `stop`.
pub(crate) async fn run(
    cfg: &Config,
    d: &DaemonConfig,
    url: &str,
    shared: &Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), Failure> {
    let name = replica_name();
    // One connection opens rounds (a transaction needs it alone); the other claims, renews
    // and answers `/api/rounds`.
    // Both are connected again when their connection is lost (`reconnect`).
    let mut opener = Rounds::connect(url, &name).await.map_err(failure)?;
    let first = Arc::new(Rounds::connect(url, &name).await.map_err(failure)?);
    *lock(&shared.rounds) = Some(first);
    lock(&shared.metrics).replica = Some(crate::replicas::ReplicaMetrics {
        name: name.clone(),
        ..Default::default()
    });
    let poll = (d.lease / 2).clamp(Duration::from_secs(1), Duration::from_secs(10));
    tracing::info!(target: "auditor::daemon", replica = %name, lease_seconds = d.lease.as_secs(), "replica started");
    loop {
        *lock(&shared.scheduler_tick) = Instant::now();
        if *stop.borrow() {
            break;
        }
        if opener.is_closed() {
            if let Some(r) = connect_again(url, &name).await {
                opener = r;
            }
        }
        let Some(claimer) = worker(shared, url, &name).await else {
            tokio::select! {
                _ = tokio::time::sleep(poll) => continue,
                _ = stop.wait_for(|s| *s) => break,
            }
        };
        if let Err(e) = open_if_due(cfg, d, shared, &mut opener).await {
            tracing::error!(target: "auditor::daemon", error = %e.message, "cannot open the due round");
        }
        let recovered = tokio::task::block_in_place(|| lock(&shared.store).recover_interrupted());
        if let Ok(ids) = recovered {
            for id in ids {
                tracing::warn!(target: "auditor::daemon", run = id, "a run whose replica stopped is marked failed");
            }
        }
        match work(cfg, d, shared, url, &claimer, &mut stop).await {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => {
                tracing::error!(target: "auditor::daemon", error = %e.message, "cannot claim accounts")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
    }
    Ok(())
}

/// A new connection to the rounds, or `None` (said in the log) when it cannot be made.
async fn connect_again(url: &str, name: &str) -> Option<Rounds> {
    match Rounds::connect(url, name).await {
        Ok(r) => {
            tracing::info!(target: "auditor::daemon", "connected to the rounds database again");
            Some(r)
        }
        Err(e) => {
            tracing::error!(target: "auditor::daemon", error = %e, "cannot connect to the rounds database");
            None
        }
    }
}

/// The connection that claims and renews (and answers `/api/rounds`), made again when it
/// was lost.
async fn worker(shared: &Shared, url: &str, name: &str) -> Option<Arc<Rounds>> {
    let current = lock(&shared.rounds).clone();
    match current {
        Some(r) if !r.is_closed() => Some(r),
        _ => {
            let r = Arc::new(connect_again(url, name).await?);
            *lock(&shared.rounds) = Some(r.clone());
            Some(r)
        }
    }
}

/// What `/api/rounds` shows: the replica's name, and the newest `last` rounds with the
/// newest round's accounts. A connection found lost is made again, and the reading tried
/// once more.
pub(crate) async fn view(
    shared: &Shared,
    url: &str,
    last: i64,
) -> Result<(String, auditor_store::rounds::Overview), String> {
    let name = replica_name();
    let mut tries = 0;
    loop {
        tries += 1;
        let r = worker(shared, url, &name)
            .await
            .ok_or_else(|| "cannot connect to the rounds database".to_owned())?;
        match r.overview(last).await {
            Ok(o) => return Ok((r.replica().to_owned(), o)),
            Err(_) if r.is_closed() && tries < 2 => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Opens the due round, if one is due and no other replica opens it first.
async fn open_if_due(
    cfg: &Config,
    d: &DaemonConfig,
    shared: &Shared,
    opener: &mut Rounds,
) -> Result<(), Failure> {
    if !opener.is_due().await.map_err(failure)? {
        return Ok(());
    }
    let accounts = crate::daemon::round_accounts(cfg, d, shared).await;
    let active: Vec<String> = accounts
        .iter()
        .filter(|(_, inactive)| inactive.is_none())
        .map(|(a, _)| a.clone())
        .collect();
    let Some(round) = opener
        .open_due_round(every(&d.schedule), &active)
        .await
        .map_err(failure)?
    else {
        return Ok(());
    };
    if let Some(r) = lock(&shared.metrics).replica.as_mut() {
        r.rounds_opened += 1;
    }
    tracing::info!(target: "auditor::daemon", round, accounts = active.len(), "round opened");
    for (account, inactive) in &accounts {
        if let Some(why) = inactive {
            crate::daemon::not_assessed(cfg, shared, account, why);
        }
    }
    Ok(())
}

/// Claims and audits accounts of the newest round until none is left; true when stopped.
async fn work(
    cfg: &Config,
    d: &DaemonConfig,
    shared: &Arc<Shared>,
    url: &str,
    rounds: &Arc<Rounds>,
    stop: &mut watch::Receiver<bool>,
) -> Result<bool, Failure> {
    let Some(round) = rounds.latest().await.map_err(failure)? else {
        return Ok(false);
    };
    loop {
        if *stop.borrow() {
            return Ok(true);
        }
        let Some(claim) = rounds.claim(round, d.lease).await.map_err(failure)? else {
            return Ok(false);
        };
        set_metric(shared, |m| {
            m.leases_held = 1;
            if claim.takeover {
                m.takeovers += 1;
            }
        });
        if claim.takeover {
            tracing::warn!(target: "auditor::daemon", round, account = %claim.account, "account taken over: its replica stopped renewing its lease");
            let _ = tokio::task::block_in_place(|| lock(&shared.store).recover_interrupted());
        }
        let stopped = audit_claimed(cfg, d, shared, url, &claim, stop).await;
        set_metric(shared, |m| m.leases_held = 0);
        if stopped {
            return Ok(true);
        }
    }
}

fn set_metric(shared: &Shared, f: impl FnOnce(&mut ReplicaMetrics)) {
    if let Some(r) = lock(&shared.metrics).replica.as_mut() {
        f(r);
    }
}

/// Audits a claimed account while its lease is renewed; true when stopped by a signal.
async fn audit_claimed(
    cfg: &Config,
    d: &DaemonConfig,
    shared: &Arc<Shared>,
    url: &str,
    claim: &Claim,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    *lock(&shared.scheduler_tick) = Instant::now();
    let name = replica_name();
    // The run is stored only while the claim is this replica's, and finishes the account in
    // the round in the same transaction.
    let guard = auditor_store::LeaseGuard {
        round: claim.round,
        account: claim.account.clone(),
        holder: name.clone(),
    };
    let task = crate::daemon::audit_account(
        cfg.clone(),
        d.clone(),
        claim.account.clone(),
        shared.clone(),
        Some(guard),
    );
    tokio::pin!(task);
    // The lease is renewed by a task of its own, so that nothing the run does (storing its
    // result blocks its thread) holds the renewals back; it says when the claim is lost.
    let (lost_tx, mut lost) = watch::channel(false);
    let renewer = {
        let (shared, url, claim, lease) = (shared.clone(), url.to_owned(), claim.clone(), d.lease);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                // A lost connection is made again here too: the lease must not lapse for it.
                let Some(rounds) = worker(&shared, &url, &replica_name()).await else {
                    continue;
                };
                match rounds.heartbeat(&claim, lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let _ = lost_tx.send(true);
                        break;
                    }
                    // A renewal that fails is tried again; the lease is three renewals long.
                    Err(e) => {
                        tracing::warn!(target: "auditor::daemon", account = %claim.account, error = %e, "cannot renew the lease")
                    }
                }
            }
        })
    };
    let mut lost_in_grace = lost.clone();
    let outcome = tokio::select! {
        o = &mut task => Some(o),
        _ = lost.wait_for(|l| *l) => {
            renewer.abort();
            let why = "aborted: its lease was taken over by another replica (this one was paused past it)";
            abort_current(shared, &claim.account, why);
            set_metric(shared, |m| m.leases_lost += 1);
            return false;
        }
        _ = stop.wait_for(|s| *s) => {
            // Stopping: the run may finish within the grace period (its lease renewed).
            tokio::select! {
                r = tokio::time::timeout(d.grace_period, &mut task) => r.ok(),
                _ = lost_in_grace.wait_for(|l| *l) => None,
            }
        }
    };
    renewer.abort();
    let stopped = *stop.borrow();
    match outcome {
        // Stored, and finished in the round with it.
        Some((_, true)) => set_metric(shared, |m| m.accounts_audited += 1),
        Some((run, false)) => {
            // Failed (or could not be stored): the round records it failed, unless the
            // claim was lost meanwhile (the other replica's run counts).
            let mut recorded = None;
            for attempt in 0..3 {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                let Some(rounds) = worker(shared, url, &name).await else {
                    continue;
                };
                match rounds.finish(claim, false, run).await {
                    Ok(ours) => {
                        recorded = Some(ours);
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(target: "auditor::daemon", account = %claim.account, error = %e, "cannot record the failed run in the round")
                    }
                }
            }
            match recorded {
                Some(true) => set_metric(shared, |m| m.accounts_audited += 1),
                Some(false) => {
                    tracing::warn!(target: "auditor::daemon", account = %claim.account, "the account's lease was taken over before its failed run was recorded in the round")
                }
                None => {
                    tracing::error!(target: "auditor::daemon", account = %claim.account, "cannot record the account's run in the round; its lease runs out and another replica audits it")
                }
            }
        }
        None => {
            let why = format!(
                "stopped by a signal; the run did not finish within the grace period of {}s",
                d.grace_period.as_secs()
            );
            abort_current(shared, &claim.account, &why);
            if let Some(rounds) = worker(shared, url, &name).await {
                let _ = rounds.release(claim).await;
            }
        }
    }
    stopped
}

/// Ends the run in progress as aborted, with why.
fn abort_current(shared: &Shared, account: &str, why: &str) {
    if let Some(id) = lock(&shared.current).take().map(|c| c.id) {
        let _ = lock(&shared.store).end_run_without_result(id, "aborted", why);
        count(shared, account, "aborted");
        tracing::warn!(target: "auditor::daemon", run = id, account, reason = why, "run aborted");
    }
}

/// `auditor rounds`: the newest `last` rounds and the newest round's accounts.
pub(crate) fn rounds_command(
    at: &auditor_store::Location,
    last: i64,
    json: bool,
) -> Result<u8, Failure> {
    let auditor_store::Location::Postgres(url) = at else {
        return Err(crate::fail::usage(format!(
            "--store {at}: rounds are kept by daemon replicas in a PostgreSQL store (a postgres:// URL), not in a SQLite file"
        )));
    };
    if last < 1 {
        return Err(crate::fail::usage("--last must be at least 1"));
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(failure)?;
    let overview = rt.block_on(async {
        let r = Rounds::connect_reader(url).await.map_err(failure)?;
        if !r.exists().await.map_err(failure)? {
            return Ok(auditor_store::rounds::Overview::default());
        }
        r.overview(last).await.map_err(failure)
    })?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&overview).unwrap_or_default()
        );
        return Ok(0);
    }
    let auditor_store::rounds::Overview {
        rounds: recent,
        latest_accounts: accounts,
    } = overview;
    if recent.is_empty() {
        println!("No rounds in {at}.");
        return Ok(0);
    }
    let mut b = tabled::builder::Builder::default();
    b.push_record([
        "ROUND",
        "OPENED",
        "BY",
        "PENDING",
        "RUNNING",
        "COMPLETE",
        "FAILED",
        "TAKEOVERS",
        "DONE",
    ]);
    for p in &recent {
        b.push_record([
            p.round.to_string(),
            p.opened_at.clone(),
            p.opened_by.clone(),
            p.pending.to_string(),
            p.running.to_string(),
            p.complete.to_string(),
            p.failed.to_string(),
            p.takeovers.to_string(),
            if p.is_complete() { "yes" } else { "no" }.to_owned(),
        ]);
    }
    println!("{}", auditor_report::table::sharp(b));
    let held: Vec<String> = accounts
        .iter()
        .filter(|a| a.state == "running")
        .map(|a| format!("{} ({})", a.account, a.holder.as_deref().unwrap_or("?")))
        .collect();
    if !held.is_empty() {
        let round = recent.first().map(|p| p.round).unwrap_or_default();
        println!("Held now in round {round}: {}", held.join(", "));
    }
    Ok(0)
}
