//! EKS-002: the cluster API endpoint is public.

use crate::ec2::exposure::is_world;
use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Severity;

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's `resourcesVpcConfig`. It fails at high severity when the API
    /// server endpoint is public and `publicAccessCidrs` includes `0.0.0.0/0` (or `::/0`);
    /// at low severity when it is public but limited to listed CIDRs. It passes when only
    /// the private endpoint is enabled.
    ///
    /// ## Why it matters
    /// A public endpoint open to the internet exposes the Kubernetes API to every scanner
    /// and credential-stuffing attempt, and to any unpatched API-server vulnerability.
    /// Authentication still applies, but a leaked token or kubeconfig is then usable from
    /// anywhere. The Amazon EKS security checklist and the EKS GitOps security guide §5 ask for a private endpoint, or at least a CIDR
    /// allow-list.
    ///
    /// ## Remediation
    /// Turn on the private endpoint and off the public one: `aws eks
    /// update-cluster-config --region <region> --name <cluster> --resources-vpc-config
    /// endpointPrivateAccess=true,endpointPublicAccess=false`. If people or CI outside the
    /// VPC need the API, restrict it instead: `publicAccessCidrs=203.0.113.0/24`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/eks-controls.html#eks-1
    pub(crate) struct EndpointPublic {
        code: "EKS-002",
        name: "endpoint-public",
        title: "Cluster API endpoint is public (open to the internet when 0.0.0.0/0)",
        service: Eks,
        severity: High,
        wa: ["SEC05-BP01", "SEC05-BP02"],
        fsbp: ["EKS.1"],
        reads: ["eks:ListClusters", "eks:DescribeCluster"],
    }
}

impl Check for EndpointPublic {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let v = &c.vpc_config;
            if !v.endpoint_public_access {
                return out.pass(
                    res,
                    vec![ev(
                        "resourcesVpcConfig.endpointPublicAccess",
                        "false",
                        "the API server is reachable only from inside the VPC",
                    )],
                );
            }
            // AWS answers 0.0.0.0/0 when no CIDRs were given; an empty list means the same.
            let world: Vec<&str> = if v.public_access_cidrs.is_empty() {
                vec!["0.0.0.0/0"]
            } else {
                v.public_access_cidrs
                    .iter()
                    .map(String::as_str)
                    .filter(|c| is_world(c))
                    .collect()
            };
            if world.is_empty() {
                out.fail_at_most(
                    Severity::Low,
                    res,
                    vec![ev(
                        "resourcesVpcConfig.publicAccessCidrs",
                        v.public_access_cidrs.join(", "),
                        "the API server is public, though only to these CIDRs",
                    )],
                );
            } else {
                out.fail(
                    res,
                    vec![ev(
                        "resourcesVpcConfig.publicAccessCidrs",
                        world.join(", "),
                        "the API server is reachable from the whole internet",
                    )],
                );
            }
        });
    }
}
