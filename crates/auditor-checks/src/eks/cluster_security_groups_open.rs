//! EKS-012: cluster or node security groups accept traffic from outside the cluster.

use crate::ec2::exposure::{describe, is_world};
use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Severity;
use std::collections::BTreeSet;

declare_check! {
    /// ## What it checks
    /// For every EKS cluster, the inbound rules of the security groups that guard it: the
    /// cluster security group and the additional control-plane groups (DescribeCluster),
    /// the groups of its node groups' launch templates, and node groups' remote-access
    /// groups. A rule passes when its source is one of those groups (node-to-node and
    /// control-plane traffic) or the security group of one of the region's load balancers
    /// (DescribeLoadBalancers: the source the AWS Load Balancer Controller admits, and the
    /// one to admit instead of the VPC's CIDR). Any other source fails: at the check's severity for
    /// `0.0.0.0/0` or `::/0`, at medium severity for other CIDRs, prefix lists and foreign
    /// security groups. Each failing rule is named in the evidence. A group that is named
    /// but no longer exists admits nothing; a cluster none of whose groups exist is "not
    /// assessed".
    ///
    /// ## Why it matters
    /// The cluster security group is shared by the control-plane network interfaces and by
    /// nodes. A rule from outside lets that source reach the kubelet, NodePorts and host
    /// ports on every node, bypassing load balancers and network policies. The platform's security review (Network)
    /// limits cluster traffic to the cluster.
    ///
    /// ## Remediation
    /// Remove the rule (`aws ec2 revoke-security-group-ingress --region <region> --group-id
    /// sg-...`, the group and permission the evidence names). Expose workloads through a
    /// load balancer whose own security group is the only extra source allowed to the
    /// service's port (such rules pass); disable this check for clusters where another
    /// source is intended.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/sec-group-reqs.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/network-security.html
    pub(crate) struct SecurityGroupsOpen {
        code: "EKS-012",
        name: "cluster-security-groups-open",
        title: "Cluster or node security groups accept traffic from outside the cluster",
        service: Eks,
        severity: High,
        wa: ["SEC05-BP02"],
        reads: [
            "eks:DescribeCluster",
            "eks:DescribeNodegroup",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeLaunchTemplateVersions",
            "elasticloadbalancing:DescribeLoadBalancers",
        ],
    }
}

impl Check for SecurityGroupsOpen {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_cluster(ctx, out, |region, data, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let mut unknown = Vec::new();
            let mut ours: BTreeSet<&str> = c.security_groups().into_iter().collect();
            match c.nodegroups.get() {
                Err(gap) => unknown.push(gap.to_string()),
                Ok(groups) => {
                    for n in groups {
                        ours.extend(n.remote_access_security_group.as_deref());
                        if let Some(r) = &n.launch_template {
                            match data.launch_templates.get() {
                                Err(gap) => unknown.push(gap.to_string()),
                                Ok(v) => {
                                    if let Some(v) = v.iter().find(|v| v.answers(r)) {
                                        ours.extend(
                                            v.security_group_ids.iter().map(String::as_str),
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
            }
            let sgs = match ctx.ec2(region).and_then(|r| r.security_groups.read()) {
                Ok(s) => s,
                Err(gap) => return out.not_assessed(res, &gap),
            };
            // The region's load balancers' own groups: the source nodes should admit
            // instead of a CIDR (the AWS Load Balancer Controller writes such rules).
            let lb_groups: std::collections::BTreeMap<&str, &str> = inv
                .elb
                .get(region)
                .and_then(|e| e.load_balancers.get().ok())
                .into_iter()
                .flatten()
                .flat_map(|lb| {
                    lb.security_groups
                        .iter()
                        .map(move |g| (g.as_str(), lb.name.as_str()))
                })
                .collect();
            let (mut world, mut outside, mut pass) = (Vec::new(), Vec::new(), Vec::new());
            let mut missing = Vec::new();
            for id in &ours {
                let Some(sg) = sgs.iter().find(|g| g.group_id == *id) else {
                    // DescribeSecurityGroups lists every group of the region: one that is
                    // named but absent was deleted, and admits nothing.
                    missing.push(*id);
                    continue;
                };
                let mut open = 0;
                for p in &sg.ip_permissions {
                    let ports = describe(p);
                    let field = format!("{id}.IpPermissions");
                    for cidr in p.ip_ranges.iter().chain(&p.ipv6_ranges) {
                        open += 1;
                        let e = ev(
                            field.clone(),
                            format!("{ports} from {cidr}"),
                            "a source outside the cluster",
                        );
                        if is_world(cidr) {
                            world.push(e);
                        } else {
                            outside.push(e);
                        }
                    }
                    for g in &p.user_id_group_pairs {
                        if let Some(lb) = lb_groups.get(g.as_str()) {
                            pass.push(ev(
                                field.clone(),
                                format!("{ports} from {g}"),
                                format!("the security group of load balancer {lb}"),
                            ));
                        }
                    }
                    for src in p
                        .prefix_list_ids
                        .iter()
                        .chain(p.user_id_group_pairs.iter().filter(|g| {
                            !ours.contains(g.as_str()) && !lb_groups.contains_key(g.as_str())
                        }))
                    {
                        open += 1;
                        outside.push(ev(
                            field.clone(),
                            format!("{ports} from {src}"),
                            "a source outside the cluster's security groups",
                        ));
                    }
                }
                if open == 0 {
                    pass.push(ev(
                        format!("{id}.IpPermissions"),
                        format!("{} inbound rule(s)", sg.ip_permissions.len()),
                        "only the cluster's own security groups (and load balancers' groups) are sources",
                    ));
                }
            }
            if !world.is_empty() {
                world.extend(outside);
                out.fail(res, world);
            } else if !outside.is_empty() {
                out.fail_at_most(Severity::Medium, res, outside);
            } else if !unknown.is_empty() {
                out.not_assessed_because(res, unknown.join("; "));
            } else if pass.is_empty() {
                out.not_assessed_because(
                    res,
                    if missing.is_empty() {
                        "DescribeCluster named no security groups for the cluster".to_owned()
                    } else {
                        format!(
                            "none of the cluster's security groups exists ({})",
                            missing.join(", ")
                        )
                    },
                );
            } else {
                pass.extend(missing.iter().map(|id| {
                    ev(
                        format!("{id}.IpPermissions"),
                        "(group not found)",
                        "named by the cluster or a node group but deleted: admits nothing",
                    )
                }));
                out.pass(res, pass);
            }
        });
    }
}
