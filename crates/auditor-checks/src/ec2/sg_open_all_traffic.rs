//! EC2-001: a security group lets the whole internet in on every protocol or port.

use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every security group's inbound rules. It fails when a rule admits `0.0.0.0/0` or
    /// `::/0` on all protocols (`-1`) or on every TCP or UDP port (0-65535).
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
        let targets = [super::Target {
            label: "all traffic".into(),
            covers: Box::new(super::exposure::is_all_traffic),
        }];
        super::check_world_exposure(
            ctx,
            out,
            "all protocols and ports",
            |perm| super::exposure::is_all_traffic(perm).then(|| super::exposure::describe(perm)),
            &targets,
        );
    }
}
