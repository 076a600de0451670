//! IAM-004: an IRSA role's trust does not require the STS audience.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates an EKS cluster's OIDC provider (IRSA). Each such
    /// `Allow` statement must require `<issuer>:aud` = `sts.amazonaws.com` (with
    /// `StringEquals`). It fails when there is no `:aud` condition or it allows another
    /// audience.
    ///
    /// ## Why it matters
    /// Service-account tokens can be minted for other audiences (a vault, a webhook). Without
    /// the audience condition, a token issued for another system can be replayed to STS to
    /// assume the role. Seeds 001 and 003 pair `:aud` with `:sub` in the IRSA trust.
    ///
    /// ## Remediation
    /// Add `"<issuer>:aud": "sts.amazonaws.com"` under `StringEquals` in the trust statement.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
    pub(crate) struct IrsaAudMissing {
        code: "IAM-004",
        name: "irsa-trust-aud-missing",
        title: "IRSA role trust does not require the sts.amazonaws.com audience",
        service: Iam,
        severity: Medium,
        wa: ["SEC03-BP02"],
        reads: ["iam:GetAccountAuthorizationDetails"],
    }
}

impl Check for IrsaAudMissing {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::judge_federated_trusts(ctx, out, super::eks_issuer, |issuer, s, field| {
            let key = format!("{issuer}:aud");
            let exact = s.conditions_on(&key).into_iter().find(|c| {
                c.base_operator() == "StringEquals"
                    && !c.values.is_empty()
                    && c.values.iter().all(|v| v == "sts.amazonaws.com")
            });
            vec![match exact {
                Some(c) => Ok(ev(
                    field,
                    format!("{} {key} = sts.amazonaws.com", c.operator),
                    "only tokens minted for STS are accepted",
                )),
                None => Err(ev(
                    field,
                    format!("no StringEquals {key} = sts.amazonaws.com"),
                    "tokens minted for other audiences could be replayed to STS",
                )),
            }]
        });
    }
}
