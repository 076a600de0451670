//! IAM-009: an access key is older than 90 days or unused for 90 days; root has access keys.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every active access key in the credential report. It fails when the key was last
    /// rotated more than `checks.iam.access_key_max_age_days` (default 90) days before the
    /// audit, or has not been used for that long (a key never used counts from its
    /// rotation). A user without active keys passes. The root user fails when it has any
    /// access key (`AccountAccessKeysPresent`).
    ///
    /// ## Why it matters
    /// Long-lived keys leak: into repositories, CI logs, laptops. The older a key, the more
    /// places it has been copied to; an unused key is pure risk. Root keys cannot be limited
    /// by any policy. The AWS Security Profile asks for credentials rotated regularly (SEC02-BP05).
    ///
    /// ## Remediation
    /// Rotate: create a second key, switch the consumer, deactivate and delete the old one
    /// (`aws iam list-access-keys --user-name <user>`, `aws iam update-access-key --user-name
    /// <user> --access-key-id AKIA... --status Inactive`, `aws iam delete-access-key`). Delete
    /// unused keys and root keys; prefer roles and federation over keys altogether.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-best-practices.html
    pub(crate) struct AccessKeyStale {
        code: "IAM-009",
        name: "access-key-stale",
        title: "Access key older than 90 days or unused for 90 days, or root access keys",
        service: Iam,
        severity: Medium,
        wa: ["SEC02-BP05", "SEC02-BP02"],
        fsbp: ["IAM.3", "IAM.4", "IAM.8"],
        reads: ["iam:GetCredentialReport", "iam:GetAccountSummary"],
    }
}

impl Check for AccessKeyStale {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(iam) = super::account(ctx, out, "user") else {
            return;
        };
        super::judge_root(ctx, out, iam, |s| {
            if s.account_access_keys_present {
                Err(ev(
                    "SummaryMap.AccountAccessKeysPresent",
                    "1",
                    "the root user has access keys",
                ))
            } else {
                Ok(ev(
                    "SummaryMap.AccountAccessKeysPresent",
                    "0",
                    "no root access keys",
                ))
            }
        });
        let Some(rows) = super::part(ctx, out, "user", |a| &a.credential_report) else {
            return;
        };
        let max = ctx.settings.access_key_max_age_days;
        for row in rows.iter().filter(|r| r.user != "<root_account>") {
            let res = super::resource(ctx, &row.arn, "user", &row.user);
            let now = match super::now(ctx) {
                Ok(n) => n,
                Err(why) => {
                    out.not_assessed_because(res, why);
                    continue;
                }
            };
            let keys = [
                (
                    1,
                    row.access_key_1_active,
                    &row.access_key_1_last_rotated,
                    &row.access_key_1_last_used_date,
                ),
                (
                    2,
                    row.access_key_2_active,
                    &row.access_key_2_last_rotated,
                    &row.access_key_2_last_used_date,
                ),
            ];
            let mut fails = Vec::new();
            let mut passes = Vec::new();
            for (n, _, rotated, used) in keys.into_iter().filter(|k| k.1) {
                let age = rotated.as_deref().and_then(|r| super::days_between(r, now));
                let idle = used
                    .as_deref()
                    .or(rotated.as_deref())
                    .and_then(|u| super::days_between(u, now));
                match (age, idle) {
                    (Some(a), _) if a > max => fails.push(ev(
                        format!("access_key_{n}_last_rotated"),
                        format!("{a} days ago"),
                        format!("older than {max} days"),
                    )),
                    (_, Some(i)) if i > max => fails.push(ev(
                        format!("access_key_{n}_last_used_date"),
                        format!("{i} days ago"),
                        format!("unused for more than {max} days"),
                    )),
                    (Some(a), Some(i)) => passes.push(ev(
                        format!("access_key_{n}"),
                        format!("rotated {a} days ago, last used {i} days ago"),
                        "within the limits",
                    )),
                    _ => passes.push(ev(
                        format!("access_key_{n}"),
                        "no dates in the report",
                        "too new to have been rotated or used",
                    )),
                }
            }
            if !fails.is_empty() {
                out.fail(res, fails);
            } else if passes.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "access_key_1_active, access_key_2_active",
                        "false, false",
                        "no active access key",
                    )],
                );
            } else {
                out.pass(res, passes);
            }
        }
    }
}
