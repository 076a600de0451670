//! EC2-005: a network ACL lets the whole internet reach administration ports.

use super::addrs::{self, Addrs};
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
    /// the internet, so they do not decide that outcome. It also fails when narrower allow
    /// entries, each counted only for the addresses no earlier entry decided, together
    /// admit every public address of a family (`0.0.0.0/1` and `128.0.0.0/1` allowed
    /// before a deny of `0.0.0.0/0`). The two differ on purpose: a narrower deny before an
    /// allow of `0.0.0.0/0` still leaves the internet at large on the port (and fails),
    /// while narrower allows fail only when together they hold all of it.
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

/// The entry's CIDR of one family.
fn cidr(e: &NetworkAclEntry, v6: bool) -> Option<&str> {
    if v6 {
        e.ipv6_cidr_block.as_deref()
    } else {
        e.cidr_block.as_deref()
    }
}

/// Whether the entry matches TCP to `port`.
fn covers_port(e: &NetworkAclEntry, port: u16) -> bool {
    match (proto(&e.protocol), e.port_range) {
        (Proto::All, _) => true,
        (Proto::Tcp, None) => true,
        (Proto::Tcp, Some(r)) => r.from <= i32::from(port) && i32::from(port) <= r.to,
        _ => false,
    }
}

/// The first entry, in rule order, from the whole internet of one family that covers TCP `port`.
fn deciding_entry<'a>(
    entries: &[&'a NetworkAclEntry],
    v6: bool,
    port: u16,
) -> Option<&'a NetworkAclEntry> {
    entries
        .iter()
        .copied()
        .find(|e| cidr(e, v6).is_some_and(is_world) && covers_port(e, port))
}

/// What the ACL lets reach TCP `port` from one family, evaluated as AWS does (in rule
/// order, each address decided by the first entry that matches it), with the allow
/// entries that admitted some internet address.
fn admitted<'a>(
    entries: &[&'a NetworkAclEntry],
    v6: bool,
    port: u16,
) -> (Addrs, Vec<&'a NetworkAclEntry>) {
    let mut decided = Addrs::default();
    let mut allowed = Addrs::default();
    let mut by = Vec::new();
    for &e in entries.iter().filter(|e| covers_port(e, port)) {
        let Some(r) = cidr(e, v6).and_then(addrs::parse) else {
            continue;
        };
        if e.rule_action.eq_ignore_ascii_case("allow") {
            let fresh = decided.outside(r);
            if fresh.iter().any(|f| addrs::is_public(*f)) {
                by.push(e);
            }
            for f in fresh {
                allowed.insert(f);
            }
        }
        decided.insert(r);
    }
    (allowed, by)
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
                        let deciding = deciding_entry(&inbound, v6, port);
                        if !deciding.is_some_and(|e| e.rule_action.eq_ignore_ascii_case("allow")) {
                            // No single entry from the whole internet lets it in: do narrower
                            // allows, before any deny that would stop them, hold it all?
                            let (allowed, by) = admitted(&inbound, v6, port);
                            let (all_v4, all_v6) = allowed.admits_internet();
                            if (v6 && all_v6) || (!v6 && all_v4) {
                                let rules: Vec<String> =
                                    by.iter().map(|e| e.rule_number.to_string()).collect();
                                for e in &by {
                                    fails.push(ev(
                                        format!("Entries[RuleNumber={}]", e.rule_number),
                                        describe(e, port),
                                        format!(
                                            "with entries {} it lets every internet address reach port {port}",
                                            rules.join(", ")
                                        ),
                                    ));
                                }
                                continue;
                            }
                        }
                        match deciding {
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
                                format!("the first entry for the whole internet on port {port} denies it"),
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
