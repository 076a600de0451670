//! EC2/VPC checks (EC2-001 ... EC2-010) and the helpers they share.

include!(concat!(env!("OUT_DIR"), "/checks_ec2.rs"));

use crate::{CheckContext, Emitter};
use auditor_model::ec2::{name_tag, Ec2Region, SecurityGroup};
use auditor_model::{Collected, Inventory, Resource};

/// A resource of EC2 in one region: `arn:<p>:ec2:<region>:<account>:<kind>/<id>`.
pub(crate) fn resource(
    inv: &Inventory,
    region: &str,
    kind: &str,
    id: &str,
    name: Option<String>,
) -> Resource {
    Resource {
        arn: inv.arn("ec2", region, &format!("{kind}/{id}")),
        account: inv.account_id.as_str().into(),
        region: Some(region.into()),
        kind: kind.into(),
        id: id.to_owned(),
        name,
    }
}

/// A security group as a finding's resource.
pub(crate) fn sg_resource(inv: &Inventory, region: &str, sg: &SecurityGroup) -> Resource {
    let name = name_tag(&sg.tags).or_else(|| Some(sg.group_name.clone()));
    resource(inv, region, "security-group", &sg.group_id, name)
}

/// Runs `f` on every item of one inventory part in every region; a region whose part was
/// not collected yields one "not assessed" finding for all its resources of that kind.
pub(crate) fn for_each<'i, T: 'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    kind: &str,
    part: impl Fn(&'i Ec2Region) -> &'i Collected<Vec<T>>,
    mut f: impl FnMut(&'i str, &'i Ec2Region, &'i T, &mut Emitter<'_>),
) {
    let inv = ctx.inventory;
    for (region, data) in &inv.ec2 {
        match part(data).get() {
            Ok(items) => {
                for item in items {
                    f(region, data, item, out);
                }
            }
            Err(gap) => out.not_assessed(resource(inv, region, kind, "*", None), gap),
        }
    }
}

/// Formats a port list: `22, 3389`.
pub(crate) fn ports_list(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One thing a security-group check asks about (a port, all traffic): its label and which
/// rules reach it.
pub(crate) struct Target<'a> {
    pub(crate) label: String,
    pub(crate) covers: Box<dyn Fn(&auditor_model::ec2::IpPermission) -> bool + 'a>,
}

/// One target per TCP port (EC2-002, EC2-003): the rules that reach it.
pub(crate) fn port_targets(ports: &[u16]) -> Vec<Target<'static>> {
    ports
        .iter()
        .map(|&p| Target {
            label: format!("port {p}"),
            covers: Box::new(move |perm| exposure::covers_tcp_port(perm, p)),
        })
        .collect()
}

/// The region's prefix lists by id, or the gap that kept them unread.
pub(crate) fn prefix_lists(
    data: &Ec2Region,
) -> Result<std::collections::BTreeMap<&str, &auditor_model::ec2::PrefixList>, &auditor_model::Gap>
{
    data.prefix_lists
        .get()
        .map(|ls| ls.iter().map(|l| (l.prefix_list_id.as_str(), l)).collect())
}

/// The shared body of EC2-001/002/003: every security group, failing on each inbound rule
/// from the whole internet (`0.0.0.0/0`, `::/0`) for which `exposes` names what it exposes;
/// then, for each target no such rule reaches, on the sources of the rules that reach it
/// when together (CIDRs, and the entries of customer-managed prefix lists) they hold the
/// whole internet. A group that passes only because a prefix list's entries are unknown is
/// "not assessed".
pub(crate) fn check_world_exposure(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    what: &str,
    exposes: impl Fn(&auditor_model::ec2::IpPermission) -> Option<String>,
    targets: &[Target<'_>],
) {
    let inv = ctx.inventory;
    for_each(
        ctx,
        out,
        "security-group",
        |r| &r.security_groups,
        |region, data, sg, out| {
            let world = exposure::world_rules(&sg.ip_permissions);
            let mut evidence: Vec<_> = world
                .iter()
                .filter_map(|rule| {
                    let exposed = exposes(rule.perm)?;
                    Some(crate::emit::ev(
                        rule.field(),
                        rule.observed(),
                        format!("anyone on the internet can reach {exposed}"),
                    ))
                })
                .collect();
            let lists = prefix_lists(data);
            // (field, observed) → the targets whose union it is part of, and the families
            // those unions hold whole; in order of first sight.
            type Joint<'t> = Vec<((String, String), Vec<&'t str>, (bool, bool))>;
            let mut joint: Joint<'_> = Vec::new();
            let mut unread: Vec<(String, String)> = Vec::new();
            let mut aws: Vec<(String, String)> = Vec::new();
            for t in targets {
                if world.iter().any(|w| (t.covers)(w.perm)) {
                    continue;
                }
                let u = exposure::union_of(
                    &sg.ip_permissions,
                    &*t.covers,
                    lists.as_ref().map_err(|g| *g),
                );
                for a in u.aws {
                    if !aws.contains(&a) {
                        aws.push(a);
                    }
                }
                if u.admits == (false, false) {
                    unread.extend(u.unread);
                    continue;
                }
                // Only the sources of a family the union holds whole.
                for (field, observed, (v4, v6)) in u.sources {
                    let fam = (v4 && u.admits.0, v6 && u.admits.1);
                    if fam == (false, false) {
                        continue;
                    }
                    let src = (field, observed);
                    match joint.iter_mut().find(|(s, _, _)| *s == src) {
                        Some((_, labels, f)) => {
                            labels.push(&t.label);
                            *f = (f.0 || fam.0, f.1 || fam.1);
                        }
                        None => joint.push((src, vec![&t.label], fam)),
                    }
                }
            }
            let alone = joint.len() == 1;
            for ((field, observed), labels, fam) in joint {
                let family = match fam {
                    (true, true) => "every internet address, IPv4 and IPv6",
                    (true, false) => "every public IPv4 address",
                    _ => "every public IPv6 address",
                };
                let together = if alone {
                    ""
                } else {
                    "with the group's other sources listed here, "
                };
                evidence.push(crate::emit::ev(
                    field,
                    observed,
                    format!(
                        "{together}it admits {family}: anyone on the internet can reach {}",
                        short_list(&labels)
                    ),
                ));
            }
            let res = sg_resource(inv, region, sg);
            if !evidence.is_empty() {
                out.fail(res, evidence);
            } else if let Some((field, why)) = unread.first() {
                out.not_assessed_because(
                    res,
                    format!("{field}: {why}; without its entries, whether the internet reaches {what} is unknown"),
                );
            } else {
                let mut passes = vec![crate::emit::ev(
                    "IpPermissions",
                    format!("{} inbound rule(s)", sg.ip_permissions.len()),
                    format!("no rule from 0.0.0.0/0 or ::/0, nor several rules together, let the whole internet reach {what}"),
                )];
                for (field, observed) in aws {
                    passes.push(crate::emit::ev(
                        field,
                        observed,
                        "an AWS-managed prefix list: AWS's own addresses, not the internet",
                    ));
                }
                out.pass(res, passes);
            }
        },
    );
}

/// `a, b, c` — or, past four, the first four and how many more.
pub(crate) fn short_list(items: &[&str]) -> String {
    match items.len() {
        n if n > 4 => format!("{} and {} more", items[..4].join(", "), n - 4),
        _ => items.join(", "),
    }
}
