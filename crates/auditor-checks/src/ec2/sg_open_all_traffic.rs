//! EC2-001: a security group lets the whole internet in on every protocol or port.

use super::exposure::Proto;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every security group's inbound rules. It fails when a rule admits `0.0.0.0/0` or
    /// `::/0` on all protocols (`-1`) or on every TCP or UDP port (0-65535).
    ///
    /// The internet is also reached in pieces: the sources of the rules that open every TCP
    /// port (all-protocol rules included), and separately of those that open every UDP
    /// port, are joined (CIDRs, and the entries of the customer-managed prefix lists they
    /// name), and the group fails when together they hold every public address of a family
    /// (`0.0.0.0/1` with `128.0.0.0/1`; a prefix list holding `0.0.0.0/0`). AWS-managed
    /// prefix lists (CloudFront's, S3's) are AWS's addresses, named in the evidence and not
    /// counted as the internet. A group whose verdict hangs on a prefix list that could not
    /// be read is "not assessed".
    ///
    /// ## Why it matters
    /// Such a group exposes every service on every attached interface to the internet,
    /// including the ones nobody meant to publish (debug ports, metrics, databases).
    /// The platform's security review asks for node-to-node-only groups; the Terraform state threat model for ingress only from internal
    /// resources such as the load balancer.
    ///
    /// ## Remediation
    /// Replace the rule with rules for the ports the workload serves, from the load
    /// balancer's security group or known CIDRs:
    /// `aws ec2 revoke-security-group-ingress --region <region> --group-id <security-group> --ip-permissions ...`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    /// - https://docs.aws.amazon.com/wellarchitected/2023-10-03/framework/sec_network_protection_layered.html
    pub(crate) struct SgOpenAllTraffic {
        code: "EC2-001",
        name: "sg-open-all-traffic",
        title: "Security group allows all traffic from the internet",
        service: Ec2,
        severity: Critical,
        wa: ["SEC05-BP02"],
        reads: [
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeManagedPrefixLists",
            "ec2:GetManagedPrefixListEntries",
        ],
    }
}

impl Check for SgOpenAllTraffic {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        // Joined per protocol: TCP's every port from one half of the internet and UDP's
        // from the other open no protocol to the whole of it.
        let every_port = |want: Proto| {
            move |perm: &auditor_model::ec2::IpPermission| {
                let p = super::exposure::proto(&perm.ip_protocol);
                p == Proto::All || (p == want && super::exposure::is_all_traffic(perm))
            }
        };
        let targets = [
            super::Target {
                label: "every TCP port".into(),
                covers: Box::new(every_port(Proto::Tcp)),
            },
            super::Target {
                label: "every UDP port".into(),
                covers: Box::new(every_port(Proto::Udp)),
            },
        ];
        super::check_world_exposure(
            ctx,
            out,
            "all protocols and ports",
            |perm| super::exposure::is_all_traffic(perm).then(|| super::exposure::describe(perm)),
            &targets,
        );
    }
}
