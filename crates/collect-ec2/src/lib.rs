//! The EC2/VPC collector: VPCs, subnets, route tables, security groups, network ACLs,
//! flow logs, instances, VPC endpoints, prefix lists, the default and latest version of every
//! launch template and the EBS encryption default, per region; and, for the EKS checks, the
//! launch-template versions node groups use.
//!
//! Architecture invariant: this crate turns SDK outputs into `auditor_model::ec2` types at
//! its boundary; nothing outside the collectors sees an SDK type. Every list call goes
//! through the SDK paginator with the largest page size the API allows; every call is a
//! `Describe*`/`Get*` (read-only).
#![deny(missing_docs)]

mod convert;

use auditor_model::ec2::{Ec2Region, LaunchTemplateVersion};
use auditor_model::eks::LaunchTemplateRef;
use auditor_model::{Collected, Gap};
use aws_config::SdkConfig;
use aws_sdk_ec2::types::Filter;
use aws_sdk_ec2::Client;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::{BTreeMap, BTreeSet};

/// The service name used in coverage gaps.
pub const SERVICE: &str = "ec2";

/// A region as the account sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRegion {
    /// e.g. `eu-west-1`.
    pub name: String,
    /// False for opt-in regions the account has not enabled.
    pub enabled: bool,
}

/// Lists every region the partition has, with whether the account has it enabled
/// (`ec2:DescribeRegions` with `AllRegions`).
pub async fn account_regions(cfg: &SdkConfig) -> Result<Vec<AccountRegion>, Gap> {
    const API: &str = "ec2:DescribeRegions";
    let out = Client::new(cfg)
        .describe_regions()
        .all_regions(true)
        .send()
        .await
        .map_err(|e| auditor_aws::gap(SERVICE, None, API, &e))?;
    let mut regions: Vec<AccountRegion> = out
        .regions()
        .iter()
        .filter_map(|r| {
            let name = r.region_name()?.to_owned();
            // "opt-in-not-required" and "opted-in" are usable; "not-opted-in" is not.
            let enabled = r.opt_in_status() != Some("not-opted-in");
            Some(AccountRegion { name, enabled })
        })
        .collect();
    regions.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(regions)
}

/// Collects one region. Never fails: each API that fails becomes a gap in its part.
pub async fn collect_region(cfg: &SdkConfig, region: &str) -> Ec2Region {
    collect_region_with(&Client::new(cfg), region).await
}

/// [`collect_region`] with a given client (tests give a mocked one).
pub async fn collect_region_with(c: &Client, region: &str) -> Ec2Region {
    let r = Some(region);
    let live_states = Filter::builder()
        .name("instance-state-name")
        .set_values(Some(
            ["pending", "running", "shutting-down", "stopping", "stopped"]
                .map(String::from)
                .to_vec(),
        ))
        .build();

    let (
        vpcs,
        subnets,
        route_tables,
        security_groups,
        network_acls,
        flow_logs,
        instances,
        ebs,
        vpc_endpoints,
        prefix_lists,
        launch_templates,
    ) = futures::join!(
        paged(
            r,
            "ec2:DescribeVpcs",
            c.describe_vpcs()
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
        ),
        paged(
            r,
            "ec2:DescribeSubnets",
            c.describe_subnets()
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
        ),
        paged(
            r,
            "ec2:DescribeRouteTables",
            c.describe_route_tables()
                .max_results(100)
                .into_paginator()
                .items()
                .send()
        ),
        paged(
            r,
            "ec2:DescribeSecurityGroups",
            c.describe_security_groups()
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
        ),
        paged(
            r,
            "ec2:DescribeNetworkAcls",
            c.describe_network_acls()
                .max_results(100)
                .into_paginator()
                .items()
                .send()
        ),
        paged(
            r,
            "ec2:DescribeFlowLogs",
            c.describe_flow_logs()
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
        ),
        paged(
            r,
            "ec2:DescribeInstances",
            c.describe_instances()
                .filters(live_states)
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
        ),
        async {
            c.get_ebs_encryption_by_default()
                .send()
                .await
                .map(|o| o.ebs_encryption_by_default().unwrap_or(false))
                .map_err(|e| auditor_aws::gap(SERVICE, r, "ec2:GetEbsEncryptionByDefault", &e))
        },
        paged(
            r,
            "ec2:DescribeVpcEndpoints",
            c.describe_vpc_endpoints()
                .max_results(1000)
                .into_paginator()
                .items()
                .send()
        ),
        paged(
            r,
            "ec2:DescribeManagedPrefixLists",
            c.describe_managed_prefix_lists()
                .max_results(100)
                .into_paginator()
                .items()
                .send()
        ),
        // With no template named, `$Latest` and `$Default` describe those versions of every
        // template in the region (AWS's documented form), 200 a page.
        paged(
            r,
            "ec2:DescribeLaunchTemplateVersions",
            c.describe_launch_template_versions()
                .versions("$Latest")
                .versions("$Default")
                .max_results(200)
                .into_paginator()
                .items()
                .send()
        ),
    );
    let security_groups = convert_all(security_groups, convert::security_group);
    let prefix_lists = match prefix_lists {
        Ok(lists) => Collected::Ok(prefix_list_entries(c, region, &lists, &security_groups).await),
        Err(g) => Collected::from_result(Err(g)),
    };

    Ec2Region {
        vpcs: convert_all(vpcs, convert::vpc),
        subnets: convert_all(subnets, convert::subnet),
        route_tables: convert_all(route_tables, convert::route_table),
        security_groups,
        network_acls: convert_all(network_acls, convert::network_acl),
        flow_logs: convert_all(flow_logs, convert::flow_log),
        instances: Collected::from_result(instances.map(|reservations| {
            reservations
                .iter()
                .flat_map(|r| r.instances())
                .filter_map(convert::instance)
                .collect()
        })),
        ebs_encryption_by_default: Collected::from_result(ebs),
        vpc_endpoints: convert_all(vpc_endpoints, convert::vpc_endpoint),
        prefix_lists,
        launch_templates: Collected::from_result(launch_templates.map(|vs| current_versions(&vs))),
    }
}

