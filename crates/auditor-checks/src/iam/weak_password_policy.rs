//! IAM-013: the account password policy is weak or absent.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The account password policy. It fails when there is none, or when it allows
    /// passwords shorter than 14 characters, does not require upper case, lower case,
    /// numbers and symbols, or lets users reuse any of their last 24 passwords (the CIS AWS
    /// Foundations Benchmark values).
    ///
    /// ## Why it matters
    /// Short and reused passwords are what credential stuffing and guessing succeed with.
    /// The AWS Security Profile lists strong sign-in mechanisms (SEC02-BP01).
    ///
    /// ## Remediation
    /// `aws iam update-account-password-policy --minimum-password-length 14
    /// --require-symbols --require-numbers --require-uppercase-characters
    /// --require-lowercase-characters --password-reuse-prevention 24`, or move users to IAM
    /// Identity Center.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
    pub(crate) struct WeakPasswordPolicy {
        code: "IAM-013",
        name: "weak-password-policy",
        title: "Account password policy is weak or absent",
        service: Iam,
        severity: Medium,
        wa: ["SEC02-BP01"],
        fsbp: ["IAM.7"],
        reads: ["iam:GetAccountPasswordPolicy"],
    }
}

impl Check for WeakPasswordPolicy {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(iam) = super::account(ctx, out, "account-password-policy") else {
            return;
        };
        let res = super::account_setting(ctx, "account-password-policy");
        let policy = match iam.password_policy.get() {
            Err(gap) => return out.not_assessed(res, gap),
            Ok(None) => {
                return out.fail(
                    res,
                    vec![ev(
                        "PasswordPolicy",
                        "none (NoSuchEntity)",
                        "IAM's default accepts any 8-character password",
                    )],
                )
            }
            Ok(Some(p)) => p,
        };
        let mut weak = Vec::new();
        let len = policy.minimum_password_length.unwrap_or(0);
        if len < 14 {
            weak.push(ev(
                "MinimumPasswordLength",
                len.to_string(),
                "shorter than 14",
            ));
        }
        for (field, on) in [
            ("RequireSymbols", policy.require_symbols),
            ("RequireNumbers", policy.require_numbers),
            (
                "RequireUppercaseCharacters",
                policy.require_uppercase_characters,
            ),
            (
                "RequireLowercaseCharacters",
                policy.require_lowercase_characters,
            ),
        ] {
            if !on {
                weak.push(ev(field, "false", "not required"));
            }
        }
        let reuse = policy.password_reuse_prevention.unwrap_or(0);
        if reuse < 24 {
            weak.push(ev(
                "PasswordReusePrevention",
                reuse.to_string(),
                "fewer than the last 24 passwords are remembered",
            ));
        }
        if weak.is_empty() {
            out.pass(
                res,
                vec![ev(
                    "PasswordPolicy",
                    format!("length {len}, all character classes, reuse {reuse}"),
                    "meets the CIS values",
                )],
            );
        } else {
            out.fail(res, weak);
        }
    }
}
