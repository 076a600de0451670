//! The engine: one account's audit ([`audit_account`]: session, regions, collection,
//! request counts, checks), which `audit`, `audit --org` and the daemon all call.
//!
//! It collects what the checks that will run read ([`auditor_checks::reads`]), every
//! service at once and each over its regions [`AuditPlan::concurrency`] at a time (each
//! region's collector issues its independent list calls together and bounds its
//! per-resource calls by the same number). Nothing here fails because AWS refused one call:
//! refusals become gaps, found by walking the inventory ([`gaps_in`]), and gaps become
//! "not assessed" findings.
#![deny(missing_docs)]

mod regions;

pub use regions::{looks_like_region, resolve_regions, RegionError, RegionPlan};

use auditor_aws::AccountSession;
use auditor_checks::Settings;
use auditor_model::{gaps_in, AuditResult, Gap, GapKind, Inventory, Service};
use futures::stream::{self, StreamExt};
use time::OffsetDateTime;

/// What to audit in one account.
#[derive(Debug, Clone)]
pub struct AuditPlan {
    /// Services to collect (only implemented ones; the CLI validates).
    pub services: Vec<Service>,
    /// Regions, with whether each is enabled for the account.
    pub regions: Vec<RegionPlan>,
    /// How many regions are collected at once.
    pub concurrency: usize,
    /// Which buckets are Terraform state, and the secret scan.
    pub s3: collect_s3::S3Options,
    /// What the checks that will run read ([`auditor_checks::reads`]): the data to collect.
    pub reads: auditor_checks::Reads,
}

pub use collect_s3::S3Options;

