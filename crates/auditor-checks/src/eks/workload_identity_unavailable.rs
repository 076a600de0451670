//! EKS-006: neither IRSA nor EKS Pod Identity is available to the cluster's pods.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every EKS cluster. It passes when an IAM OIDC provider exists for the cluster's
    /// issuer (`identity.oidc.issuer`) with the `sts.amazonaws.com` audience (IRSA works),
    /// or when the `eks-pod-identity-agent` add-on is installed (EKS Pod Identity works).
    /// It fails when neither is there, or when the provider lacks the `sts.amazonaws.com`
    /// audience and there is no Pod Identity agent.
    ///
    /// ## Why it matters
    /// Without IRSA or Pod Identity, the only AWS credentials a pod can get are the node
    /// role's, through IMDS: every pod on a node shares them, so the node role grows to the
    /// union of what all workloads need. The Amazon EKS security checklist (IRSA) and the EKS GitOps security guide §1 ask for per-workload
    /// roles.
    ///
    /// ## Remediation
    /// Create the provider: `eksctl utils associate-iam-oidc-provider --region <region>
    /// --cluster <cluster> --approve` (or `aws iam create-open-id-connect-provider --url ISSUER --client-id-list
    /// sts.amazonaws.com`), or install the Pod Identity agent: `aws eks create-addon
    /// --region <region> --cluster-name <cluster> --addon-name eks-pod-identity-agent`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html
    /// - https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html
    pub(crate) struct IrsaUnavailable {
        code: "EKS-006",
        name: "workload-identity-unavailable",
        title: "No IAM OIDC provider for the cluster issuer and no Pod Identity agent",
        service: Eks,
        severity: Medium,
        wa: ["SEC02-BP02"],
        reads: [
            "eks:DescribeCluster",
            "eks:ListAddons",
            "iam:ListOpenIDConnectProviders",
            "iam:GetOpenIDConnectProvider",
        ],
    }
}

impl Check for IrsaUnavailable {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            // Pod Identity settles it, whatever IAM says.
            if let Ok(addons) = c.addons.get() {
                if let Some(a) = addons.iter().find(|a| a.name == "eks-pod-identity-agent") {
                    return out.pass(
                        res,
                        vec![ev(
                            "addons[eks-pod-identity-agent]",
                            a.version.clone().unwrap_or_else(|| "installed".into()),
                            "EKS Pod Identity gives pods their own roles",
                        )],
                    );
                }
            }
            let Some(issuer) = c.issuer_host() else {
                return out.not_assessed_because(res, "DescribeCluster returned no OIDC issuer");
            };
            let providers = match ctx.iam().and_then(|i| i.oidc_providers.read()) {
                Ok(p) => p,
                Err(gap) => return out.not_assessed(res, &gap),
            };
            let provider = providers
                .iter()
                .find(|p| p.url.trim_end_matches('/') == issuer);
            let addons_gap = c.addons.gap();
            match provider {
                Some(p) if p.client_ids.iter().any(|a| a == "sts.amazonaws.com") => out.pass(
                    res,
                    vec![ev(
                        "identity.oidc.issuer",
                        issuer,
                        format!(
                            "IAM OIDC provider {} exists with the sts.amazonaws.com audience",
                            p.arn
                        ),
                    )],
                ),
                // The add-on list was not read: Pod Identity may be there.
                _ if addons_gap.is_some() => {
                    if let Some(gap) = addons_gap {
                        out.not_assessed(res, gap);
                    }
                }
                Some(p) => out.fail(
                    res,
                    vec![ev(
                        "identity.oidc.issuer",
                        issuer,
                        format!(
                            "provider {} lacks the sts.amazonaws.com audience (has: {}), and \
                             there is no Pod Identity agent",
                            p.arn,
                            p.client_ids.join(", ")
                        ),
                    )],
                ),
                None => out.fail(
                    res,
                    vec![ev(
                        "identity.oidc.issuer",
                        issuer,
                        "no IAM OIDC provider for this issuer and no Pod Identity agent: pods \
                         can only use the node role",
                    )],
                ),
            }
        });
    }
}
