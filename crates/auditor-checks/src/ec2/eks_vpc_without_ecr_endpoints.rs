//! EC2-007: a VPC hosting an EKS cluster lacks ECR and S3 endpoints.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ec2::name_tag;
use std::collections::BTreeMap;

/// The endpoints image pulls need: (service-name suffix, endpoint type, what it carries).
const NEEDED: [(&str, &str, &str); 3] = [
    (
        "ecr.api",
        "Interface",
        "ECR API calls (authentication, manifests)",
    ),
    (
        "ecr.dkr",
        "Interface",
        "Docker registry traffic (image pulls)",
    ),
    ("s3", "Gateway", "image layers, which ECR serves from S3"),
];

declare_check! {
    /// ## What it checks
    /// Every VPC that hosts an EKS cluster (the cluster's VPC, else its subnets' VPC), in
    /// every region where both EC2 and EKS were collected. It fails when the VPC lacks an
    /// interface endpoint for `ecr.api`, one for `ecr.dkr`, or a gateway endpoint for `s3`
    /// (endpoints that are deleted, rejected or failed do not count), naming the missing
    /// ones. It passes when all three exist. VPCs without clusters are not judged.
    ///
    /// ## Why it matters
    /// Without the endpoints, nodes pull images over the internet through NAT: the traffic
    /// leaves the VPC, needs an egress path that isolated node subnets should not have, and
    /// cannot be limited by an endpoint policy to your own registries. The Amazon EKS security checklist (ECR) asks
    /// for ECR to be "accessible over VPC interface endpoints".
    ///
    /// ## Remediation
    /// `aws ec2 create-vpc-endpoint --region <region> --vpc-id <vpc> --vpc-endpoint-type Interface
    /// --service-name com.amazonaws.<region>.ecr.api --subnet-ids ... --security-group-ids ...
    /// --private-dns-enabled`, the same for `ecr.dkr`, and `--vpc-endpoint-type Gateway
    /// --service-name com.amazonaws.<region>.s3 --route-table-ids ...` for S3. Add endpoint
    /// policies that allow only your registries.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html
    /// - https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html
    pub(crate) struct VpcWithoutEcrEndpoints {
        code: "EC2-007",
        name: "eks-vpc-without-ecr-endpoints",
        title: "A VPC hosting an EKS cluster has no ECR (api, dkr) or S3 endpoints",
        service: Ec2,
        severity: Low,
        wa: ["SEC05-BP01"],
        fsbp: ["EC2.55", "EC2.56"],
        reads: ["ec2:DescribeVpcEndpoints", "ec2:DescribeVpcs", "eks:DescribeCluster"],
    }
}

impl Check for VpcWithoutEcrEndpoints {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        for (region, ec2) in &inv.ec2 {
            let region_res = |id: &str| super::resource(inv, region, "vpc", id, None);
            let Ok(eks) = ctx.eks(region) else {
                out.not_assessed_because(
                    region_res("*"),
                    "EKS was not collected in this region, so which VPCs host clusters is \
                     unknown (audit eks too)",
                );
                continue;
            };
            let clusters = match eks.clusters.get() {
                Ok(c) => c,
                Err(gap) => {
                    out.not_assessed(region_res("*"), gap);
                    continue;
                }
            };
            // VPC → the clusters in it.
            let mut hosting: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            for c in clusters {
                match crate::eks::cluster_vpc(ctx, region, c) {
                    Some(v) => hosting.entry(v).or_default().push(&c.name),
                    None => out.not_assessed_because(
                        region_res("*"),
                        format!("the VPC of cluster {} is unknown", c.name),
                    ),
                }
            }
            if hosting.is_empty() {
                continue;
            }
            let endpoints = match ec2.vpc_endpoints.get() {
                Ok(e) => e,
                Err(gap) => {
                    for vpc in hosting.keys() {
                        out.not_assessed(region_res(vpc), gap);
                    }
                    continue;
                }
            };
            let names = ec2.vpcs.get().ok();
            for (vpc, cls) in hosting {
                let name = names
                    .and_then(|vs| vs.iter().find(|v| v.vpc_id == vpc))
                    .and_then(|v| name_tag(&v.tags));
                let res = super::resource(inv, region, "vpc", &vpc, name);
                let (mut have, mut missing) = (Vec::new(), Vec::new());
                for (suffix, kind, carries) in NEEDED {
                    let found = endpoints.iter().find(|e| {
                        e.vpc_id == vpc
                            && e.service_name.ends_with(&format!(".{suffix}"))
                            && e.vpc_endpoint_type.as_deref().is_none_or(|t| t == kind)
                            && !matches!(
                                e.state.as_deref().map(str::to_ascii_lowercase).as_deref(),
                                Some("deleted" | "deleting" | "rejected" | "failed" | "expired")
                            )
                    });
                    match found {
                        Some(e) => have.push(ev(
                            format!("VpcEndpoints[{suffix}]"),
                            e.vpc_endpoint_id.clone(),
                            format!("{kind} endpoint for {carries}"),
                        )),
                        None => missing.push(ev(
                            format!("VpcEndpoints[{suffix}]"),
                            "(none)",
                            format!(
                                "no {kind} endpoint: {carries} for cluster(s) {} leave the VPC",
                                cls.join(", ")
                            ),
                        )),
                    }
                }
                if missing.is_empty() {
                    out.pass(res, have);
                } else {
                    out.fail(res, missing);
                }
            }
        }
    }
}