/// Collects the inventory of one account.
pub async fn collect(session: &AccountSession, plan: &AuditPlan) -> Inventory {
    let mut inv = Inventory {
        account_id: session.account.to_string(),
        partition: session.partition.clone(),
        regions: plan.regions.iter().map(|r| r.name.clone()).collect(),
        services: plan.services.clone(),
        collected_at: OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .ok(),
        ..Inventory::default()
    };
    inv.gaps
        .extend(plan.regions.iter().flat_map(|r| r.gaps.iter().cloned()));

    let enabled: Vec<&RegionPlan> = plan.regions.iter().filter(|r| r.enabled).collect();
    for r in plan.regions.iter().filter(|r| !r.enabled) {
        for s in &plan.services {
            inv.gaps.push(Gap {
                resource: None,
                service: s.to_string(),
                region: Some(r.name.clone()),
                api: "*".into(),
                kind: GapKind::RegionDisabled,
                message: format!("{} is not enabled for this account (opt-in region)", r.name),
            });
        }
    }

    let conc = plan.concurrency.max(1);
    let t0 = std::time::Instant::now();
    // A service's data is collected when a check that will run reads it (EKS checks read
    // EC2 and IAM, EC2-007 reads EKS); only audited services' checks run.
    let wants = |s: Service| plan.reads.services.contains(&s);
    // The services are collected at the same time; each fans out over regions itself.
    let newer = async {
        futures::join!(
            timed("elb", t0, async {
                if !wants(Service::Elb) {
                    return Vec::new();
                }
                per_region(session, &enabled, conc, |cfg, name| async move {
                    collect_elb::collect_region(&cfg, &name, conc).await
                })
                .await
            }),
            timed("guardduty", t0, async {
                if !wants(Service::GuardDuty) {
                    return Vec::new();
                }
                per_region(session, &enabled, conc, |cfg, name| async move {
                    collect_guardduty::collect_region(&cfg, &name).await
                })
                .await
            }),
            timed("cloudtrail", t0, async {
                if !wants(Service::CloudTrail) {
                    return Vec::new();
                }
                let account = session.account.to_string();
                let account = account.as_str();
                per_region(session, &enabled, conc, |cfg, name| async move {
                    collect_cloudtrail::collect_region(&cfg, account, &name).await
                })
                .await
            }),
        )
    };
    let ((elb, guardduty, cloudtrail), (ec2, eks, ecr, iam, s3, org)) =
        futures::join!(newer, async {
            futures::join!(
                timed("ec2", t0, async {
                    if !wants(Service::Ec2) {
                        return Vec::new();
                    }
                    per_region(session, &enabled, conc, |cfg, name| async move {
                        collect_ec2::collect_region(&cfg, &name).await
                    })
                    .await
                }),
                timed("eks", t0, async {
                    if !wants(Service::Eks) {
                        return Vec::new();
                    }
                    per_region(session, &enabled, conc, |cfg, name| async move {
                        let mut data = collect_eks::collect_region(&cfg, &name, conc).await;
                        // Cross-read: exactly the launch-template versions the node groups use.
                        let refs = collect_eks::launch_template_refs(&data);
                        data.launch_templates = match data.clusters.get() {
                            Ok(_) => {
                                collect_ec2::launch_template_versions(&cfg, &name, &refs).await
                            }
                            // No clusters read, no node groups, no templates to read: the same gap.
                            Err(g) => auditor_model::Collected::from_result(Err(g.clone())),
                        };
                        data
                    })
                    .await
                }),
                timed("ecr", t0, async {
                    if !wants(Service::Ecr) {
                        return Vec::new();
                    }
                    // Regions `conc` at a time, and each region's per-repository calls `conc` at a
                    // time: at most conc² ECR calls in flight, far below ECR's limits.
                    per_region(session, &enabled, conc, |cfg, name| async move {
                        collect_ecr::collect_region(&cfg, &name, conc).await
                    })
                    .await
                }),
                timed("iam", t0, async {
                    // IAM is global: one collection, through the home region's endpoint.
                    if wants(Service::Iam) {
                        Some(
                            collect_iam::collect(&session.for_region(&session.home_region())).await,
                        )
                    } else {
                        None
                    }
                }),
                timed("s3", t0, async {
                    // S3 is global too; each bucket's calls go to the bucket's region.
                    if wants(Service::S3) {
                        let home = session.home_region();
                        let cfg = session.for_region(&home);
                        let account = session.account.to_string();
                        let regions: Vec<String> = enabled.iter().map(|r| r.name.clone()).collect();
                        Some(
                            collect_s3::collect(&cfg, &account, &home, &regions, &plan.s3, conc)
                                .await,
                        )
                    } else {
                        None
                    }
                }),
                timed("org", t0, async {
                    // The account's organisation, for the policy checks that compare
                    // aws:PrincipalOrgID with it (IAM trusts, S3 and ECR resource policies).
                    if plan.reads.organization {
                        let cfg = session.for_region(&session.home_region());
                        Some(collect_org::membership(&cfg).await)
                    } else {
                        None
                    }
                }),
            )
        });
    // Every gap of every part, found by walking it (`gaps_in`): no list to keep in step
    // with the model.
    if let Some(org) = org {
        inv.gaps.extend(gaps_in(&org));
        inv.organization = org;
    }
    for (region, data) in ec2 {
        inv.gaps.extend(gaps_in(&data));
        inv.ec2.insert(region, data);
    }
    for (region, data) in eks {
        inv.gaps.extend(gaps_in(&data));
        inv.eks.insert(region, data);
    }
    for (region, data) in ecr {
        inv.gaps.extend(gaps_in(&data));
        inv.ecr.insert(region, data);
    }
    for (region, data) in elb {
        inv.gaps.extend(gaps_in(&data));
        inv.elb.insert(region, data);
    }
    for (region, data) in guardduty {
        inv.gaps.extend(gaps_in(&data));
        inv.guardduty.insert(region, data);
    }
    for (region, data) in cloudtrail {
        inv.gaps.extend(gaps_in(&data));
        inv.cloudtrail.insert(region, data);
    }
    if let Some(data) = iam {
        inv.gaps.extend(gaps_in(&data));
        inv.iam = Some(data);
    }
    if let Some(data) = s3 {
        inv.gaps.extend(gaps_in(&data));
        inv.s3 = Some(data);
    }
    inv.gaps.sort();
    // One denied per-resource API (ecr:GetLifecyclePolicy on 300 repositories) is one gap:
    // the findings still carry each resource's own reason.
    inv.gaps.dedup_by(|a, b| {
        a.service == b.service && a.region == b.region && a.api == b.api && a.kind == b.kind
    });
    inv
}

/// Awaits one part of the collection and logs when it finished, counted from `t0`
/// (`AUDITOR_LOG=auditor::timing=debug`): where an audit's wall time goes.
async fn timed<T>(
    part: &str,
    t0: std::time::Instant,
    fut: impl std::future::Future<Output = T>,
) -> T {
    let out = fut.await;
    tracing::debug!(target: "auditor::timing", part, seconds = t0.elapsed().as_secs_f64(), "collected");
    out
}

