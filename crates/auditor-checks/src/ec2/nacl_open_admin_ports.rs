//! EC2-005: a network ACL lets the whole internet reach administration ports.

use super::exposure::{is_world, proto, Proto};
use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ec2::NetworkAclEntry;

declare_check! {
    /// ## What it checks
    /// Every network ACL's inbound entries, evaluated as AWS does: in rule-number order,
    /// first match wins. For each administration port (22 and 3389 by default,
    /// `checks.ec2.admin_ports` in config) and each address family, it finds the first
    /// entry from `0.0.0.0/0` (or `::/0`) that covers TCP on that port. The ACL fails when
    /// that entry allows. Entries for narrower CIDRs are not enough to close a port to
    /// the internet, so they do not decide the outcome.
    ///
    /// ## Why it matters
    /// Network ACLs are the subnet-level layer of defense in depth (the Terraform state threat model): when a
    /// security group is misconfigured, a deny in the ACL still keeps SSH and RDP away from
    /// the internet. The default ACL allows everything, so every subnet that uses it has no
    /// such layer.
    ///
    /// ## Remediation
    /// Add inbound entries that deny TCP 22 and 3389 from `0.0.0.0/0` and `::/0` with a
    /// rule number lower than any allow entry that covers them, e.g.
    /// `aws ec2 create-network-acl-entry --region <region> --network-acl-id <network-acl> --ingress --rule-number 50
    /// --protocol tcp --port-range From=22,To=22 --cidr-block 0.0.0.0/0 --rule-action deny`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-21
    pub(crate) struct NaclOpenAdminPorts {
        code: "EC2-005",
        name: "nacl-open-admin-ports",
        title: "Network ACL allows administration ports from the internet",
        service: Ec2,
        severity: Medium,
        wa: ["SEC05-BP02"],
        fsbp: ["EC2.21"],
        reads: ["ec2:DescribeNetworkAcls"],
    }
}

/// The first entry, in rule order, from the whole internet of one family that covers TCP `port`.
fn deciding_entry<'a>(
    entries: &[&'a NetworkAclEntry],
    v6: bool,
    port: u16,
) -> Option<&'a NetworkAclEntry> {
    entries.iter().copied().find(|e| {
        let cidr = if v6 {
            e.ipv6_cidr_block.as_deref()
        } else {
            e.cidr_block.as_deref()
        };
        let covers_port = match (proto(&e.protocol), e.port_range) {
            (Proto::All, _) => true,
            (Proto::Tcp, None) => true,
            (Proto::Tcp, Some(r)) => r.from <= i32::from(port) && i32::from(port) <= r.to,
            _ => false,
        };
        cidr.is_some_and(is_world) && covers_port
    })
}

fn describe(e: &NetworkAclEntry, port: u16) -> String {
    let source = e
        .cidr_block
        .as_deref()
        .or(e.ipv6_cidr_block.as_deref())
        .unwrap_or("?");
    let ports = match (proto(&e.protocol), e.port_range) {
        (Proto::All, _) => "all traffic".to_owned(),
        (_, Some(r)) if r.from == r.to => format!("tcp {}", r.from),
        (_, Some(r)) => format!("tcp {}-{}", r.from, r.to),
        (_, None) => "tcp all ports".to_owned(),
    };
    format!(
        "rule {} {} {ports} from {source} (decides port {port})",
        e.rule_number, e.rule_action
    )
}

impl Check for NaclOpenAdminPorts {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let ports = &ctx.settings.admin_ports;
        super::for_each(
            ctx,
            out,
            "network-acl",
            |r| &r.network_acls,
            |region, _, acl, out| {
                let mut inbound: Vec<&NetworkAclEntry> =
                    acl.entries.iter().filter(|e| !e.egress).collect();
                inbound.sort_by_key(|e| e.rule_number);
                let mut fails = Vec::new();
                let mut passes = Vec::new();
                for &port in ports {
                    for v6 in [false, true] {
                        match deciding_entry(&inbound, v6, port) {
                            Some(e) if e.rule_action.eq_ignore_ascii_case("allow") => {
                                fails.push(ev(
                                    format!("Entries[RuleNumber={}]", e.rule_number),
                                    describe(e, port),
                                    format!(
                                    "the first matching entry lets the internet reach port {port}"
                                ),
                                ))
                            }
                            Some(e) => passes.push(ev(
                                format!("Entries[RuleNumber={}]", e.rule_number),
                                describe(e, port),
                                format!("the internet is denied port {port} before any allow"),
                            )),
                            // No entry from the whole internet covers it: only narrower CIDRs
                            // (or nothing) can reach the port. The implicit final deny applies.
                            None => {}
                        }
                    }
                }
                let name = auditor_model::ec2::name_tag(&acl.tags)
                    .or_else(|| acl.is_default.then(|| "default".to_owned()));
                let res = super::resource(inv, region, "network-acl", &acl.network_acl_id, name);
                if fails.is_empty() {
                    if passes.is_empty() {
                        passes.push(ev(
                            "Entries",
                            format!("{} inbound entries", inbound.len()),
                            "no entry from 0.0.0.0/0 or ::/0 covers an administration port",
                        ));
                    }
                    out.pass(res, passes);
                } else {
                    out.fail(res, fails);
                }
            },
        );
    }
}
