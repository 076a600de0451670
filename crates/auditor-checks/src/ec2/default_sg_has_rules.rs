//! EC2-004: a VPC's default security group has rules.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The security group named `default` in every VPC. It fails when the group has any
    /// inbound or outbound rule; it passes when both lists are empty.
    ///
    /// ## Why it matters
    /// Resources launched without an explicit security group land in the default group.
    /// AWS creates it allowing all traffic between its members and all outbound traffic,
    /// so a forgotten instance or ENI silently joins a flat network with open egress.
    /// The Terraform state threat model asks for defense in depth: nothing should get network access by default.
    ///
    /// ## Remediation
    /// Remove every rule from each VPC's default security group (it cannot be deleted),
    /// and give every resource a purpose-made group:
    /// `aws ec2 revoke-security-group-ingress --region <region> --group-id <security-group> --ip-permissions ...`
    /// and the same with `revoke-security-group-egress`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-2
    pub(crate) struct DefaultSgHasRules {
        code: "EC2-004",
        name: "default-sg-has-rules",
        title: "A VPC's default security group has rules",
        service: Ec2,
        severity: Medium,
        wa: ["SEC05-BP02"],
        fsbp: ["EC2.2"],
        reads: ["ec2:DescribeSecurityGroups"],
    }
}

impl Check for DefaultSgHasRules {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each(
            ctx,
            out,
            "security-group",
            |r| &r.security_groups,
            |region, _, sg, out| {
                if sg.group_name != "default" {
                    return;
                }
                let rules = |field: &str, list: &[auditor_model::ec2::IpPermission]| {
                    list.iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let mut sources: Vec<&str> = p
                                .ip_ranges
                                .iter()
                                .chain(&p.ipv6_ranges)
                                .chain(&p.prefix_list_ids)
                                .chain(&p.user_id_group_pairs)
                                .map(String::as_str)
                                .collect();
                            if sources.is_empty() {
                                sources.push("(no source)");
                            }
                            ev(
                                format!("{field}[{i}]"),
                                format!(
                                    "{} with {}",
                                    super::exposure::describe(p),
                                    sources.join(", ")
                                ),
                                "the default security group should have no rules",
                            )
                        })
                        .collect::<Vec<_>>()
                };
                let mut evidence = rules("IpPermissions", &sg.ip_permissions);
                evidence.extend(rules("IpPermissionsEgress", &sg.ip_permissions_egress));
                let res = super::sg_resource(inv, region, sg);
                if evidence.is_empty() {
                    out.pass(
                        res,
                        vec![ev(
                            "IpPermissions, IpPermissionsEgress",
                            "no rules",
                            "nothing gets network access by landing in the default group",
                        )],
                    );
                } else {
                    out.fail(res, evidence);
                }
            },
        );
    }
}