/// Runs one service's region collector over the enabled regions, `conc` regions at a time.
async fn per_region<T, F, Fut>(
    session: &AccountSession,
    regions: &[&RegionPlan],
    conc: usize,
    collect: F,
) -> Vec<(String, T)>
where
    F: Fn(aws_config::SdkConfig, String) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    stream::iter(regions.iter().map(|r| {
        let fut = collect(session.for_region(&r.name), r.name.clone());
        let name = r.name.clone();
        async move { (name, fut.await) }
    }))
    .buffer_unordered(conc)
    .collect()
    .await
}

/// Everything it takes to audit one account.
#[derive(Debug, Clone)]
pub struct AccountRequest {
    /// The account.
    pub account: auditor_model::AccountId,
    /// How to reach AWS (profile, endpoint, retries, rate limits).
    pub aws: auditor_aws::AwsOptions,
    /// The role to assume when the account is not the caller's.
    pub role_name: String,
    /// How to assume it: its ExternalId, and how long a session lasts before renewal.
    pub assume: auditor_aws::AssumeOptions,
    /// Regions asked for; `None`: every region enabled for the account.
    pub regions: Option<Vec<String>>,
    /// Services audited (their checks run).
    pub services: Vec<Service>,
    /// Regions collected at once.
    pub concurrency: usize,
    /// Which buckets are Terraform state, and the secret scan.
    pub s3: collect_s3::S3Options,
    /// What the checks honour.
    pub settings: Settings,
    /// How long the whole audit of the account may take (collection and checks); past it
    /// the audit fails with [`AuditError::Deadline`]. `None`: no deadline.
    pub deadline: Option<std::time::Duration>,
}

/// One account audited: its inventory (for `--save-inventory`) and its result.
#[derive(Debug)]
pub struct AccountAudit {
    /// What was collected, with its gaps and request counts.
    pub inventory: Inventory,
    /// The findings.
    pub result: AuditResult,
}

/// Why an account could not be audited at all (any single refusal later is a gap).
#[derive(Debug)]
pub enum AuditError {
    /// No session in the account: credentials, the network, or the role to assume.
    Session(auditor_aws::AwsError),
    /// The regions asked for are not regions, or the account's could not be listed.
    Regions(RegionError),
    /// The audit did not finish within its deadline ([`AccountRequest::deadline`]).
    Deadline(std::time::Duration),
}

/// Audits one account: opens a session (assuming the audit role where needed), plans its
/// regions, collects what the checks that will run read, and runs them. Every AWS request
/// on the way is rate limited and counted under the account (the inventory's `api`). The
/// one path of `audit`, `audit --org` and the daemon.
///
/// The checks run on tokio's blocking pool, so a slow evaluation never stalls the caller's
/// other work (a daemon's signals and HTTP); with a deadline, the audit ends there with
/// [`AuditError::Deadline`] whatever it was doing (an evaluation still running is left to
/// finish in the background and its result dropped).
pub async fn audit_account(
    req: &AccountRequest,
    started_at: OffsetDateTime,
) -> Result<AccountAudit, AuditError> {
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    match req.deadline {
        Some(d) => {
            match tokio::time::timeout(d, audit_unbounded(req, started_at, cancel.clone())).await {
                Ok(r) => r,
                Err(_) => {
                    // The checks still running stop at the next check.
                    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                    Err(AuditError::Deadline(d))
                }
            }
        }
        None => audit_unbounded(req, started_at, cancel).await,
    }
}

