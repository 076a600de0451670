//! IAM-005: a role trusts a non-EKS OIDC provider (GitHub Actions, ...) without a `sub` scope.

use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates an OIDC provider other than an EKS cluster: GitHub
    /// Actions (`token.actions.githubusercontent.com`), GitLab, Terraform Cloud, ... Each
    /// such `Allow` statement must carry a condition on `<issuer>:sub` that names who may
    /// assume it. It fails when there is none, or when a value is a bare `*` or, for GitHub,
    /// `repo:*` (any repository of any owner on GitHub).
    ///
    /// ## Why it matters
    /// The provider signs tokens for every one of its users. For GitHub, without a `sub`
    /// condition any workflow of any repository on GitHub can assume the role: a well-known
    /// way into AWS accounts. Seed 000 requires OIDC federation to be set up by the security
    /// team for this reason.
    ///
    /// ## Remediation
    /// Scope to a repository and, ideally, a branch or environment:
    /// `"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:org/repo:ref:refs/heads/main"}`,
    /// with `"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"`.
    ///
    /// ## References
    /// - https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
    pub(crate) struct OidcTrustWithoutSub {
        code: "IAM-005",
        name: "oidc-trust-without-sub",
        title: "Role trusts an OIDC provider (GitHub Actions, ...) without scoping the subject",
        service: Iam,
        severity: Critical,
        wa: ["SEC03-BP02"],
        reads: ["iam:GetAccountAuthorizationDetails"],
    }
}

impl Check for OidcTrustWithoutSub {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::judge_federated_trusts(ctx, out, super::other_oidc_issuer, |issuer, s, field| {
            super::sub_verdicts(
                issuer,
                s,
                &field,
                "every identity the provider signs tokens for may assume the role",
                |v| {
                    if v == "*" || v.starts_with("repo:*") {
                        Err("matches any subject of the provider")
                    } else {
                        Ok("scoped subject")
                    }
                },
            )
        });
    }
}