/// The default and latest versions of each template, once each, marked with what they
/// answer (`$Default`, `$Latest`). The latest is the highest version number answered for a
/// template; an endpoint that repeats a version (moto does, when one is both) is read once.
fn current_versions(
    items: &[aws_sdk_ec2::types::LaunchTemplateVersion],
) -> Vec<LaunchTemplateVersion> {
    let mut out: Vec<LaunchTemplateVersion> = Vec::new();
    for v in items.iter().filter_map(convert::launch_template_version) {
        match out.iter_mut().find(|o| {
            o.launch_template_id == v.launch_template_id && o.version_number == v.version_number
        }) {
            Some(o) => o.default_version |= v.default_version,
            None => out.push(v),
        }
    }
    let mut latest: BTreeMap<String, i64> = BTreeMap::new();
    for v in &out {
        let n = latest
            .entry(v.launch_template_id.clone())
            .or_insert(v.version_number);
        *n = (*n).max(v.version_number);
    }
    for v in &mut out {
        if v.default_version {
            v.requested_as.push("$Default".into());
        }
        if latest.get(&v.launch_template_id) == Some(&v.version_number) {
            v.requested_as.push("$Latest".into());
        }
    }
    out.sort_by(|a, b| {
        (&a.launch_template_id, a.version_number).cmp(&(&b.launch_template_id, b.version_number))
    });
    out
}

/// The prefix lists, with the entries of each customer-managed one that a security group's
/// inbound rule refers to (one `ec2:GetManagedPrefixListEntries` per list, 100 entries a
/// page, AWS's largest; a few lists at a time). AWS's
/// own lists (CloudFront's, S3's) are named, not read: they hold AWS's addresses. A list
/// whose entries are refused carries its gap; the others are still read.
async fn prefix_list_entries(
    c: &Client,
    region: &str,
    lists: &[aws_sdk_ec2::types::ManagedPrefixList],
    groups: &Collected<Vec<auditor_model::ec2::SecurityGroup>>,
) -> Vec<auditor_model::ec2::PrefixList> {
    use futures::StreamExt;
    let referenced: BTreeSet<&str> = groups
        .get()
        .map(|gs| {
            gs.iter()
                .flat_map(|g| &g.ip_permissions)
                .flat_map(|p| p.prefix_list_ids.iter().map(String::as_str))
                .collect()
        })
        .unwrap_or_default();
    futures::stream::iter(lists.iter().filter_map(|l| {
        let id = l.prefix_list_id()?.to_owned();
        let owner = l.owner_id().unwrap_or_default().to_owned();
        let read = owner != "AWS" && referenced.contains(id.as_str());
        Some(async move {
            let entries = if read {
                let got = paged(
                    Some(region),
                    "ec2:GetManagedPrefixListEntries",
                    c.get_managed_prefix_list_entries()
                        .prefix_list_id(&id)
                        .max_results(100)
                        .into_paginator()
                        .items()
                        .send(),
                )
                .await
                .map(|es| {
                    es.iter()
                        .filter_map(|e| e.cidr().map(str::to_owned))
                        .collect()
                });
                Some(Collected::from_result(got))
            } else {
                None
            };
            auditor_model::ec2::PrefixList {
                prefix_list_id: id,
                prefix_list_name: l.prefix_list_name().unwrap_or_default().to_owned(),
                owner_id: owner,
                entries,
            }
        })
    }))
    .buffered(4)
    .collect()
    .await
}