async fn audit_unbounded(
    req: &AccountRequest,
    started_at: OffsetDateTime,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Result<AccountAudit, AuditError> {
    let scope = req.account.as_str();
    let t0 = std::time::Instant::now();
    let before = auditor_aws::counting::snapshot_scope(scope);
    let collected = auditor_aws::counting::scoped(scope, collect_account(req)).await;
    let (mut inventory, session) = collected?;
    inventory.api =
        auditor_aws::counting::delta(&before, &auditor_aws::counting::snapshot_scope(scope));
    tracing::debug!(target: "auditor::timing", part = "collection", seconds = t0.elapsed().as_secs_f64(), "collected");
    let settings = req.settings.clone();
    let evaluated = tokio::task::spawn_blocking(move || {
        let result = evaluate_until(
            &inventory,
            &settings,
            &session.caller_arn,
            session.assumed_role.clone(),
            started_at,
            &cancel,
        )?;
        tracing::debug!(target: "auditor::timing", part = "checks", seconds = t0.elapsed().as_secs_f64(), "evaluated");
        Some(AccountAudit { inventory, result })
    })
    .await;
    let gone = AuditError::Deadline(req.deadline.unwrap_or_default());
    match evaluated {
        Ok(Some(audit)) => Ok(audit),
        Ok(None) => Err(gone),
        // The checks cannot fail; a panic in one is a bug, shown as such.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(gone),
    }
}

async fn collect_account(req: &AccountRequest) -> Result<(Inventory, AccountSession), AuditError> {
    let base = auditor_aws::load_base_config(&req.aws).await;
    let session = auditor_aws::open_account(&base, &req.account, &req.role_name, &req.assume)
        .await
        .map_err(AuditError::Session)?;
    let regions = resolve_regions(&session, req.regions.as_deref())
        .await
        .map_err(AuditError::Regions)?;
    tracing::debug!(target: "auditor::timing", part = "session and regions", "ready");
    let plan = AuditPlan {
        services: req.services.clone(),
        regions,
        concurrency: req.concurrency,
        s3: req.s3.clone(),
        reads: auditor_checks::reads(&req.services, &req.settings),
    };
    let inv = collect(&session, &plan).await;
    Ok((inv, session))
}

/// The (check, region) pairs that a gap of the inventory cost data: the checks that run and
/// are costed by it ([`auditor_checks::CheckMeta::costed_by`]), in its region (`None` for a
/// global gap).
fn incomplete(
    inv: &Inventory,
    ran: &[String],
) -> std::collections::BTreeSet<(String, Option<String>)> {
    let mut out = std::collections::BTreeSet::new();
    for gap in &inv.gaps {
        let costed = ran
            .iter()
            .filter_map(|code| auditor_checks::by_code(code))
            .map(|c| c.meta())
            .filter(|m| m.costed_by(gap));
        for m in costed {
            out.insert((m.code.to_owned(), gap.region.clone()));
        }
    }
    out
}

/// Runs the checks over a collected (or loaded) inventory.
pub fn evaluate(
    inv: &Inventory,
    settings: &Settings,
    caller_arn: &str,
    assumed_role: Option<String>,
    started_at: OffsetDateTime,
) -> AuditResult {
    let checked = auditor_checks::audit(inv, settings);
    result_of(inv, settings, caller_arn, assumed_role, started_at, checked)
}

/// [`evaluate`], stopped between two checks once `cancel` is set: `None` then.
pub fn evaluate_until(
    inv: &Inventory,
    settings: &Settings,
    caller_arn: &str,
    assumed_role: Option<String>,
    started_at: OffsetDateTime,
    cancel: &std::sync::atomic::AtomicBool,
) -> Option<AuditResult> {
    let checked = auditor_checks::audit_until(inv, settings, cancel)?;
    Some(result_of(
        inv,
        settings,
        caller_arn,
        assumed_role,
        started_at,
        checked,
    ))
}

fn result_of(
    inv: &Inventory,
    settings: &Settings,
    caller_arn: &str,
    assumed_role: Option<String>,
    started_at: OffsetDateTime,
    (findings, state_access): (Vec<auditor_model::Finding>, auditor_model::s3::StateAccess),
) -> AuditResult {
    let checks_run: Vec<String> = auditor_checks::codes_run(inv, settings)
        .into_iter()
        .map(str::to_owned)
        .collect();
    AuditResult {
        account_id: inv.account_id.clone(),
        partition: inv.partition.clone(),
        caller_arn: caller_arn.to_owned(),
        assumed_role,
        regions: inv.regions.clone(),
        services: inv.services.clone(),
        started_at,
        finished_at: OffsetDateTime::now_utc(),
        incomplete: incomplete(inv, &checks_run),
        checks_run,
        findings,
        gaps: inv.gaps.clone(),
        state_access: state_access.matrices,
        state_access_groups: state_access.groups,
        api: inv.api.clone(),
    }
}
