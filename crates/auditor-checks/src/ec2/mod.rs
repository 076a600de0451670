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

/// The shared body of EC2-001/002/003: every security group, failing on each inbound rule
/// from the whole internet for which `exposes` names what it exposes.
pub(crate) fn check_world_exposure(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    what: &str,
    exposes: impl Fn(&auditor_model::ec2::IpPermission) -> Option<String>,
) {
    let inv = ctx.inventory;
    for_each(
        ctx,
        out,
        "security-group",
        |r| &r.security_groups,
        |region, _, sg, out| {
            let evidence: Vec<_> = exposure::world_rules(&sg.ip_permissions)
                .into_iter()
                .filter_map(|rule| {
                    let exposed = exposes(rule.perm)?;
                    Some(crate::emit::ev(
                        rule.field(),
                        rule.observed(),
                        format!("anyone on the internet can reach {exposed}"),
                    ))
                })
                .collect();
            let res = sg_resource(inv, region, sg);
            if evidence.is_empty() {
                out.pass(
                    res,
                    vec![crate::emit::ev(
                        "IpPermissions",
                        format!("{} inbound rule(s)", sg.ip_permissions.len()),
                        format!("no rule from 0.0.0.0/0 or ::/0 reaches {what}"),
                    )],
                );
            } else {
                out.fail(res, evidence);
            }
        },
    );
}
