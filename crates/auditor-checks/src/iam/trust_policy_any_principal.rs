//! IAM-001: a role's trust policy lets anyone assume it.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::reach::{Outsiders, Question};

declare_check! {
    /// ## What it checks
    /// Every role's trust policy, decided rather than read: the policy engine
    /// (`auditor_policy::reach`) decides whether any `sts:AssumeRole` request is allowed
    /// from a principal of an account the policy does not name (what `"Principal": "*"`,
    /// `{"AWS": "*"}` or `NotPrincipal` let in): a role session or IAM user (the root user
    /// and federated users cannot assume roles), with any name, and any value, or none, of
    /// each condition key such a caller controls. It fails with such a request, and shows it: an `aws:PrincipalOrgID`
    /// condition under `StringEqualsIfExists` (an outsider sends no organisation id),
    /// `ForAllValues:` (true when the key is absent), `Null` `false`, a wildcard (`o-*`), a
    /// negated operator, a user name or session name (any account can create them), an
    /// account pattern (`4444555566*`) or `aws:CalledVia` do not stop anyone. `sts:ExternalId`
    /// alone does not either: AWS does not treat it as a secret. A pass names the conditions
    /// or Deny statements that refuse every outsider (an organisation id is compared with the
    /// account's organisation, read with `organizations:DescribeOrganization`; when that
    /// could not be read and the verdict depends on it, the role is not assessed). A trust
    /// policy whose conditions the engine cannot decide is not assessed, with the reason.
    ///
    /// ## Why it matters
    /// Any AWS account in the world, including an attacker's, can assume such a role and act
    /// with its permissions. The Terraform state threat model looks at the account as an attacker would.
    ///
    /// ## Remediation
    /// Name the principals that need the role, or add a condition on `aws:PrincipalOrgID`:
    /// `aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    pub(crate) struct TrustAnyPrincipal {
        code: "IAM-001",
        name: "trust-policy-any-principal",
        title: "Role trust policy lets any AWS principal assume the role",
        service: Iam,
        severity: Critical,
        wa: ["SEC03-BP02"],
        reads: ["iam:GetAccountAuthorizationDetails", "organizations:DescribeOrganization"],
    }
}

impl Check for TrustAnyPrincipal {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let ask = super::TrustAsk {
            question: Question {
                who: Outsiders::Anyone,
                anonymous: false,
                secret_external_id: false,
                ..Question::default()
            },
            action: "sts:AssumeRole",
            trusted: &[],
            fail_reason: "a principal of any account outside this one can assume the role",
            nobody: Some(ev(
                "AssumeRolePolicyDocument",
                "no statement lets an unnamed account in",
                "only named principals and services can assume it",
            )),
        };
        super::for_each_trust(ctx, out, |role, doc, res, out| {
            super::judge_trust(ctx, out, role, doc, res, &ask);
        });
    }
}
