//! IAM-002: a role trusts another account without an external id or organization condition.

use crate::emit::ev;
use crate::principals::{account_of, restricted_by};
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every role's trust policy. It fails on each `Allow` statement that names a principal
    /// of another AWS account (`123456789012`, `arn:aws:iam::123456789012:root` or a role or
    /// user ARN there) when that account is not in `checks.iam.trusted_accounts` and the
    /// statement has no `sts:ExternalId`, `aws:PrincipalOrgID` or `aws:PrincipalOrgPaths`
    /// condition. Principals of the audited account and service principals pass.
    ///
    /// ## Why it matters
    /// A third party that can assume roles in many customers' accounts can be tricked into
    /// using its access against yours (the confused deputy) unless each trust requires the
    /// external id you agreed with it; an unknown account with a standing trust is a
    /// backdoor. Seed 002 asks that access be granted on a need-to-know basis.
    ///
    /// ## Remediation
    /// Require the external id agreed with the third party (`"Condition": {"StringEquals":
    /// {"sts:ExternalId": "..."}}`), restrict to your organization with `aws:PrincipalOrgID`,
    /// or, for your own accounts, list them in `checks.iam.trusted_accounts`.
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
        reads: ["iam:GetAccountAuthorizationDetails"],
    }
}

const GUARDS: &[&str] = &[
    "sts:externalid",
    "aws:principalorgid",
    "aws:principalorgpaths",
];

impl Check for TrustCrossAccount {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let own = ctx.inventory.account_id.as_str();
        let trusted = &ctx.settings.iam_trusted_accounts;
        super::for_each_trust(ctx, out, |_, statements, res, out| {
            let mut fails = Vec::new();
            let mut guarded = Vec::new();
            for s in statements.iter().filter(|s| s.allow) {
                let Some(p) = &s.principal else { continue };
                for principal in &p.aws {
                    let Some(acct) = account_of(principal) else {
                        continue;
                    };
                    if acct == own || trusted.iter().any(|t| t == acct) {
                        continue;
                    }
                    match restricted_by(s, GUARDS) {
                        Some(cond) => guarded.push(ev(
                            format!("AssumeRolePolicyDocument.{}", s.label()),
                            format!("{principal} with {cond}"),
                            "another account, guarded by an external id or organization condition",
                        )),
                        None => fails.push(ev(
                            format!("AssumeRolePolicyDocument.{}", s.label()),
                            format!("Allow {principal} (account {acct}) to {}", s.action.join(", ")),
                            "another account may assume this role with no sts:ExternalId or aws:PrincipalOrgID condition",
                        )),
                    }
                }
            }
            if !fails.is_empty() {
                out.fail(res, fails);
            } else if !guarded.is_empty() {
                out.pass(res, guarded);
            } else {
                out.pass(
                    res,
                    vec![ev(
                        "AssumeRolePolicyDocument",
                        "no untrusted account principal",
                        "only this account, trusted accounts or services",
                    )],
                );
            }
        });
    }
}
