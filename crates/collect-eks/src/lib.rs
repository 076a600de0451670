//! The EKS collector: clusters (DescribeCluster), and per cluster its managed node groups,
//! add-ons, access entries with their associated access policies, and pod identity
//! associations; per region, the Kubernetes versions EKS offers.
//!
//! Architecture invariant: SDK types stop here (see `auditor_model::eks`). Calls are
//! `List*`/`Describe*` only, every list through its paginator. Per-cluster and
//! per-item describes have no batch form in the EKS API; they run concurrently, bounded
//! by the engine's concurrency.
//!
//! Endpoints that lack an API (older regions, emulators: moto has no add-ons, access
//! entries, pod identity or DescribeClusterVersions) answer 404; that part becomes a
//! `not_offered` gap and the checks that need it say "not assessed". Nothing else is lost.
#![deny(missing_docs)]

use auditor_model::eks::{
    AccessConfig, AccessEntry, Addon, AssociatedAccessPolicy, Cluster, ClusterVersion, EksRegion,
    EncryptionConfig, LaunchTemplateRef, Nodegroup, PodIdentityAssociation, RemoteAccess,
    VpcConfig,
};
use auditor_model::{Collected, Gap, GapKind};
use aws_config::SdkConfig;
use aws_sdk_eks::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{self, StreamExt};

/// The service name used in coverage gaps.
pub const SERVICE: &str = "eks";

/// Collects one region. Never fails: each API that fails becomes a gap in its part.
/// `launch_templates` is left for the engine's EC2 cross-read.
pub async fn collect_region(cfg: &SdkConfig, region: &str, concurrency: usize) -> EksRegion {
    collect_region_with(&Client::new(cfg), region, concurrency).await
}

/// [`collect_region`] with a given client (tests give a mocked one).
pub async fn collect_region_with(c: &Client, region: &str, concurrency: usize) -> EksRegion {
    // EKS's per-cluster APIs share one regional rate limit: at most two clusters at a time,
    // and at most four describes of one kind per cluster (so about 32 calls in flight).
    let conc = concurrency.clamp(1, 4);
    let (names, versions) = futures::join!(
        auditor_aws::paged(
            SERVICE,
            Some(region),
            "eks:ListClusters",
            c.list_clusters()
                .max_results(100)
                .into_paginator()
                .items()
                .send()
        ),
        versions(c, region),
    );
    let clusters = match names {
        // One refused DescribeCluster is a gap for the whole list: a check must not pass a
        // region whose clusters it could not all see.
        Ok(names) => each(names, conc.min(2), |n| cluster(c, region, n, conc)).await,
        Err(g) => Err(g),
    };
    EksRegion {
        clusters: Collected::from_result(clusters),
        versions: Collected::from_result(versions),
        launch_templates: Collected::default(),
    }
}

/// The launch-template versions the region's node groups launch from, for the EC2
/// cross-read (`collect_ec2::launch_template_versions`).
pub fn launch_template_refs(r: &EksRegion) -> Vec<LaunchTemplateRef> {
    let mut refs: Vec<LaunchTemplateRef> = r
        .clusters
        .get()
        .into_iter()
        .flatten()
        .filter_map(|c| c.nodegroups.get().ok())
        .flatten()
        .filter_map(|n| n.launch_template.clone())
        .collect();
    refs.sort();
    refs.dedup();
    refs
}

