//! EKS checks (EKS-001 ... EKS-015) and the helpers they share: clusters and node groups
//! as resources, and the EC2 and IAM data EKS checks cross-read.

include!(concat!(env!("OUT_DIR"), "/checks_eks.rs"));

use crate::{CheckContext, Emitter};
use auditor_model::eks::{Cluster, EksRegion, Nodegroup};
use auditor_model::iam::Role;
use auditor_model::{Inventory, Resource};

/// A cluster as a finding's resource.
pub(crate) fn cluster_resource(inv: &Inventory, region: &str, c: &Cluster) -> Resource {
    Resource {
        arn: if c.arn.is_empty() {
            inv.arn("eks", region, &format!("cluster/{}", c.name))
        } else {
            c.arn.clone()
        },
        account: inv.account_id.as_str().into(),
        region: Some(region.into()),
        kind: "cluster".into(),
        id: c.name.clone(),
        name: None,
    }
}

/// A node group as a finding's resource; its id is `cluster/nodegroup`.
pub(crate) fn nodegroup_resource(
    inv: &Inventory,
    region: &str,
    c: &Cluster,
    n: &Nodegroup,
) -> Resource {
    Resource {
        arn: if n.arn.is_empty() {
            inv.arn("eks", region, &format!("nodegroup/{}/{}", c.name, n.name))
        } else {
            n.arn.clone()
        },
        account: inv.account_id.as_str().into(),
        region: Some(region.into()),
        kind: "nodegroup".into(),
        id: format!("{}/{}", c.name, n.name),
        name: None,
    }
}

/// Runs `f` on every cluster of every region; a region whose clusters could not be listed
/// yields one "not assessed" finding for them all.
pub(crate) fn for_each_cluster<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(&'i str, &'i EksRegion, &'i Cluster, &mut Emitter<'_>),
) {
    let inv = ctx.inventory;
    for (region, data) in &inv.eks {
        match data.clusters.get() {
            Ok(clusters) => {
                for c in clusters {
                    f(region, data, c, out);
                }
            }
            Err(gap) => out.not_assessed(wildcard(inv, region, "cluster/*"), gap),
        }
    }
}

/// Runs `f` on every managed node group; a cluster whose node groups could not be listed
/// yields one "not assessed" finding for them.
pub(crate) fn for_each_nodegroup<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(&'i str, &'i EksRegion, &'i Cluster, &'i Nodegroup, &mut Emitter<'_>),
) {
    let inv = ctx.inventory;
    for_each_cluster(ctx, out, |region, data, c, out| match c.nodegroups.get() {
        Ok(groups) => {
            for n in groups {
                f(region, data, c, n, out);
            }
        }
        Err(gap) => out.not_assessed(
            wildcard(inv, region, &format!("nodegroup/{}/*", c.name)),
            gap,
        ),
    });
}

fn wildcard(inv: &Inventory, region: &str, path: &str) -> Resource {
    let (kind, id) = path.split_once('/').unwrap_or((path, "*"));
    Resource {
        arn: inv.arn("eks", region, path),
        account: inv.account_id.as_str().into(),
        region: Some(region.into()),
        kind: kind.into(),
        id: id.to_owned(),
        name: None,
    }
}

/// The role an ARN names, matched on its name (an ARN may carry a path or not).
pub(crate) fn role_by_arn<'i>(roles: &'i [Role], arn: &str) -> Option<&'i Role> {
    roles.iter().find(|r| r.arn == arn).or_else(|| {
        let name = arn.rsplit('/').next()?;
        let account = arn.split(':').nth(4)?;
        roles
            .iter()
            .find(|r| r.role_name == name && r.arn.split(':').nth(4) == Some(account))
    })
}

/// The VPC a cluster runs in: from DescribeCluster, else from its subnets in EC2 data.
pub(crate) fn cluster_vpc(ctx: &CheckContext<'_>, region: &str, c: &Cluster) -> Option<String> {
    c.vpc_config.vpc_id.clone().or_else(|| {
        let subnets = ctx.ec2(region).and_then(|r| r.subnets.read()).ok()?;
        c.vpc_config.subnet_ids.iter().find_map(|id| {
            subnets
                .iter()
                .find(|s| &s.subnet_id == id)
                .map(|s| s.vpc_id.clone())
        })
    })
}
