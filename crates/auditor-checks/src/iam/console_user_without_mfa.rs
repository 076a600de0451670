//! IAM-008: a user signs in to the console without MFA; the root user has no MFA.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The credential report: every user with a console password (`password_enabled`) must
    /// have an active MFA device (`mfa_active`). Users without a password pass (no console
    /// sign-in). And the root user must have MFA (`AccountMFAEnabled` in the account summary).
    ///
    /// ## Why it matters
    /// A password alone is phished, reused and guessed; MFA stops the stolen password from
    /// being enough. The root user can do anything, including closing the account. The AWS Security Profile
    /// lists strong sign-in mechanisms (SEC02-BP01).
    ///
    /// ## Remediation
    /// Require MFA for every console user (better: replace IAM users with IAM Identity
    /// Center), and enable a hardware or virtual MFA device on the root user.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
    pub(crate) struct ConsoleWithoutMfa {
        code: "IAM-008",
        name: "console-user-without-mfa",
        title: "User with a console password has no MFA, or the root user has no MFA",
        service: Iam,
        severity: High,
        wa: ["SEC02-BP01"],
        fsbp: ["IAM.5"],
        reads: ["iam:GetCredentialReport", "iam:GetAccountSummary"],
    }
}

impl Check for ConsoleWithoutMfa {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(iam) = super::account(ctx, out, "user") else {
            return;
        };
        super::judge_root(ctx, out, iam, |s| {
            if s.account_mfa_enabled {
                Ok(ev(
                    "SummaryMap.AccountMFAEnabled",
                    "1",
                    "the root user has MFA",
                ))
            } else {
                Err(ev(
                    "SummaryMap.AccountMFAEnabled",
                    "0",
                    "the root user signs in with a password alone",
                ))
            }
        });
        let Some(rows) = super::part(ctx, out, "user", |a| &a.credential_report) else {
            return;
        };
        for row in rows.iter().filter(|r| r.user != "<root_account>") {
            let res = super::resource(ctx, &row.arn, "user", &row.user);
            match (row.password_enabled, row.mfa_active) {
                (false, _) => out.pass(
                    res,
                    vec![ev(
                        "credential report: password_enabled",
                        "false",
                        "no console sign-in",
                    )],
                ),
                (true, true) => out.pass(
                    res,
                    vec![ev(
                        "credential report: mfa_active",
                        "true",
                        "console sign-in needs MFA",
                    )],
                ),
                (true, false) => out.fail(
                    res,
                    vec![ev(
                        "credential report: password_enabled, mfa_active",
                        "true, false",
                        "a stolen password is enough to sign in",
                    )],
                ),
            }
        }
    }
}
