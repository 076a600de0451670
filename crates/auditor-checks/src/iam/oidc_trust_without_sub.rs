//! IAM-005: a role trusts a non-EKS OIDC provider (GitHub Actions, ...) without a `sub` scope.

use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::reach::{Outsiders, Question};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates a web identity provider other than an EKS cluster:
    /// an OIDC provider (GitHub Actions `token.actions.githubusercontent.com`, GitLab,
    /// Terraform Cloud, ...), or one IAM names directly (Amazon Cognito
    /// `cognito-identity.amazonaws.com`, Google, Facebook, Login with Amazon). The policy
    /// engine decides whether `sts:AssumeRoleWithWebIdentity` is allowed with a token of an
    /// owner the policy does not name (another GitHub organisation, GitLab group, Terraform
    /// Cloud organisation; another identity pool or application, the `aud` or `app_id`
    /// claim), with any subject and any value, or none, of the other keys. It fails when
    /// such a token is accepted, and shows its subject: no `:sub` condition, `*`, `repo:*`,
    /// a pattern whose owner part holds a wildcard (`repo:acme*` admits the organisation
    /// `acme-evil`), or a subject GitHub lets any repository produce (a customised subject
    /// on `job_workflow_ref` names a reusable workflow anyone's workflow may call); for
    /// Cognito and the others, no audience condition. A subject scoped to one owner
    /// (`repo:acme/*`, AWS's recommended minimum, or `repository_owner_id:...`) and an
    /// audience naming one's own pool or application pass.
    ///
    /// ## Why it matters
    /// The provider signs tokens for every one of its users. For GitHub, without a `sub`
    /// condition any workflow of any repository on GitHub can assume the role: a well-known
    /// way into AWS accounts. The platform's security review requires OIDC federation to be set up by the security
    /// team for this reason.
    ///
    /// ## Remediation
    /// Scope to a repository and, ideally, a branch or environment:
    /// `"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:org/repo:ref:refs/heads/main"}`,
    /// with `"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"`: `aws iam
    /// update-assume-role-policy --role-name <role> --policy-document file://trust.json`.
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
        let ask = super::TrustAsk {
            question: Question {
            who: Outsiders::TokenHolders,
            issuers: Some(super::is_other_issuer),
            ..Question::default()
        },
            action: "sts:AssumeRoleWithWebIdentity",
            trusted: &[],
            fail_reason: "a token of an owner the policy does not name (another organisation or repository) is accepted",
            nobody: None,
        };
        super::for_each_trust(ctx, out, |role, doc, res, out| {
            super::judge_trust(ctx, out, role, doc, res, &ask);
        });
    }
}
