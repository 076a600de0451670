//! IAM-010: a human IAM user has long-lived access keys.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Users in the credential report that sign in to the console (`password_enabled`),
    /// which marks them as people rather than workloads. It fails when such a user also has
    /// an active access key. Users without a console password are not evaluated: their keys
    /// belong to workloads, and IAM-009 watches their age.
    ///
    /// ## Why it matters
    /// A person's long-lived key sits in `~/.aws/credentials` on a laptop, outlives the
    /// person's role, and bypasses the MFA of their console sign-in. The AWS Security Profile states that no
    /// human user should have direct AWS permissions: people use federation and short-lived
    /// credentials (SEC02-BP02, SEC02-BP04).
    ///
    /// ## Remediation
    /// Give people IAM Identity Center (SSO) access and `aws sso login`; delete their keys
    /// (`aws iam delete-access-key --user-name <user> --access-key-id AKIA...`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-users-federation-idp
    /// - https://docs.aws.amazon.com/singlesignon/latest/userguide/what-is.html
    pub(crate) struct HumanUserAccessKeys {
        code: "IAM-010",
        name: "human-user-access-keys",
        title: "A person's IAM user (console password) has long-lived access keys",
        service: Iam,
        severity: Medium,
        wa: ["SEC02-BP04", "SEC02-BP02"],
        reads: ["iam:GetCredentialReport"],
    }
}

impl Check for HumanUserAccessKeys {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(rows) = super::part(ctx, out, "user", |a| &a.credential_report) else {
            return;
        };
        for row in rows
            .iter()
            .filter(|r| r.user != "<root_account>" && r.password_enabled)
        {
            let res = super::resource(ctx, &row.arn, "user", &row.user);
            let keys: Vec<&str> = [
                (row.access_key_1_active, "access_key_1_active"),
                (row.access_key_2_active, "access_key_2_active"),
            ]
            .into_iter()
            .filter_map(|(on, f)| on.then_some(f))
            .collect();
            if keys.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "access_key_1_active, access_key_2_active",
                        "false, false",
                        "console user without long-lived keys",
                    )],
                );
            } else {
                out.fail(
                    res,
                    keys.into_iter()
                        .map(|k| {
                            ev(
                                k,
                                "true",
                                "a person with a console password also holds a long-lived key",
                            )
                        })
                        .collect(),
                );
            }
        }
    }
}
