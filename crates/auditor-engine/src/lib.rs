//! The engine: plans regions, runs the collectors concurrently (bounded), assembles the
//! inventory with its coverage gaps, and runs the checks.
//!
//! Architecture invariant: this is the one place that fans work out. Concurrency is
//! bounded by [`AuditPlan::concurrency`] regions at a time (each region's collector issues
//! its independent list calls together). Nothing here fails because AWS refused one call:
//! refusals become gaps, and gaps become "not assessed" findings.
#![deny(missing_docs)]

mod regions;

pub use regions::{looks_like_region, resolve_regions, RegionError, RegionPlan};

use auditor_aws::AccountSession;
use auditor_checks::Settings;
use auditor_model::{AuditResult, Gap, GapKind, Inventory, Service};
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
                service: s.to_string(),
                region: Some(r.name.clone()),
                api: "*".into(),
                kind: GapKind::RegionDisabled,
                message: format!("{} is not enabled for this account (opt-in region)", r.name),
            });
        }
    }

    let conc = plan.concurrency.max(1);
    // A service's data is collected when it is audited, or when an audited service's
    // checks read it (EKS checks read EC2 and IAM); only audited services' checks run.
    let wants = |s: Service| {
        plan.services.contains(&s) || plan.services.iter().any(|a| a.reads_also().contains(&s))
    };
    // The services are collected at the same time; each fans out over regions itself.
    let (ec2, eks, ecr, iam, s3, org) = futures::join!(
        async {
            if !wants(Service::Ec2) {
                return Vec::new();
            }
            per_region(session, &enabled, conc, |cfg, name| async move {
                collect_ec2::collect_region(&cfg, &name).await
            })
            .await
        },
        async {
            if !wants(Service::Eks) {
                return Vec::new();
            }
            per_region(session, &enabled, conc, |cfg, name| async move {
                let mut data = collect_eks::collect_region(&cfg, &name, conc).await;
                // Cross-read: exactly the launch-template versions the node groups use.
                let refs = collect_eks::launch_template_refs(&data);
                if data.clusters.get().is_ok() {
                    data.launch_templates =
                        collect_ec2::launch_template_versions(&cfg, &name, &refs).await;
                }
                data
            })
            .await
        },
        async {
            if !wants(Service::Ecr) {
                return Vec::new();
            }
            // Regions `conc` at a time, and each region's per-repository calls `conc` at a
            // time: at most conc² ECR calls in flight, far below ECR's limits.
            per_region(session, &enabled, conc, |cfg, name| async move {
                collect_ecr::collect_region(&cfg, &name, conc).await
            })
            .await
        },
        async {
            // IAM is global: one collection, through the home region's endpoint.
            if wants(Service::Iam) {
                Some(collect_iam::collect(&session.for_region(&session.home_region())).await)
            } else {
                None
            }
        },
        async {
            // S3 is global too; each bucket's calls go to the bucket's region.
            if wants(Service::S3) {
                let home = session.home_region();
                let cfg = session.for_region(&home);
                let account = session.account.to_string();
                Some(collect_s3::collect(&cfg, &account, &home, &plan.s3, conc).await)
            } else {
                None
            }
        },
        async {
            // The account's organisation, for the policy checks that compare
            // aws:PrincipalOrgID with it (IAM trusts, S3 and ECR resource policies).
            if wants(Service::Iam) || wants(Service::S3) || wants(Service::Ecr) {
                let cfg = session.for_region(&session.home_region());
                Some(collect_org::membership(&cfg).await)
            } else {
                None
            }
        },
    );
    if let Some(org) = org {
        inv.gaps.extend(org.gap().cloned());
        inv.organization = org;
    }
    for (region, data) in ec2 {
        inv.gaps.extend(ec2_gaps(&data));
        inv.ec2.insert(region, data);
    }
    for (region, data) in eks {
        inv.gaps.extend(eks_gaps(&data));
        inv.eks.insert(region, data);
    }
    for (region, data) in ecr {
        inv.gaps.extend(ecr_gaps(&data));
        inv.ecr.insert(region, data);
    }
    if let Some(data) = iam {
        inv.gaps.extend(iam_gaps(&data));
        inv.iam = Some(data);
    }
    if let Some(data) = s3 {
        inv.gaps.extend(s3_gaps(&data));
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

fn ecr_gaps(r: &auditor_model::ecr::EcrRegion) -> Vec<Gap> {
    let mut gaps: Vec<Gap> = [
        r.registry_scanning.gap(),
        r.registry_policy.gap(),
        r.pull_through_cache_rules.gap(),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    match r.repositories.get() {
        Err(g) => gaps.push(g.clone()),
        Ok(repos) => {
            for repo in repos {
                gaps.extend(
                    [
                        repo.lifecycle_policy.gap(),
                        repo.repository_policy.gap(),
                        repo.newest_image.gap(),
                    ]
                    .into_iter()
                    .flatten()
                    .cloned(),
                );
            }
        }
    }
    gaps
}

fn eks_gaps(r: &auditor_model::eks::EksRegion) -> Vec<Gap> {
    let mut gaps: Vec<Gap> = r.versions.gap().into_iter().cloned().collect();
    match r.clusters.get() {
        // Without clusters there were no node groups, so no launch templates to read.
        Err(g) => gaps.push(g.clone()),
        Ok(clusters) => {
            gaps.extend(r.launch_templates.gap().cloned());
            for c in clusters {
                gaps.extend(
                    [
                        c.nodegroups.gap(),
                        c.addons.gap(),
                        c.access_entries.gap(),
                        c.pod_identity_associations.gap(),
                    ]
                    .into_iter()
                    .flatten()
                    .cloned(),
                );
                if let Ok(entries) = c.access_entries.get() {
                    gaps.extend(
                        entries
                            .iter()
                            .filter_map(|e| e.access_policies.gap())
                            .cloned(),
                    );
                }
            }
        }
    }
    gaps
}

fn iam_gaps(a: &auditor_model::iam::IamAccount) -> Vec<Gap> {
    let mut gaps: Vec<Gap> = [
        a.roles.gap(),
        a.users.gap(),
        a.groups.gap(),
        a.managed_policies.gap(),
        a.credential_report.gap(),
        a.password_policy.gap(),
        a.oidc_providers.gap(),
        a.account_summary.gap(),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    if let Ok(policies) = a.managed_policies.get() {
        gaps.extend(policies.iter().filter_map(|p| p.document.gap()).cloned());
    }
    gaps
}

fn s3_gaps(a: &auditor_model::s3::S3Account) -> Vec<Gap> {
    let mut gaps: Vec<Gap> = [a.account_public_access_block.gap(), a.buckets.gap()]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    gaps.extend(a.discovery.gaps.iter().cloned());
    if let Ok(buckets) = a.buckets.get() {
        for b in buckets {
            gaps.extend(
                [
                    b.encryption.gap(),
                    b.versioning.gap(),
                    b.public_access_block.gap(),
                    b.policy.gap(),
                    b.policy_is_public.gap(),
                    b.object_ownership.gap(),
                    b.logging.gap(),
                    b.object_lock.gap(),
                    b.state.gap(),
                ]
                .into_iter()
                .flatten()
                .cloned(),
            );
            if let Some(scan) = &b.secret_scan {
                gaps.extend(scan.skipped.iter().filter_map(|s| s.gap.clone()));
            }
        }
    }
    gaps
}

fn ec2_gaps(r: &auditor_model::ec2::Ec2Region) -> Vec<Gap> {
    [
        r.vpcs.gap(),
        r.subnets.gap(),
        r.route_tables.gap(),
        r.security_groups.gap(),
        r.network_acls.gap(),
        r.flow_logs.gap(),
        r.instances.gap(),
        r.ebs_encryption_by_default.gap(),
        r.vpc_endpoints.gap(),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect()
}

/// Runs the checks over a collected (or loaded) inventory.
pub fn evaluate(
    inv: &Inventory,
    settings: &Settings,
    caller_arn: &str,
    assumed_role: Option<String>,
    started_at: OffsetDateTime,
) -> AuditResult {
    let (findings, state_access) = auditor_checks::audit(inv, settings);
    AuditResult {
        account_id: inv.account_id.clone(),
        partition: inv.partition.clone(),
        caller_arn: caller_arn.to_owned(),
        assumed_role,
        regions: inv.regions.clone(),
        services: inv.services.clone(),
        started_at,
        finished_at: OffsetDateTime::now_utc(),
        checks_run: auditor_checks::codes_run(inv, settings)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        findings,
        gaps: inv.gaps.clone(),
        state_access,
        api: inv.api.clone(),
    }
}
