//! Elastic Load Balancing checks (ELB-001 ... ELB-005) and the helpers they share.

include!(concat!(env!("OUT_DIR"), "/checks_elb.rs"));

use crate::{CheckContext, Emitter};
use auditor_model::elb::{ElbRegion, LoadBalancer};
use auditor_model::{Inventory, Resource};

/// A load balancer as a finding's resource.
pub(crate) fn lb_resource(inv: &Inventory, region: &str, lb: &LoadBalancer) -> Resource {
    Resource {
        arn: lb.arn.clone(),
        account: inv.account_id.as_str().into(),
        region: Some(region.into()),
        kind: "load-balancer".into(),
        id: lb.name.clone(),
        name: None,
    }
}

/// Runs `f` on every load balancer of every region; a region whose load balancers could
/// not be listed yields one "not assessed" finding for them all.
pub(crate) fn for_each_lb<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(&'i str, &'i ElbRegion, &'i LoadBalancer, &mut Emitter<'_>),
) {
    let inv = ctx.inventory;
    for (region, data) in &inv.elb {
        match data.load_balancers.get() {
            Ok(lbs) => {
                for lb in lbs {
                    f(region, data, lb, out);
                }
            }
            Err(gap) => out.not_assessed(
                Resource {
                    arn: inv.arn("elasticloadbalancing", region, "loadbalancer/*"),
                    account: inv.account_id.as_str().into(),
                    region: Some(region.as_str().into()),
                    kind: "load-balancer".into(),
                    id: "*".into(),
                    name: None,
                },
                gap,
            ),
        }
    }
}

/// Passes when the load balancer's boolean attribute `key` is `true`, fails otherwise
/// (absent is AWS's default, `false`); "not assessed" when the attributes were not read.
pub(crate) fn judge_attribute(
    inv: &Inventory,
    region: &str,
    lb: &LoadBalancer,
    out: &mut Emitter<'_>,
    key: &str,
    on: &str,
    off: &str,
) {
    let res = lb_resource(inv, region, lb);
    if let Err(gap) = lb.attributes.get() {
        return out.not_assessed(res, gap);
    }
    match lb.attribute(key) {
        Some(v) if v.eq_ignore_ascii_case("true") => {
            out.pass(res, vec![crate::emit::ev(key, v, on)])
        }
        v => out.fail(
            res,
            vec![crate::emit::ev(key, v.unwrap_or("false (default)"), off)],
        ),
    }
}
