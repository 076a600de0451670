//! IAM-004: an IRSA role's trust does not require the STS audience.

use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::reach::{Outsiders, Question};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates an EKS cluster's OIDC provider (IRSA). The
    /// policy engine evaluates `sts:AssumeRoleWithWebIdentity` with tokens of the service
    /// accounts the policy admits but minted for another audience than `sts.amazonaws.com`
    /// (or none). It fails when such a token is accepted (no `:aud` condition, another
    /// audience, an `IfExists` or negated operator), and passes when only
    /// `sts.amazonaws.com` gets in.
    ///
    /// ## Why it matters
    /// Service-account tokens can be minted for other audiences (a vault, a webhook). Without
    /// the audience condition, a token issued for another system can be replayed to STS to
    /// assume the role. The AWS Security Profile and the Amazon EKS security checklist pair `:aud` with `:sub` in the IRSA trust.
    ///
    /// ## Remediation
    /// Add `"<issuer>:aud": "sts.amazonaws.com"` under `StringEquals` in the trust statement
    /// (`aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json`).
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
        let ask = super::TrustAsk {
            question: Question {
            who: Outsiders::TokenHolders,
            issuers: Some(super::is_eks_issuer),
            other_audience: true,
            ..Question::default()
        },
            action: "sts:AssumeRoleWithWebIdentity",
            trusted: &[],
            fail_reason: "a token minted for another audience than sts.amazonaws.com is accepted: a token issued for another system can be replayed to STS",
            nobody: None,
        };
        super::for_each_trust(ctx, out, |role, doc, res, out| {
            super::judge_trust(ctx, out, role, doc, res, &ask);
        });
    }
}
