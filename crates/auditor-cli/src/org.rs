//! `auditor audit --org`: every active account of the organisation that `[org]` (or the
//! flags) selects, audited through the configured role, `org.concurrency` accounts at a
//! time. An account that cannot be audited (the role cannot be assumed, the account is
//! suspended) is reported as not assessed, with its reason, and the others go on.

use crate::config::Config;
use crate::fail::Failure;
use crate::progress::Progress;
use crate::run::aws;
use crate::{output, run, stored};
use auditor_model::{AccountId, Service, Severity};
use auditor_report::org::{AccountOutcome, Filter, OrgAudit};
use auditor_store::Store;
use futures::stream::{self, StreamExt};
use std::sync::Mutex;

/// Label under which the requests that list the organisation are counted.
const DISCOVERY_SCOPE: &str = "organizations";

/// What `audit --org` prints and writes.
pub(crate) struct OrgRun {
    pub(crate) json: bool,
    /// Where the organisation's JSON report goes (files or objects).
    pub(crate) outputs: Vec<output::Destination>,
    /// What the table lists.
    pub(crate) table: auditor_report::table::TableOptions,
    pub(crate) store: Option<Mutex<Store>>,
    pub(crate) fail_on: Option<Severity>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Lists the organisation's selected accounts: a refusal is exit 3 with a hint.
pub(crate) async fn discover(cfg: &Config) -> Result<collect_org::Organization, Failure> {
    let base = auditor_aws::load_base_config(&run::aws_options(cfg)).await;
    auditor_aws::counting::scoped(
        DISCOVERY_SCOPE,
        collect_org::discover(&base, &cfg.org.filter),
    )
    .await
    .map_err(|e| match e.kind() {
        // Credentials and the network have the same causes as for one account; a refusal
        // here is about Organizations, not about assuming the audit role.
        Some(auditor_aws::ErrorKind::Credentials | auditor_aws::ErrorKind::Unreachable) => {
            aws(&e, cfg.profile.as_deref())
        }
        _ => Failure {
            code: 3,
            message: format!(
                "{e} (listing the organisation needs the management account's credentials, or a delegated administrator's, with organizations:Describe* and List*)"
            ),
        },
    })
}

/// Audits one account of the organisation: Ok(result) or the one-line reason it could not
/// be assessed. The run is recorded either way when there is a store.
async fn one(
    cfg: &Config,
    services: &[Service],
    account: &collect_org::OrgAccount,
    store: Option<&Mutex<Store>>,
) -> AccountOutcome {
    let started_at = time::OffsetDateTime::now_utc();
    let names: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    let regions = cfg.regions.clone().unwrap_or_default();
    let recorded = stored::Recorded::begin(store, &account.id, &regions, &names, started_at)
        .unwrap_or_else(|f| {
            crate::fail::warn(&format!("{}: {}", account.id, f.message));
            stored::Recorded::none()
        });
    let outcome = if !account.is_active() {
        Err(format!(
            "the account is {} in AWS Organizations: nothing to audit",
            account.status
        ))
    } else {
        match account.id.parse::<AccountId>() {
            Err(e) => Err(e.0),
            Ok(id) => run::account(cfg, id, services.to_vec(), started_at)
                .await
                .map(|a| a.result)
                .map_err(|f| f.message),
        }
    };
    match &outcome {
        Ok(result) => {
            // A busy store is waited out off the async workers (other accounts go on).
            match tokio::task::block_in_place(|| recorded.finish(result)) {
                Ok(Some(changes)) => {
                    crate::notify::announce(
                        cfg,
                        store,
                        &account.id,
                        recorded.id,
                        crate::notify::What::Raised(&changes.raised),
                    )
                    .await;
                }
                Ok(None) => {}
                Err(f) => {
                    crate::fail::warn(&format!(
                        "{}: cannot record the run: {}",
                        account.id, f.message
                    ));
                }
            }
        }
        Err(why) => {
            recorded.end("failed", why);
            if store.is_some() {
                crate::notify::announce(
                    cfg,
                    store,
                    &account.id,
                    recorded.id,
                    crate::notify::What::Failed(why),
                )
                .await;
            }
        }
    }
    let run_id = recorded.id;
    AccountOutcome {
        id: account.id.clone(),
        name: account.name.clone(),
        outcome,
        run_id,
    }
}

/// Audits the organisation's selected accounts and reports them together.
pub(crate) async fn audit(
    cfg: &Config,
    services: Vec<Service>,
    run: OrgRun,
) -> Result<u8, Failure> {
    let started_at = time::OffsetDateTime::now_utc();
    let org = discover(cfg).await?;
    if org.accounts.is_empty() {
        return Err(crate::fail::usage(format!(
            "no account of organisation {} matches the selection (org.ous {:?}, org.tags {:?}, org.exclude {:?})",
            org.id.as_deref().unwrap_or("(unknown)"),
            cfg.org.filter.ous,
            cfg.org.filter.tags,
            cfg.org.filter.exclude
        )));
    }
    let discovery_api = auditor_aws::counting::snapshot_scope(DISCOVERY_SCOPE);
    let progress = Progress::accounts(org.accounts.len());
    let store = run.store;
    let mut outcomes: Vec<AccountOutcome> = stream::iter(org.accounts.iter())
        .map(|a| {
            let store = store.as_ref();
            let services = &services;
            let progress = &progress;
            async move {
                let o = one(cfg, services, a, store).await;
                progress.done(
                    &match &o.outcome {
                        Ok(r) => format!(
                            "{} ({}): {} failing, {} coverage gaps",
                            o.id,
                            o.name,
                            r.findings.iter().filter(|f| f.fails_unsuppressed()).count(),
                            r.gaps.len()
                        ),
                        Err(why) => format!("{} ({}): not assessed: {why}", o.id, o.name),
                    },
                    o.outcome.is_err(),
                );
                o
            }
        })
        .buffer_unordered(cfg.org.concurrency.max(1))
        .collect()
        .await;
    progress.finish();
    outcomes.sort_by(|a, b| a.id.cmp(&b.id));

    let audit = OrgAudit {
        organization: org.id.clone(),
        management_account: org.management_account.clone(),
        filter: Filter {
            ous: cfg.org.filter.ous.clone(),
            tags: cfg.org.filter.tags.clone(),
            exclude: cfg.org.filter.exclude.clone(),
        },
        started_at: rfc3339(started_at),
        finished_at: rfc3339(time::OffsetDateTime::now_utc()),
        discovery_api,
        accounts: outcomes,
    };
    let json = auditor_report::org::to_json(&audit);
    // The report first: a reader that stops early (`| head`) cannot lose it.
    let mut delivered = Vec::new();
    for d in &run.outputs {
        delivered.push(crate::run::deliver(cfg, d, &json, "JSON report", "application/json").await);
    }
    output::emit(
        &json,
        || auditor_report::org::render(&audit, run.table),
        run.json,
    );
    for d in delivered {
        crate::fail::say(&d?);
    }
    let assessed = audit.accounts.iter().filter(|a| a.outcome.is_ok()).count();
    let not_assessed = audit.accounts.len() - assessed;
    if assessed == 0 {
        return Err(Failure {
            code: 3,
            message: format!(
                "none of the {} selected account(s) could be assessed (reasons in the report)",
                audit.accounts.len()
            ),
        });
    }
    if not_assessed > 0 {
        crate::fail::warn(&format!(
            "{not_assessed} of {} account(s) not assessed (reasons in the report)",
            audit.accounts.len()
        ));
    }
    let gate = run.fail_on.is_some_and(|min| {
        audit
            .accounts
            .iter()
            .filter_map(|a| a.outcome.as_ref().ok())
            .flat_map(|r| r.findings.iter())
            .any(|f| f.fails_unsuppressed() && f.severity >= min)
    });
    Ok(u8::from(gate))
}
