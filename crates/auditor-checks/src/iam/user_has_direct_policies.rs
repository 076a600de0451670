//! IAM-012: a user has policies attached directly instead of through groups.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every IAM user. It fails when the user has inline policies or attached managed
    /// policies of its own, and passes when its permissions come only from groups.
    ///
    /// ## Why it matters
    /// Permissions granted user by user drift: nobody can say who has what, and leavers keep
    /// access. Groups make access reviewable by role. The AWS Security Profile answers SEC02-BP06 with
    /// groups.
    ///
    /// ## Remediation
    /// Move the permissions to a group that describes the job, add the user to it, and detach
    /// the user's own policies (`aws iam detach-user-policy --user-name <user> --policy-arn ...`,
    /// `aws iam delete-user-policy --user-name <user> --policy-name ...`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html
    pub(crate) struct UserDirectPolicies {
        code: "IAM-012",
        name: "user-has-direct-policies",
        title: "User has policies attached directly instead of through groups",
        service: Iam,
        severity: Low,
        wa: ["SEC02-BP06"],
        fsbp: ["IAM.2"],
        reads: ["iam:GetAccountAuthorizationDetails"],
    }
}

impl Check for UserDirectPolicies {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(users) = super::part(ctx, out, "user", |a| &a.users) else {
            return;
        };
        for u in users {
            let res = super::resource(ctx, &u.arn, "user", &u.user_name);
            let mut direct: Vec<_> = u
                .attached_policies
                .iter()
                .map(|a| {
                    ev(
                        "AttachedManagedPolicies",
                        a.clone(),
                        "attached to the user, not a group",
                    )
                })
                .collect();
            direct.extend(u.inline_policies.iter().map(|p| {
                ev(
                    "UserPolicyList",
                    p.name.clone(),
                    "inline in the user, not a group",
                )
            }));
            if direct.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "Groups",
                        u.groups.join(", "),
                        "permissions come through groups only",
                    )],
                );
            } else {
                out.fail(res, direct);
            }
        }
    }
}
