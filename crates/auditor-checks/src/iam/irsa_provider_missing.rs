//! IAM-006: an IRSA trust names an OIDC provider that does not exist.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates an EKS cluster's OIDC provider. It fails when the
    /// provider ARN is not among the account's IAM OIDC providers
    /// (`ListOpenIDConnectProviders`): the cluster was deleted or recreated and the role
    /// was left behind. (Checking that the cluster itself still exists arrives with the EKS
    /// collector.)
    ///
    /// ## Why it matters
    /// A stale trust is unused privilege waiting to be reclaimed: whoever recreates a provider
    /// for that issuer, or a new cluster that reuses the names, inherits the role. Seed 001
    /// asks to reduce permissions continuously.
    ///
    /// ## Remediation
    /// Delete the role if its cluster is gone (`aws iam delete-role`), or point its trust at
    /// the current cluster's provider.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html
    pub(crate) struct IrsaProviderMissing {
        code: "IAM-006",
        name: "irsa-trust-provider-missing",
        title: "IRSA role trusts an OIDC provider that no longer exists",
        service: Iam,
        severity: Medium,
        wa: ["SEC03-BP04"],
        reads: ["iam:GetAccountAuthorizationDetails", "iam:ListOpenIDConnectProviders"],
    }
}

impl Check for IrsaProviderMissing {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let providers = ctx.inventory.iam.as_ref().map(|a| a.oidc_providers.get());
        super::for_each_trust(ctx, out, |_, statements, res, out| {
            let federated: Vec<&str> = statements
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
            let (known, missing): (Vec<&str>, Vec<&str>) = federated
                .into_iter()
                .partition(|f| list.iter().any(|p| p.arn == *f));
            if missing.is_empty() {
                out.pass(
                    res,
                    known
                        .iter()
                        .map(|f| ev("Principal.Federated", *f, "the provider exists"))
                        .collect(),
                );
            } else {
                out.fail(
                    res,
                    missing
                        .iter()
                        .map(|f| {
                            ev(
                                "Principal.Federated",
                                *f,
                                "no such IAM OIDC provider in the account",
                            )
                        })
                        .collect(),
                );
            }
        });
    }
}
