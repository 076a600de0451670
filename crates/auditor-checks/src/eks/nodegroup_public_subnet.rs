//! EKS-011: a node group runs in a public subnet.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ec2::Ec2Region;

declare_check! {
    /// ## What it checks
    /// Every managed node group's subnets, cross-read from EC2. A subnet is public when its
    /// route table (its explicit association, else the VPC's main table) sends `0.0.0.0/0`
    /// or `::/0` to an internet gateway, or when it assigns public IPv4 addresses on launch
    /// (`MapPublicIpOnLaunch`). The check also fails when the node group's launch template
    /// asks for a public IP on its network interface. It passes when every subnet is private.
    ///
    /// ## Why it matters
    /// Nodes in public subnets get public addresses: every NodePort, host port, kubelet or
    /// SSH port opened by a security-group mistake is on the internet, and nodes can be
    /// reached without passing a load balancer or WAF. The Amazon EKS security checklist and the EKS GitOps security guide §2 ask for nodes in
    /// private subnets with egress through NAT.
    ///
    /// ## Remediation
    /// Create the node group in private subnets (a route to a NAT gateway, no public IPs),
    /// move workloads, delete the old group (`aws eks delete-nodegroup --region <region>
    /// --cluster-name <cluster> --nodegroup-name <nodegroup>`). Expose services through load balancers in the
    /// public subnets instead.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/network-reqs.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/subnets.html
    pub(crate) struct NodegroupPublicSubnet {
        code: "EKS-011",
        name: "nodegroup-public-subnet",
        title: "Node group runs in a public subnet",
        service: Eks,
        severity: High,
        wa: ["SEC05-BP01"],
        fsbp: ["EC2.15"],
        reads: [
            "eks:DescribeNodegroup",
            "ec2:DescribeSubnets",
            "ec2:DescribeRouteTables",
            "ec2:DescribeLaunchTemplateVersions",
        ],
    }
}

/// Why a subnet is public, or `None` when it is private; `Err` when it is unknown.
fn public_reason(ec2: &Ec2Region, subnet_id: &str) -> Result<Option<String>, String> {
    let subnets = ec2.subnets.get().map_err(|g| g.to_string())?;
    let tables = ec2.route_tables.get().map_err(|g| g.to_string())?;
    let Some(subnet) = subnets.iter().find(|s| s.subnet_id == subnet_id) else {
        return Err(format!("subnet {subnet_id} is not in the region's subnets"));
    };
    if subnet.map_public_ip_on_launch {
        return Ok(Some("MapPublicIpOnLaunch=true".into()));
    }
    let Some(table) = Ec2Region::route_table_for_subnet(tables, subnet) else {
        return Err(format!("no route table governs {subnet_id}"));
    };
    Ok(table
        .routes
        .iter()
        .find(|r| {
            r.state.as_deref() != Some("blackhole")
                && r.gateway_id
                    .as_deref()
                    .is_some_and(|g| g.starts_with("igw-"))
                && (r.destination_cidr_block.as_deref() == Some("0.0.0.0/0")
                    || r.destination_ipv6_cidr_block.as_deref() == Some("::/0"))
        })
        .map(|r| {
            format!(
                "{} routes {} to {}",
                table.route_table_id,
                r.destination_cidr_block
                    .as_deref()
                    .or(r.destination_ipv6_cidr_block.as_deref())
                    .unwrap_or_default(),
                r.gateway_id.as_deref().unwrap_or_default()
            )
        }))
}

impl Check for NodegroupPublicSubnet {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_nodegroup(ctx, out, |region, data, c, n, out| {
            let res = super::nodegroup_resource(inv, region, c, n);
            let ec2 = match ctx.ec2(region) {
                Ok(e) => e,
                Err(gap) => return out.not_assessed(res, &gap),
            };
            let (mut fail, mut pass, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
            for s in &n.subnets {
                match public_reason(ec2, s) {
                    Ok(Some(why)) => fail.push(ev(
                        format!("subnets[{s}]"),
                        why,
                        "a public subnet: nodes get internet-routable addresses",
                    )),
                    Ok(None) => pass.push(ev(
                        format!("subnets[{s}]"),
                        "no internet-gateway route, no public IPs on launch",
                        "a private subnet",
                    )),
                    Err(why) => unknown.push(why),
                }
            }
            if let Some(r) = &n.launch_template {
                if let Ok(versions) = data.launch_templates.get() {
                    if let Some(v) = versions
                        .iter()
                        .find(|v| v.answers(r) && v.associate_public_ip_address == Some(true))
                    {
                        fail.push(ev(
                            format!(
                                "launchTemplate[{} v{}].NetworkInterfaces.AssociatePublicIpAddress",
                                v.launch_template_id, v.version_number
                            ),
                            "true",
                            "the nodes ask for public IPv4 addresses",
                        ));
                    }
                }
            }
            if !fail.is_empty() {
                out.fail(res, fail);
            } else if !unknown.is_empty() {
                out.not_assessed_because(res, unknown.join("; "));
            } else if pass.is_empty() {
                out.not_assessed_because(res, "DescribeNodegroup returned no subnets");
            } else {
                out.pass(res, pass);
            }
        });
    }
}
