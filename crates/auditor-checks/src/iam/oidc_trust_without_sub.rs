//! IAM-005: a role trusts a non-EKS OIDC provider (GitHub Actions, ...) without a `sub` scope.

use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::reach::{Outsiders, Question};

declare_check! {
    /// ## What it checks
    /// Roles whose trust policy federates a web identity provider other than an EKS cluster:
    /// an OIDC provider of a CI system, or one IAM names directly (Amazon Cognito
    /// `cognito-identity.amazonaws.com`, Google, Facebook, Login with Amazon). The policy
    /// engine decides whether `sts:AssumeRoleWithWebIdentity` is allowed with a token from a
    /// repository or project the policy does not name, with any subject and any value, or
    /// none, of the other keys. It decides by what the `sub` pattern can match, not by
    /// whether it holds a `*`. The part of the subject that names the repository or project
    /// is, per provider:
    ///
    /// - GitHub Actions: `repo:owner/name` (`repo:acme/infra:ref:refs/heads/main`), or
    ///   `repository_owner_id:N:repository_id:M` in a customised subject;
    /// - GitLab: `project_path:group/subgroup/project`;
    /// - HCP Terraform: `organization:O:project:P`;
    /// - CircleCI: `org/O/project/P`;
    /// - Bitbucket Pipelines: the repository's `{uuid}`.
    ///
    /// It fails when a token of another repository or project is accepted, and shows its
    /// subject: no `:sub` condition, `*`, `repo:*`, `repo:*/infra:*`, an owner prefix
    /// (`repo:acme*` admits the organisation `acme-evil`), every repository of one owner
    /// (`repo:acme/*`, `repository_owner_id:N:*`, `project_path:acme/*`,
    /// `organization:acme:project:*`), a repository-name prefix (`repo:acme/infra*` admits
    /// `acme/infra-sandbox`), or a subject any repository can produce (a customised subject
    /// of the owner and a context, or a `job_workflow_ref` naming a reusable workflow
    /// anyone's workflow may call). For Cognito and the others: no audience condition. A
    /// subject scoped to named repositories or projects passes, with any ref
    /// (`repo:acme/infra:*`), and so does an audience naming one's own pool or application.
    /// Under `StringEquals` a `*` is a literal character and matches no other repository.
    ///
    /// ## Why it matters
    /// The provider signs tokens for every one of its users. For GitHub, without a `sub`
    /// condition any workflow of any repository on GitHub can assume the role: a well-known
    /// way into AWS accounts. Scoped to an organisation only, any repository its members
    /// can create or push to (a fork, a sandbox, a newly created one) gets the role. The platform's security review requires OIDC federation to be set up by the security
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
    /// - https://docs.gitlab.com/ci/cloud_services/aws/
    /// - https://developer.hashicorp.com/terraform/cloud-docs/dynamic-provider-credentials/workload-identity-tokens
    /// - https://circleci.com/docs/openid-connect-tokens/
    /// - https://support.atlassian.com/bitbucket-cloud/docs/deploy-on-aws-using-bitbucket-pipelines-openid-connect/
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
            fail_reason: "a token of a repository or project the policy does not name is accepted",
            nobody: None,
        };
        super::for_each_trust(ctx, out, |role, doc, res, out| {
            super::judge_trust(ctx, out, role, doc, res, &ask);
        });
    }
}
