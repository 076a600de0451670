//! EC2-002: a security group lets the whole internet reach SSH or RDP.

use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every security group's inbound rules. It fails when a rule admits `0.0.0.0/0` or
    /// `::/0` over TCP (or all protocols) to an administration port: 22 (SSH) and 3389
    /// (RDP) by default, `checks.ec2.admin_ports` in config. A rule open to all traffic
    /// fails here too, because it exposes these ports as well.
    ///
    /// The internet is also reached in pieces: the sources of every rule that covers the
    /// same port (CIDRs, and the entries of the customer-managed prefix lists it names) are
    /// joined, and the group fails when together they hold every public address of a family
    /// (`0.0.0.0/1` with `128.0.0.0/1`; a prefix list holding `0.0.0.0/0`). AWS-managed
    /// prefix lists (CloudFront's, S3's) are AWS's addresses, named in the evidence and not
    /// counted as the internet. A group whose verdict hangs on a prefix list that could not
    /// be read is "not assessed".
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
        fsbp: ["EC2.19"],
        reads: [
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeManagedPrefixLists",
            "ec2:GetManagedPrefixListEntries",
        ],
    }
}

impl Check for SgOpenAdminPorts {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let ports = &ctx.settings.admin_ports;
        let what = format!("ports {}", super::ports_list(ports));
        let targets = super::port_targets(ports);
        super::check_world_exposure(
            ctx,
            out,
            &what,
            |perm| {
                let hit: Vec<u16> = ports
                    .iter()
                    .copied()
                    .filter(|p| super::exposure::covers_tcp_port(perm, *p))
                    .collect();
                (!hit.is_empty()).then(|| format!("port(s) {}", super::ports_list(&hit)))
            },
            &targets,
        );
    }
}
