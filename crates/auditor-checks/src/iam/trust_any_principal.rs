//! IAM-001: a role's trust policy lets anyone assume it.

use crate::emit::ev;
use crate::principals::{restricted_by, RESTRICTING_KEYS};
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every role's trust policy. It fails on each `Allow` statement whose principal is
    /// `*` (`"Principal": "*"` or `{"AWS": "*"}`) or that uses `NotPrincipal`, unless a
    /// condition restricts who can use it: `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`,
    /// `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`, `aws:SourceArn`,
    /// `aws:SourceOrgID` or `aws:SourceOrgPaths` with a value other than `*`. `sts:ExternalId`
    /// alone does not count: it is a shared string, not a restriction on who asks.
    ///
    /// ## Why it matters
    /// Any AWS account in the world, including an attacker's, can assume such a role and act
    /// with its permissions. Seed 002 looks at the account as an attacker would.
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
        reads: ["iam:GetAccountAuthorizationDetails"],
    }
}

impl Check for TrustAnyPrincipal {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_trust(ctx, out, |_, statements, res, out| {
            let open: Vec<_> = statements
                .iter()
                .filter(|s| s.allow)
                .filter(|s| {
                    s.not_principal.is_some()
                        || s.principal
                            .as_ref()
                            .is_some_and(|p| p.any || p.aws.iter().any(|a| a == "*"))
                })
                .filter(|s| restricted_by(s, RESTRICTING_KEYS).is_none())
                .map(|s| {
                    let who = if s.not_principal.is_some() {
                        "NotPrincipal (everyone but the listed)"
                    } else {
                        "Principal *"
                    };
                    ev(
                        format!("AssumeRolePolicyDocument.{}", s.label()),
                        format!("Allow {who} to {}", s.action.join(", ")),
                        "no condition restricts it to an organization, account or source",
                    )
                })
                .collect();
            if open.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "AssumeRolePolicyDocument",
                        "no unrestricted * principal",
                        "only named or restricted principals can assume it",
                    )],
                );
            } else {
                out.fail(res, open);
            }
        });
    }
}
