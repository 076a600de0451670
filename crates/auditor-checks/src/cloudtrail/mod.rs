//! CloudTrail checks (CLOUDTRAIL-001 ... CLOUDTRAIL-004) and the helpers they share.

include!(concat!(env!("OUT_DIR"), "/checks_cloudtrail.rs"));

use crate::{CheckContext, Emitter};
use auditor_model::cloudtrail::Trail;
use auditor_model::{Inventory, Resource};

/// A trail as a finding's resource.
pub(crate) fn trail_resource(inv: &Inventory, t: &Trail) -> Resource {
    Resource {
        arn: t.arn.clone(),
        account: inv.account_id.as_str().into(),
        region: Some(t.home_region.as_str().into()),
        kind: "trail".into(),
        id: t.name.clone(),
        name: None,
    }
}

/// Every trail of the account's own once (an organisation trail of another account is
/// judged in that account), from its home region's answer when that region was audited
/// (the one with its status and selectors), else from the first region that lists it; a
/// region whose trails could not be listed yields one "not assessed" finding.
pub(crate) fn for_each_trail<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(&'i Trail, &mut Emitter<'_>),
) {
    let inv = ctx.inventory;
    for t in trails(inv).into_iter().filter(|t| t.owner.is_none()) {
        f(t, out);
    }
    for (region, data) in &inv.cloudtrail {
        if let Err(gap) = data.trails.get() {
            out.not_assessed(
                Resource {
                    arn: inv.arn("cloudtrail", region, "trail/*"),
                    account: inv.account_id.as_str().into(),
                    region: Some(region.as_str().into()),
                    kind: "trail".into(),
                    id: "*".into(),
                    name: None,
                },
                gap,
            );
        }
    }
}

/// Every trail of the inventory once (see [`for_each_trail`]).
pub(crate) fn trails(inv: &Inventory) -> Vec<&Trail> {
    let mut out: Vec<&Trail> = Vec::new();
    let listed = inv
        .cloudtrail
        .values()
        .filter_map(|d| d.trails.get().ok())
        .flatten();
    for t in listed {
        match out.iter().position(|o| o.arn == t.arn) {
            Some(i) if out[i].status.is_none() && t.status.is_some() => out[i] = t,
            Some(_) => {}
            None => out.push(t),
        }
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    out
}