async fn versions(c: &Client, region: &str) -> Result<Vec<ClusterVersion>, Gap> {
    let items = auditor_aws::paged(
        SERVICE,
        Some(region),
        "eks:DescribeClusterVersions",
        c.describe_cluster_versions()
            .include_all(true)
            .max_results(100)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    let date =
        |d: Option<&aws_smithy_types::DateTime>| d.and_then(|d| d.fmt(Format::DateTime).ok());
    Ok(items
        .iter()
        .filter(|v| v.cluster_type().is_none_or(|t| t == "eks"))
        .filter_map(|v| {
            Some(ClusterVersion {
                version: v.cluster_version()?.to_owned(),
                status: v
                    .version_status()
                    .map(|s| s.as_str().to_owned())
                    .or_else(|| {
                        #[allow(deprecated)]
                        v.status()
                            .map(|s| s.as_str().to_ascii_uppercase().replace('-', "_"))
                    }),
                end_of_standard_support: date(v.end_of_standard_support_date()),
                end_of_extended_support: date(v.end_of_extended_support_date()),
            })
        })
        .collect())
}

/// DescribeCluster and the per-cluster lists. `Ok(None)`: the cluster was deleted between
/// the list and the describe.
async fn cluster(
    c: &Client,
    region: &str,
    name: String,
    conc: usize,
) -> Result<Option<Cluster>, Gap> {
    let out = found(
        c.describe_cluster().name(&name).send().await,
        region,
        "eks:DescribeCluster",
    )?;
    let Some(out) = out else {
        return Ok(None);
    };
    let cl = out
        .cluster()
        .ok_or_else(|| empty_answer(region, "eks:DescribeCluster"))?;
    let (nodegroups, addons, access_entries, pod_identity) = futures::join!(
        nodegroups(c, region, &name, conc),
        addons(c, region, &name, conc),
        access_entries(c, region, &name, conc),
        pod_identity_associations(c, region, &name),
    );
    let vpc = cl.resources_vpc_config();
    Ok(Some(Cluster {
        arn: cl.arn().unwrap_or_default().to_owned(),
        name,
        version: cl.version().map(str::to_owned),
        platform_version: cl.platform_version().map(str::to_owned),
        status: cl.status().map(|s| s.as_str().to_owned()),
        role_arn: cl.role_arn().map(str::to_owned),
        vpc_config: VpcConfig {
            vpc_id: vpc.and_then(|v| v.vpc_id()).map(str::to_owned),
            subnet_ids: vpc.map(|v| v.subnet_ids().to_vec()).unwrap_or_default(),
            security_group_ids: vpc
                .map(|v| v.security_group_ids().to_vec())
                .unwrap_or_default(),
            cluster_security_group_id: vpc
                .and_then(|v| v.cluster_security_group_id())
                .map(str::to_owned),
            endpoint_public_access: vpc.is_some_and(|v| v.endpoint_public_access()),
            endpoint_private_access: vpc.is_some_and(|v| v.endpoint_private_access()),
            public_access_cidrs: vpc
                .map(|v| v.public_access_cidrs().to_vec())
                .unwrap_or_default(),
        },
        encryption_config: cl
            .encryption_config()
            .iter()
            .map(|e| EncryptionConfig {
                // Deprecated in the API since EKS encrypts all Kubernetes API data by
                // default; still what older clusters were configured with, so kept as evidence.
                #[allow(deprecated)]
                resources: e.resources().to_vec(),
                key_arn: e.provider().and_then(|p| p.key_arn()).map(str::to_owned),
            })
            .collect(),
        enabled_log_types: {
            let mut types: Vec<String> = cl
                .logging()
                .map(|l| l.cluster_logging())
                .unwrap_or_default()
                .iter()
                .filter(|s| s.enabled().unwrap_or(false))
                .flat_map(|s| s.types().iter().map(|t| t.as_str().to_owned()))
                .collect();
            types.sort();
            types.dedup();
            types
        },
        oidc_issuer: cl
            .identity()
            .and_then(|i| i.oidc())
            .and_then(|o| o.issuer())
            .map(str::to_owned),
        access_config: cl.access_config().map(|a| AccessConfig {
            authentication_mode: a.authentication_mode().map(|m| m.as_str().to_owned()),
            bootstrap_cluster_creator_admin_permissions: a
                .bootstrap_cluster_creator_admin_permissions(),
        }),
        support_type: cl
            .upgrade_policy()
            .and_then(|u| u.support_type())
            .map(|s| s.as_str().to_owned()),
        tags: cl
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        nodegroups: Collected::from_result(nodegroups),
        addons: Collected::from_result(addons),
        access_entries: Collected::from_result(access_entries),
        pod_identity_associations: Collected::from_result(pod_identity),
    }))
}

async fn nodegroups(
    c: &Client,
    region: &str,
    cluster: &str,
    conc: usize,
) -> Result<Vec<Nodegroup>, Gap> {
    let r = Some(region);
    let names = auditor_aws::paged(
        SERVICE,
        r,
        "eks:ListNodegroups",
        c.list_nodegroups()
            .cluster_name(cluster)
            .max_results(100)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    each(names, conc, |n| async move {
        let out = found(
            c.describe_nodegroup()
                .cluster_name(cluster)
                .nodegroup_name(&n)
                .send()
                .await,
            region,
            "eks:DescribeNodegroup",
        )?;
        out.map(|o| {
            o.nodegroup()
                .map(|g| nodegroup(n, g))
                .ok_or_else(|| empty_answer(region, "eks:DescribeNodegroup"))
        })
        .transpose()
    })
    .await
}

fn nodegroup(name: String, g: &aws_sdk_eks::types::Nodegroup) -> Nodegroup {
    Nodegroup {
        arn: g.nodegroup_arn().unwrap_or_default().to_owned(),
        name,
        ami_type: g.ami_type().map(|t| t.as_str().to_owned()),
        release_version: g.release_version().map(str::to_owned),
        version: g.version().map(str::to_owned),
        node_role: g.node_role().map(str::to_owned),
        subnets: g.subnets().to_vec(),
        remote_access: g.remote_access().map(|r| RemoteAccess {
            ec2_ssh_key: r.ec2_ssh_key().map(str::to_owned),
            source_security_groups: r.source_security_groups().to_vec(),
        }),
        launch_template: g.launch_template().map(|t| LaunchTemplateRef {
            id: t.id().map(str::to_owned),
            name: t.name().map(str::to_owned),
            version: t.version().map(str::to_owned),
        }),
        remote_access_security_group: g
            .resources()
            .and_then(|r| r.remote_access_security_group())
            .map(str::to_owned),
        auto_scaling_groups: g
            .resources()
            .map(|r| r.auto_scaling_groups())
            .unwrap_or_default()
            .iter()
            .filter_map(|a| a.name().map(str::to_owned))
            .collect(),
        status: g.status().map(|s| s.as_str().to_owned()),
    }
}

async fn addons(c: &Client, region: &str, cluster: &str, conc: usize) -> Result<Vec<Addon>, Gap> {
    let r = Some(region);
    let names = auditor_aws::paged(
        SERVICE,
        r,
        "eks:ListAddons",
        c.list_addons()
            .cluster_name(cluster)
            .max_results(100)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    each(names, conc, |n| async move {
        let out = found(
            c.describe_addon()
                .cluster_name(cluster)
                .addon_name(&n)
                .send()
                .await,
            region,
            "eks:DescribeAddon",
        )?;
        out.map(|o| {
            o.addon()
                .map(|a| Addon {
                    name: n,
                    version: a.addon_version().map(str::to_owned),
                    status: a.status().map(|s| s.as_str().to_owned()),
                    service_account_role_arn: a.service_account_role_arn().map(str::to_owned),
                    pod_identity_associations: a.pod_identity_associations().to_vec(),
                    configuration_values: a.configuration_values().map(str::to_owned),
                })
                .ok_or_else(|| empty_answer(region, "eks:DescribeAddon"))
        })
        .transpose()
    })
    .await
}

async fn access_entries(
    c: &Client,
    region: &str,
    cluster: &str,
    conc: usize,
) -> Result<Vec<AccessEntry>, Gap> {
    let r = Some(region);
    let principals = auditor_aws::paged(
        SERVICE,
        r,
        "eks:ListAccessEntries",
        c.list_access_entries()
            .cluster_name(cluster)
            .max_results(100)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    each(principals, conc, |p| async move {
        let (entry, policies) = futures::join!(
            c.describe_access_entry()
                .cluster_name(cluster)
                .principal_arn(&p)
                .send(),
            auditor_aws::paged(
                SERVICE,
                r,
                "eks:ListAssociatedAccessPolicies",
                c.list_associated_access_policies()
                    .cluster_name(cluster)
                    .principal_arn(&p)
                    .max_results(100)
                    .into_paginator()
                    .items()
                    .send(),
            ),
        );
        let Some(entry) = found(entry, region, "eks:DescribeAccessEntry")? else {
            return Ok(None);
        };
        let e = entry.access_entry();
        Ok(Some(AccessEntry {
            kind: e.and_then(|e| e.r#type()).map(str::to_owned),
            username: e.and_then(|e| e.username()).map(str::to_owned),
            kubernetes_groups: e
                .map(|e| e.kubernetes_groups().to_vec())
                .unwrap_or_default(),
            access_policies: Collected::from_result(policies.map(|ps| {
                ps.iter()
                    .filter_map(|a| {
                        Some(AssociatedAccessPolicy {
                            policy_arn: a.policy_arn()?.to_owned(),
                            scope_type: a
                                .access_scope()
                                .and_then(|s| s.r#type())
                                .map(|t| t.as_str().to_owned()),
                            namespaces: a
                                .access_scope()
                                .map(|s| s.namespaces().to_vec())
                                .unwrap_or_default(),
                        })
                    })
                    .collect()
            })),
            principal_arn: p,
        }))
    })
    .await
}

async fn pod_identity_associations(
    c: &Client,
    region: &str,
    cluster: &str,
) -> Result<Vec<PodIdentityAssociation>, Gap> {
    let items = auditor_aws::paged(
        SERVICE,
        Some(region),
        "eks:ListPodIdentityAssociations",
        c.list_pod_identity_associations()
            .cluster_name(cluster)
            .max_results(100)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    Ok(items
        .iter()
        .filter_map(|a| {
            Some(PodIdentityAssociation {
                namespace: a.namespace()?.to_owned(),
                service_account: a.service_account()?.to_owned(),
                association_id: a.association_id().map(str::to_owned),
            })
        })
        .collect())
}

/// Runs `describe` over `items`, `conc` at a time, in order. Items that vanished between
/// the list and the describe (`Ok(None)`) are dropped; the first refusal is the gap of the
/// whole list.
async fn each<I, T, F, Fut>(items: Vec<I>, conc: usize, describe: F) -> Result<Vec<T>, Gap>
where
    F: Fn(I) -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, Gap>>,
{
    let described: Vec<Result<Option<T>, Gap>> = stream::iter(items.into_iter().map(describe))
        .buffered(conc.max(1))
        .collect()
        .await;
    described
        .into_iter()
        .collect::<Result<Vec<_>, Gap>>()
        .map(|v| v.into_iter().flatten().collect())
}

/// A describe's answer; `None` when EKS says the resource is gone (deleted between the list
/// and the describe); any other error is the API's gap.
fn found<O, E>(
    result: Result<O, SdkError<E, HttpResponse>>,
    region: &str,
    api: &str,
) -> Result<Option<O>, Gap>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(o) => Ok(Some(o)),
        Err(e)
            if e.as_service_error().and_then(|s| s.code()) == Some("ResourceNotFoundException") =>
        {
            Ok(None)
        }
        Err(e) => Err(auditor_aws::gap(SERVICE, Some(region), api, &e)),
    }
}

/// A describe answer without the resource it describes is malformed, never "none": the
/// part becomes a gap, so that no check passes a resource it did not see.
fn empty_answer(region: &str, api: &str) -> Gap {
    Gap {
        resource: None,
        service: SERVICE.into(),
        region: Some(region.into()),
        api: api.into(),
        kind: GapKind::Other,
        message: "the answer carried no resource".into(),
    }
}
