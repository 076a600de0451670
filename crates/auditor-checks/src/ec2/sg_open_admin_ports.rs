//! EC2-002: a security group lets the whole internet reach SSH or RDP.

use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every security group's inbound rules. It fails when a rule admits `0.0.0.0/0` or
    /// `::/0` over TCP (or all protocols) to an administration port: 22 (SSH) and 3389
    /// (RDP) by default, `checks.ec2.admin_ports` in config. A rule open to all traffic
    /// fails here too, because it exposes these ports as well.
    ///
    /// ## Why it matters
    /// Administration ports open to the internet are scanned within minutes and attacked
    /// with stolen keys and password guessing. The Amazon EKS security checklist asks to remove SSH access to nodes
    /// altogether and use SSM Session Manager instead.
    ///
    /// ## Remediation
    /// Remove the rule (`aws ec2 revoke-security-group-ingress --region <region> --group-id
    /// <security-group> --ip-permissions ...`, the permission as the evidence shows it). Reach hosts through AWS Systems Manager Session Manager, or allow
    /// SSH/RDP only from a bastion's security group or a VPN CIDR.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/protecting-the-infrastructure.html
    pub(crate) struct SgOpenAdminPorts {
        code: "EC2-002",
        name: "sg-open-admin-ports",
        title: "Security group allows administration ports (SSH, RDP) from the internet",
        service: Ec2,
        severity: High,
        wa: ["SEC05-BP02", "SEC06-BP05"],
        fsbp: ["EC2.53"],
        reads: ["ec2:DescribeSecurityGroups"],
    }
}

impl Check for SgOpenAdminPorts {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let ports = &ctx.settings.admin_ports;
        let what = format!("ports {}", super::ports_list(ports));
        super::check_world_exposure(ctx, out, &what, |perm| {
            let hit: Vec<u16> = ports
                .iter()
                .copied()
                .filter(|p| super::exposure::covers_tcp_port(perm, *p))
                .collect();
            (!hit.is_empty()).then(|| format!("port(s) {}", super::ports_list(&hit)))
        });
    }
}
