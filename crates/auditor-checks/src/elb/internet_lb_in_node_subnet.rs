//! ELB-005: an internet-facing load balancer shares a subnet with EKS nodes.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every internet-facing load balancer's subnets (DescribeLoadBalancers) against the
    /// subnets of the region's EKS managed node groups (DescribeNodegroup) and of its EC2
    /// instances that are EKS nodes of any kind (self-managed, Karpenter: tagged
    /// `eks:cluster-name` or `kubernetes.io/cluster/<name>`). It fails when they share a
    /// subnet, naming the node groups or nodes. (Node security groups that admit the whole
    /// VPC CIDR rather than the load balancer's own group are EKS-012's: it accepts the
    /// load balancers' groups as sources and fails CIDRs.)
    ///
    /// ## Why it matters
    /// Internet-facing load balancers belong in public subnets and nodes in private ones:
    /// a subnet that holds both routes to an internet gateway, so nodes there are one
    /// public IP or one security group rule away from the internet. The EKS Best
    /// Practices Guide and the GitOps security practices expose only load balancers in
    /// public subnets.
    ///
    /// ## Remediation
    /// Put the nodes in private subnets (a new node group, then drain and delete the old
    /// one), and tag the public subnets `kubernetes.io/role/elb=1` (private:
    /// `kubernetes.io/role/internal-elb=1`) so the AWS Load Balancer Controller places load
    /// balancers there, or set `--subnets` on the load balancer: `aws elbv2 set-subnets
    /// --region <region> --load-balancer-arn <arn> --subnets PUBLIC-SUBNETS`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/subnets.html
    /// - https://docs.aws.amazon.com/eks/latest/userguide/network-load-balancing.html
    pub(crate) struct InternetLbInNodeSubnet {
        code: "ELB-005",
        name: "internet-lb-in-node-subnet",
        title: "Internet-facing load balancer is in a subnet that also hosts EKS nodes",
        service: Elb,
        severity: Medium,
        wa: ["SEC05-BP01"],
        reads: [
            "elasticloadbalancing:DescribeLoadBalancers",
            "eks:ListClusters",
            "eks:ListNodegroups",
            "eks:DescribeNodegroup",
            "ec2:DescribeInstances",
        ],
    }
}

impl Check for InternetLbInNodeSubnet {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_lb(ctx, out, |region, _, lb, out| {
            if !lb.internet_facing() {
                return;
            }
            let res = super::lb_resource(inv, region, lb);
            let clusters = match ctx.eks(region).and_then(|e| e.clusters.read()) {
                Ok(c) => c,
                Err(gap) => return out.not_assessed(res, &gap),
            };
            let mut shared = Vec::new();
            for c in clusters {
                let groups = match c.nodegroups.get() {
                    Ok(g) => g,
                    Err(gap) => return out.not_assessed(res, gap),
                };
                for g in groups {
                    let common: Vec<&String> = g
                        .subnets
                        .iter()
                        .filter(|s| lb.subnets.contains(s))
                        .collect();
                    if !common.is_empty() {
                        shared.push(ev(
                            format!("Nodegroup {}/{}", c.name, g.name),
                            common
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            "nodes share a subnet with an internet-facing load balancer",
                        ));
                    }
                }
            }
            // Nodes outside managed node groups, by their EKS tags.
            let instances = match ctx.ec2(region).and_then(|e| e.instances.read()) {
                Ok(i) => i,
                Err(gap) => return out.not_assessed(res, &gap),
            };
            for i in instances {
                let cluster = i.tags.iter().find_map(|(k, v)| {
                    if k == "eks:cluster-name" {
                        Some(v.clone())
                    } else {
                        k.strip_prefix("kubernetes.io/cluster/").map(str::to_owned)
                    }
                });
                let in_group = i.tags.iter().any(|(k, _)| k == "eks:nodegroup-name");
                if let (Some(cluster), false, Some(subnet)) = (cluster, in_group, &i.subnet_id) {
                    if lb.subnets.contains(subnet) {
                        shared.push(ev(
                            format!("Instance {} (node of {cluster})", i.instance_id),
                            subnet.clone(),
                            "a node shares a subnet with an internet-facing load balancer",
                        ));
                    }
                }
            }
            if shared.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "AvailabilityZones[].SubnetId",
                        lb.subnets.join(", "),
                        "no EKS node group runs in these subnets",
                    )],
                );
            } else {
                out.fail(res, shared);
            }
        });
    }
}
