//! EC2-010: a subnet marked data/isolated routes to a NAT or internet gateway.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ec2::{name_tag, Ec2Region};

declare_check! {
    /// ## What it checks
    /// Subnets that carry one of the tags in `checks.ec2.isolated_subnet_tags` (default
    /// `auditor:isolated=true`), marking them as data or isolated tiers. It finds the route
    /// table that governs each (its explicit association, else the VPC's main table) and
    /// fails when an active route leads to a NAT gateway, an internet gateway or an
    /// egress-only internet gateway. Subnets without the tag are not evaluated.
    ///
    /// ## Why it matters
    /// The Terraform state threat model: "Services such as a database or cache do not need egress networking, so
    /// let's not add a NAT gateway to the routing table of their subnets." An attacker who
    /// lands in a data tier with egress can pull tools in and push data out; without it,
    /// exfiltration needs a second foothold.
    ///
    /// ## Remediation
    /// Associate the subnet with a route table that has only the `local` route (and VPC
    /// endpoints for the AWS services it needs), or remove the `0.0.0.0/0` / `::/0` route:
    /// find the table with `aws ec2 describe-route-tables --region <region> --filters
    /// Name=association.subnet-id,Values=<subnet>`, then `aws ec2 delete-route --region <region>
    /// --route-table-id rtb-... --destination-cidr-block 0.0.0.0/0`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html
    /// - https://docs.aws.amazon.com/whitepapers/latest/building-scalable-secure-multi-vpc-network-infrastructure/centralized-egress-to-internet.html
    pub(crate) struct IsolatedSubnetHasEgress {
        code: "EC2-010",
        name: "isolated-subnet-has-egress",
        title: "Subnet marked data/isolated has a route to a NAT or internet gateway",
        service: Ec2,
        severity: High,
        wa: ["SEC05-BP01"],
        reads: ["ec2:DescribeSubnets", "ec2:DescribeRouteTables"],
    }
}

impl Check for IsolatedSubnetHasEgress {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let tags = &ctx.settings.isolated_subnet_tags;
        super::for_each(
            ctx,
            out,
            "subnet",
            |r| &r.subnets,
            |region, data, subnet, out| {
                let Some(tag) = tags.iter().find(|t| t.matches(&subnet.tags)) else {
                    return;
                };
                let res = super::resource(
                    inv,
                    region,
                    "subnet",
                    &subnet.subnet_id,
                    name_tag(&subnet.tags),
                );
                let tables = match data.route_tables.get() {
                    Ok(t) => t,
                    Err(gap) => return out.not_assessed(res, gap),
                };
                let Some(table) = Ec2Region::route_table_for_subnet(tables, subnet) else {
                    return out.not_assessed_because(
                        res,
                        format!(
                            "no route table found for {} (no association and no main table)",
                            subnet.subnet_id
                        ),
                    );
                };
                let egress: Vec<_> = table
                    .routes
                    .iter()
                    .filter(|r| r.state.as_deref() != Some("blackhole"))
                    .filter_map(|r| {
                        let target = r
                            .nat_gateway_id
                            .as_deref()
                            .or(r.egress_only_internet_gateway_id.as_deref())
                            .or(r.gateway_id.as_deref().filter(|g| g.starts_with("igw-")))?;
                        let dest = r
                            .destination_cidr_block
                            .as_deref()
                            .or(r.destination_ipv6_cidr_block.as_deref())
                            .unwrap_or("?");
                        Some(ev(
                            format!("RouteTables[{}].Routes", table.route_table_id),
                            format!("{dest} -> {target}"),
                            format!("a subnet tagged {tag} must not reach the internet"),
                        ))
                    })
                    .collect();
                if egress.is_empty() {
                    out.pass(
                        res,
                        vec![ev(
                            format!("RouteTables[{}].Routes", table.route_table_id),
                            format!(
                                "{} route(s), none to a NAT or internet gateway",
                                table.routes.len()
                            ),
                            format!("the subnet tagged {tag} has no egress to the internet"),
                        )],
                    );
                } else {
                    out.fail(res, egress);
                }
            },
        );
    }
}
