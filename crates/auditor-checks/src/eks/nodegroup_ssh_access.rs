//! EKS-008: a managed node group allows SSH.

use crate::ec2::exposure;
use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::eks::{EksRegion, LaunchTemplateRef};
use auditor_model::{Resource, Severity};

declare_check! {
    /// ## What it checks
    /// Every managed node group. A node group without a launch template is judged by its
    /// `remoteAccess`: it fails when an EC2 SSH key is set (`remoteAccess.ec2SshKey`), at
    /// the check's severity when no source security groups are given, because EKS then
    /// opens port 22 to `0.0.0.0/0`, and at medium severity when SSH is limited to source
    /// security groups.
    ///
    /// AWS refuses `remoteAccess` on a node group with a launch template, so such a group's
    /// SSH comes from the template version it launches from (`ec2:DescribeLaunchTemplateVersions`):
    /// it fails when the template names a key pair (`KeyName`), at the check's severity
    /// when one of the template's security groups admits TCP 22 from the whole internet
    /// (sources joined as EC2-002 joins them), at medium severity otherwise; the evidence
    /// names the groups (the cluster security group when the template names none). A
    /// `remoteAccess` the API reports beside a launch template is not
    /// used (the emulator invents one). It passes when no key pair is configured; it is
    /// not assessed when the template version could not be read.
    ///
    /// ## Why it matters
    /// SSH on nodes is a standing way around Kubernetes RBAC and audit logging: whoever has
    /// the key has root on the node and every pod's secrets and the node role's credentials.
    /// The Amazon EKS security checklist (Container Host) asks to disable it and use SSM Session Manager instead.
    ///
    /// ## Remediation
    /// Node groups' remote access cannot be changed in place: create a node group without
    /// `remoteAccess` (or a launch template without a key pair), move workloads, delete the
    /// old group (`aws eks delete-nodegroup --region <region> --cluster-name <cluster>
    /// --nodegroup-name <nodegroup>`). Use `aws ssm start-session` for break-glass access.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/APIReference/API_RemoteAccessConfig.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/protecting-the-infrastructure.html
    pub(crate) struct NodegroupSsh {
        code: "EKS-008",
        name: "nodegroup-ssh-access",
        title: "Managed node group allows SSH remote access",
        service: Eks,
        severity: High,
        wa: ["SEC06-BP05", "SEC06-BP02"],
        reads: ["eks:ListClusters", "eks:ListNodegroups", "eks:DescribeNodegroup", "ec2:DescribeLaunchTemplateVersions", "ec2:DescribeSecurityGroups", "ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"],
    }
}

impl Check for NodegroupSsh {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_nodegroup(ctx, out, |region, data, c, n, out| {
            let res = super::nodegroup_resource(inv, region, c, n);
            if let Some(r) = &n.launch_template {
                let cluster_sg = c.vpc_config.cluster_security_group_id.as_deref();
                return from_template(ctx, (region, data, cluster_sg), r, res, out);
            }
            match n.remote_access.as_ref().and_then(|r| {
                r.ec2_ssh_key
                    .as_deref()
                    .map(|k| (k, &r.source_security_groups))
            }) {
                None => out.pass(
                    res,
                    vec![ev(
                        "remoteAccess.ec2SshKey",
                        "(none)",
                        "no SSH key pair is installed on the nodes",
                    )],
                ),
                Some((key, sources)) if sources.is_empty() => out.fail(
                    res,
                    vec![ev(
                        "remoteAccess.ec2SshKey",
                        key,
                        "SSH with this key pair, and with no source security groups EKS opens \
                         port 22 to 0.0.0.0/0",
                    )],
                ),
                Some((key, sources)) => out.fail_at_most(
                    Severity::Medium,
                    res,
                    vec![ev(
                        "remoteAccess.ec2SshKey",
                        key,
                        format!(
                            "SSH with this key pair from security groups {}",
                            sources.join(", ")
                        ),
                    )],
                ),
            }
        });
    }
}

/// A node group with a launch template: SSH is the template's key pair, reachable where
/// the template's security groups admit port 22.
fn from_template(
    ctx: &CheckContext<'_>,
    (region, data, cluster_sg): (&str, &EksRegion, Option<&str>),
    r: &LaunchTemplateRef,
    res: Resource,
    out: &mut Emitter<'_>,
) {
    let versions = match data.launch_templates.get() {
        Ok(v) => v,
        Err(gap) => return out.not_assessed(res, gap),
    };
    let Some(v) = versions.iter().find(|v| v.answers(r)) else {
        return out.not_assessed_because(
            res,
            format!(
                "launch template {} version {} was not found",
                r.id.as_deref().or(r.name.as_deref()).unwrap_or("?"),
                r.version.as_deref().unwrap_or("$Default")
            ),
        );
    };
    let field = format!(
        "launchTemplate[{} v{}].KeyName",
        v.launch_template_id, v.version_number
    );
    let Some(key) = v.key_name.as_deref() else {
        return out.pass(
            res,
            vec![ev(
                field,
                "(none)",
                "no SSH key pair is installed on the nodes (remoteAccess does not apply with a launch template)",
            )],
        );
    };
    // Which of the template's groups admit TCP 22 from the whole internet.
    let groups = ctx.ec2(region).and_then(|e| {
        e.security_groups
            .get()
            .map(|gs| (gs, crate::ec2::prefix_lists(e)))
            .map_err(Clone::clone)
    });
    // A template that names no group leaves the nodes in the cluster security group.
    let ids: Vec<&str> = if v.security_group_ids.is_empty() {
        cluster_sg.into_iter().collect()
    } else {
        v.security_group_ids.iter().map(String::as_str).collect()
    };
    let mut open = Vec::new();
    let mut unknown = Vec::new();
    match &groups {
        Err(gap) => unknown.push(gap.message.clone()),
        Ok((gs, lists)) => {
            for id in ids.iter().copied() {
                let Some(sg) = gs.iter().find(|g| g.group_id == id) else {
                    unknown.push(format!("security group {id} was not found"));
                    continue;
                };
                let u = exposure::union_of(
                    &sg.ip_permissions,
                    &|p| exposure::covers_tcp_port(p, 22),
                    lists.as_ref().map_err(|g| *g),
                );
                if u.admits != (false, false) {
                    open.push(id);
                } else if !u.unread.is_empty() {
                    unknown.push(format!("{id}: a prefix list's entries were not read"));
                }
            }
        }
    }
    let sgs = match (v.security_group_ids.is_empty(), cluster_sg) {
        (false, _) => v.security_group_ids.join(", "),
        (true, Some(c)) => format!("none named: the cluster security group {c}"),
        (true, None) => "none named, and the cluster security group is not known".to_owned(),
    };
    if open.is_empty() {
        let mut why = format!(
            "SSH with this key pair, from wherever the template's security groups admit port 22 ({sgs})"
        );
        if !unknown.is_empty() {
            why.push_str(&format!(
                "; not known for all of them: {}",
                unknown.join("; ")
            ));
        }
        out.fail_at_most(Severity::Medium, res, vec![ev(field, key, why)]);
    } else {
        out.fail(
            res,
            vec![ev(
                field,
                key,
                format!(
                    "SSH with this key pair, and the nodes' security group(s) {} admit port 22 from the whole internet",
                    open.join(", ")
                ),
            )],
        );
    }
}
