//! IAM-002: a role trusts another account without an external id or organization condition.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::reach::{Outsiders, Question};

declare_check! {
    /// ## What it checks
    /// Every role's trust policy, decided by the policy engine: for the principals of the
    /// other AWS accounts the policy names anywhere (`123456789012`,
    /// `arn:aws:iam::123456789012:root`, a role or user ARN there, or a literal
    /// `aws:PrincipalAccount`/`aws:PrincipalArn` value in any statement, a Deny's included)
    /// that are not in `checks.iam.trusted_accounts`, it decides whether `sts:AssumeRole` is
    /// allowed without the external id agreed with that account (none, or another one) and
    /// from outside the organisation, with any value of the other condition keys the caller
    /// controls (a user it creates with the name the policy asks for included). It fails
    /// with such a request, and shows it; it passes naming what refuses them (an
    /// `sts:ExternalId` or organisation condition, in an Allow or enforced by a Deny).
    /// Principals of the audited account and service principals pass.
    ///
    /// ## Why it matters
    /// A third party that can assume roles in many customers' accounts can be tricked into
    /// using its access against yours (the confused deputy) unless each trust requires the
    /// external id you agreed with it; an unknown account with a standing trust is a
    /// backdoor. The Terraform state threat model asks that access be granted on a need-to-know basis.
    ///
    /// ## Remediation
    /// Require the external id agreed with the third party (`"Condition": {"StringEquals":
    /// {"sts:ExternalId": "..."}}`), restrict to your organization with `aws:PrincipalOrgID`,
    /// or, for your own accounts, list them in `checks.iam.trusted_accounts`. Apply the new
    /// trust with `aws iam update-assume-role-policy --role-name <role> --policy-document
    /// file://trust.json`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
    pub(crate) struct TrustCrossAccount {
        code: "IAM-002",
        name: "trust-policy-cross-account-unconditioned",
        title: "Role trusts another account without an external id or organization condition",
        service: Iam,
        severity: High,
        wa: ["SEC03-BP02", "SEC02-BP02"],
        reads: ["iam:GetAccountAuthorizationDetails", "organizations:DescribeOrganization"],
    }
}

impl Check for TrustCrossAccount {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let ask = super::TrustAsk {
            question: Question {
            who: Outsiders::NamedAccounts,
            anonymous: false,
            secret_external_id: true,
            ..Question::default()
        },
            action: "sts:AssumeRole",
            trusted: &ctx.settings.iam_trusted_accounts,
            fail_reason: "another account may assume this role without the sts:ExternalId agreed with it and from outside the organisation",
            nobody: Some(ev(
                    "AssumeRolePolicyDocument",
                    "no untrusted account principal",
                    "only this account, trusted accounts or services",
                )),
        };
        super::for_each_trust(ctx, out, |role, doc, res, out| {
            super::judge_trust(ctx, out, role, doc, res, &ask);
        });
    }
}
