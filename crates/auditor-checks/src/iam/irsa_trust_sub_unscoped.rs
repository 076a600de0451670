//! IAM-003: an IRSA role's trust is not scoped to one service account.

use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::reach::{Outsiders, Question};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates an EKS cluster's OIDC provider
    /// (`oidc-provider/oidc.eks.<region>.amazonaws.com/id/...`): IAM Roles for Service
    /// Accounts. The policy engine evaluates `sts:AssumeRoleWithWebIdentity` with a token of
    /// a service account the policy does not name, and with each value a `:sub` pattern
    /// matches, every audience, and no value or any value of the other keys. It fails when
    /// such a token is accepted, and shows its subject: there is no `:sub` condition
    /// (every pod of every namespace of the cluster may assume the role), a value has a
    /// wildcard (`system:serviceaccount:*`), it is namespace-wide
    /// (`system:serviceaccount:payments:*`), or the condition does not hold it (`IfExists`,
    /// a negated operator, `ForAllValues:`). It passes when only the named service accounts
    /// get in.
    ///
    /// ## Why it matters
    /// Without the `:sub` scope, any pod in the cluster that can get a projected token, such
    /// as a compromised one, can assume the role. The AWS Security Profile asks by name: "Scope the IAM Role
    /// trust policy for IRSA to the service account name".
    ///
    /// ## Remediation
    /// Use `StringEquals` on `<issuer>:sub` with
    /// `system:serviceaccount:<namespace>:<service-account>`, and `<issuer>:aud` =
    /// `sts.amazonaws.com` (IAM-004). `eksctl create iamserviceaccount` writes both; for an existing role, `aws iam
    /// update-assume-role-policy --role-name <role> --policy-document file://trust.json`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html#_scope_the_iam_role_trust_policy_for_irsa_roles_to_the_service_account_name_namespace_or_label
    pub(crate) struct IrsaSubUnscoped {
        code: "IAM-003",
        name: "irsa-trust-sub-unscoped",
        title: "IRSA role trust is not scoped to one service account (:sub missing or wildcard)",
        service: Iam,
        severity: High,
        wa: ["SEC03-BP02"],
        reads: ["iam:GetAccountAuthorizationDetails"],
    }
}

impl Check for IrsaSubUnscoped {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let ask = super::TrustAsk {
            question: Question {
            who: Outsiders::TokenHolders,
            issuers: Some(super::is_eks_issuer),
            ..Question::default()
        },
            action: "sts:AssumeRoleWithWebIdentity",
            trusted: &[],
            fail_reason: "a token of a service account the policy does not name is accepted: any pod that runs as it can assume the role",
            nobody: None,
        };
        super::for_each_trust(ctx, out, |role, doc, res, out| {
            super::judge_trust(ctx, out, role, doc, res, &ask);
        });
    }
}