/// Reads exactly the launch-template versions EKS node groups launch from: one
/// `ec2:DescribeLaunchTemplateVersions` call per template, asking for every version in use.
/// A template (or version) that no longer exists is left out, so that only the node groups
/// using it are "not assessed" (the checks say the version was not found); a refused call
/// is a gap for the whole part.
pub async fn launch_template_versions(
    cfg: &SdkConfig,
    region: &str,
    refs: &[LaunchTemplateRef],
) -> Collected<Vec<LaunchTemplateVersion>> {
    launch_template_versions_with(&Client::new(cfg), region, refs).await
}

/// [`launch_template_versions`] with a given client.
pub async fn launch_template_versions_with(
    c: &Client,
    region: &str,
    refs: &[LaunchTemplateRef],
) -> Collected<Vec<LaunchTemplateVersion>> {
    const API: &str = "ec2:DescribeLaunchTemplateVersions";
    // Template (by id, else by name) → the versions asked for ("$Default" when unset).
    let mut wanted: BTreeMap<(bool, String), BTreeSet<String>> = BTreeMap::new();
    for r in refs {
        let key = match (&r.id, &r.name) {
            (Some(id), _) => (true, id.clone()),
            (None, Some(name)) => (false, name.clone()),
            (None, None) => continue,
        };
        let v = r.version.clone().unwrap_or_else(|| "$Default".into());
        wanted.entry(key).or_default().insert(v);
    }
    let mut out = Vec::new();
    for ((by_id, key), versions) in wanted {
        let versions: Vec<String> = versions.into_iter().collect();
        let req = c
            .describe_launch_template_versions()
            .set_versions(Some(versions.clone()));
        let req = if by_id {
            req.launch_template_id(&key)
        } else {
            req.launch_template_name(&key)
        };
        // Paged, though a call for a handful of named versions fits one page.
        let items = match auditor_aws::paged(
            SERVICE,
            Some(region),
            API,
            req.into_paginator().items().send(),
        )
        .await
        {
            Ok(items) => items,
            // EC2's codes for a deleted template or version, which the gap message begins
            // with: that template has nothing to read, the others are still read.
            Err(gap)
                if gap.message.starts_with("InvalidLaunchTemplateId.NotFound")
                    || gap
                        .message
                        .starts_with("InvalidLaunchTemplateId.VersionNotFound")
                    || gap
                        .message
                        .starts_with("InvalidLaunchTemplateName.NotFoundException") =>
            {
                continue
            }
            Err(gap) => return Collected::from_result(Err(gap)),
        };
        for v in &items {
            let Some(mut lt) = convert::launch_template_version(v) else {
                continue;
            };
            // A node group may ask for "$Latest"/"$Default": remember which answer that was.
            let latest = items.iter().filter_map(|o| o.version_number()).max();
            lt.requested_as = versions
                .iter()
                .filter(|want| {
                    (want.as_str() == "$Default" && lt.default_version)
                        || (want.as_str() == "$Latest" && latest == Some(lt.version_number))
                })
                .cloned()
                .collect();
            out.push(lt);
        }
    }
    Collected::from_result(Ok(out))
}

async fn paged<T, E>(
    region: Option<&str>,
    api: &str,
    stream: PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
) -> Result<Vec<T>, Gap>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    auditor_aws::paged(SERVICE, region, api, stream).await
}

/// Converts SDK items to inventory items, dropping any that lack their id (AWS always
/// sends it; an item without one cannot be named in a finding).
fn convert_all<S, T>(items: Result<Vec<S>, Gap>, f: fn(&S) -> Option<T>) -> Collected<Vec<T>> {
    Collected::from_result(items.map(|v| v.iter().filter_map(f).collect()))
}
