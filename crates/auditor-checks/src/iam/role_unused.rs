//! IAM-011: a role has not been used for N days.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every role except service-linked ones. It fails when `RoleLastUsed` is more than
    /// `checks.iam.role_unused_days` (default 90) days before the audit, or when the role was
    /// never used and was created more than that many days before. Younger roles pass.
    ///
    /// ## Why it matters
    /// An unused role is standing access nobody needs: its trust policy is still an entry
    /// point and its permissions still a prize. The AWS Security Profile asks to reduce permissions
    /// continuously; the Terraform state threat model to use Access Advisor data to trim them.
    ///
    /// ## Remediation
    /// Confirm with the owner, then delete the role (`aws iam delete-role --role-name <role>` after detaching
    /// its policies), or document why it is kept for emergencies.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_access-advisor.html
    /// - https://aws.amazon.com/blogs/security/remove-unnecessary-permissions-in-your-iam-policies-by-using-service-last-accessed-data/
    pub(crate) struct RoleUnused {
        code: "IAM-011",
        name: "role-unused",
        title: "Role not used for 90 days still exists",
        service: Iam,
        severity: Low,
        wa: ["SEC03-BP04"],
        reads: ["iam:GetAccountAuthorizationDetails"],
    }
}

impl Check for RoleUnused {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(roles) = super::part(ctx, out, "role", |a| &a.roles) else {
            return;
        };
        let max = ctx.settings.role_unused_days;
        for r in roles
            .iter()
            .filter(|r| !r.path.starts_with("/aws-service-role/"))
        {
            let res = super::resource(ctx, &r.arn, "role", &r.role_name);
            let now = match super::now(ctx) {
                Ok(n) => n,
                Err(why) => {
                    out.not_assessed_because(res, why);
                    continue;
                }
            };
            let (field, since) = match (&r.last_used, &r.create_date) {
                (Some(u), _) => ("RoleLastUsed.LastUsedDate", u),
                (None, Some(c)) => ("CreateDate (never used)", c),
                (None, None) => {
                    out.not_assessed_because(
                        res,
                        "neither RoleLastUsed nor CreateDate in the answer",
                    );
                    continue;
                }
            };
            match super::days_between(since, now) {
                None => out.not_assessed_because(res, format!("{field} '{since}' is not a date")),
                Some(d) if d > max => out.fail(
                    res,
                    vec![ev(
                        field,
                        format!("{since} ({d} days before the audit)"),
                        format!("unused for more than {max} days"),
                    )],
                ),
                Some(d) => out.pass(
                    res,
                    vec![ev(
                        field,
                        format!("{since} ({d} days before the audit)"),
                        format!("used or created within {max} days"),
                    )],
                ),
            }
        }
    }
}
