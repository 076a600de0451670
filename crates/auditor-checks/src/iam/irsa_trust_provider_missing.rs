//! IAM-006: an IRSA trust names an OIDC provider, or a cluster, that does not exist.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates an EKS cluster's OIDC provider. It fails when the
    /// provider ARN is not among the account's IAM OIDC providers
    /// (`ListOpenIDConnectProviders`), or when the provider exists but no cluster in the
    /// issuer's region has that issuer (`DescribeCluster`): the cluster was deleted or
    /// recreated and the role was left behind. When EKS was not collected in the issuer's
    /// region, whether the cluster exists is unknown and the role is "not assessed".
    ///
    /// ## Why it matters
    /// A stale trust is unused privilege waiting to be reclaimed: whoever recreates a provider
    /// for that issuer, or a new cluster that reuses the names, inherits the role. The AWS Security Profile
    /// asks to reduce permissions continuously.
    ///
    /// ## Remediation
    /// Delete the role if its cluster is gone (`aws iam delete-role --role-name <role>`), or point its trust at
    /// the current cluster's provider.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html
    pub(crate) struct IrsaProviderMissing {
        code: "IAM-006",
        name: "irsa-trust-provider-missing",
        title: "IRSA role trusts an OIDC provider or cluster that no longer exists",
        service: Iam,
        severity: Medium,
        wa: ["SEC03-BP04"],
        reads: [
            "iam:GetAccountAuthorizationDetails",
            "iam:ListOpenIDConnectProviders",
            "eks:ListClusters",
            "eks:DescribeCluster",
        ],
    }
}

impl Check for IrsaProviderMissing {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let providers = ctx.iam().ok().map(|a| a.oidc_providers.get());
        super::for_each_trust(ctx, out, |_, doc, res, out| {
            let federated: Vec<&str> = doc
                .statements()
                .iter()
                .filter(|s| s.allow)
                .flat_map(|s| s.principal.iter().flat_map(|p| &p.federated))
                .filter(|f| super::eks_issuer(f).is_some())
                .map(String::as_str)
                .collect();
            if federated.is_empty() {
                return;
            }
            let list = match providers {
                Some(Ok(l)) => l,
                Some(Err(gap)) => return out.not_assessed(res, gap),
                None => return,
            };
            let (mut fail, mut pass, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
            for f in federated {
                if !list.iter().any(|p| p.arn == f) {
                    fail.push(ev(
                        "Principal.Federated",
                        f,
                        "no such IAM OIDC provider in the account",
                    ));
                    continue;
                }
                match cluster_of(ctx, f) {
                    ClusterState::Exists(name) => pass.push(ev(
                        "Principal.Federated",
                        f,
                        format!("the provider exists, and so does its cluster {name}"),
                    )),
                    ClusterState::Gone(region) => fail.push(ev(
                        "Principal.Federated",
                        f,
                        format!(
                            "the provider exists, but no cluster in {region} has this issuer: \
                             its cluster was deleted"
                        ),
                    )),
                    ClusterState::Unknown(why) => unknown.push(why),
                }
            }
            if !fail.is_empty() {
                out.fail(res, fail);
            } else if !unknown.is_empty() {
                out.not_assessed_because(res, unknown.join("; "));
            } else {
                out.pass(res, pass);
            }
        });
    }
}

enum ClusterState {
    Exists(String),
    Gone(String),
    Unknown(String),
}

/// Whether the cluster behind an EKS OIDC provider ARN still exists, from EKS data.
fn cluster_of(ctx: &CheckContext<'_>, provider: &str) -> ClusterState {
    let Some(issuer) = super::eks_issuer(provider) else {
        return ClusterState::Unknown(format!("{provider} is not an EKS issuer"));
    };
    // oidc.eks.<region>.amazonaws.com/id/<ID>
    let Some(region) = issuer
        .strip_prefix("oidc.eks.")
        .and_then(|r| r.split('.').next())
    else {
        return ClusterState::Unknown(format!("no region in issuer {issuer}"));
    };
    let Ok(eks) = ctx.eks(region) else {
        return ClusterState::Unknown(format!(
            "the provider exists; whether its cluster does is unknown because EKS was not \
             collected in {region}"
        ));
    };
    match eks.clusters.get() {
        Err(gap) => ClusterState::Unknown(gap.to_string()),
        Ok(clusters) => clusters
            .iter()
            .find(|c| c.issuer_host() == Some(issuer))
            .map_or(ClusterState::Gone(region.to_owned()), |c| {
                ClusterState::Exists(c.name.clone())
            }),
    }
}
