//! EKS-008: a managed node group allows SSH.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Severity;

declare_check! {
    /// ## What it checks
    /// Every managed node group's `remoteAccess`. It fails when an EC2 SSH key is set
    /// (`remoteAccess.ec2SshKey`): at the check's severity when no source security groups
    /// are given, because EKS then opens port 22 to `0.0.0.0/0`; at medium severity when
    /// SSH is limited to source security groups. It passes when no SSH key is configured.
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
        reads: ["eks:ListClusters", "eks:ListNodegroups", "eks:DescribeNodegroup"],
    }
}

impl Check for NodegroupSsh {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_nodegroup(ctx, out, |region, _, c, n, out| {
            let res = super::nodegroup_resource(inv, region, c, n);
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
