//! IAM-003: an IRSA role's trust is not scoped to one service account.

use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates an EKS cluster's OIDC provider
    /// (`oidc-provider/oidc.eks.<region>.amazonaws.com/id/...`): IAM Roles for Service
    /// Accounts. Each such `Allow` statement must carry a condition on `<issuer>:sub` whose
    /// values name exactly one service account, `system:serviceaccount:<namespace>:<name>`,
    /// with no wildcard. It fails when there is no `:sub` condition (every pod of every
    /// namespace of the cluster may assume the role), when a value has a wildcard
    /// (`system:serviceaccount:*`), or when it is namespace-wide
    /// (`system:serviceaccount:payments:*`).
    ///
    /// ## Why it matters
    /// Without the `:sub` scope, any pod in the cluster that can get a projected token, such
    /// as a compromised one, can assume the role. Seed 001 asks by name: "Scope the IAM Role
    /// trust policy for IRSA to the service account name".
    ///
    /// ## Remediation
    /// Use `StringEquals` on `<issuer>:sub` with
    /// `system:serviceaccount:<namespace>:<service-account>`, and `<issuer>:aud` =
    /// `sts.amazonaws.com` (IAM-004). `eksctl create iamserviceaccount` writes both.
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

/// Why a `:sub` value does not name one service account, if it does not.
fn too_wide(value: &str) -> Option<&'static str> {
    let parts: Vec<&str> = value.split(':').collect();
    if value.contains(['*', '?']) {
        if parts.len() == 4
            && parts[..3] == ["system", "serviceaccount", parts[2]]
            && !parts[2].contains(['*', '?'])
            && parts[3] == "*"
        {
            Some("namespace-wide: every service account of the namespace")
        } else {
            Some("a wildcard matches more than one service account")
        }
    } else if parts.len() != 4 || parts[0] != "system" || parts[1] != "serviceaccount" {
        Some("not of the form system:serviceaccount:<namespace>:<name>")
    } else {
        None
    }
}

impl Check for IrsaSubUnscoped {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::judge_federated_trusts(ctx, out, super::eks_issuer, |issuer, s, field| {
            super::sub_verdicts(
                issuer,
                s,
                &field,
                "every service account in the cluster may assume the role",
                |v| too_wide(v).map_or(Ok("one service account"), Err),
            )
        });
    }
}
