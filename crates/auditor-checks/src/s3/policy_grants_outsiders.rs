//! S3-005: a state bucket's policy grants anyone or another account.

use crate::emit::ev;
use crate::resource_policy::outsider_grants;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The bucket policy of every Terraform state bucket. It fails on each `Allow`
    /// statement whose principal is `*` (or `NotPrincipal`), or an AWS account other than
    /// the audited one and those in `checks.s3.trusted_accounts`, unless a condition
    /// restricts it (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
    /// `aws:PrincipalArn`, `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`,
    /// `aws:SourceOrgPaths`). AWS's own verdict (`GetBucketPolicyStatus` `IsPublic`) is
    /// added to the evidence when it says public. A bucket without a policy passes; a
    /// policy that does not parse is not assessed.
    ///
    /// ## Why it matters
    /// State holds every secret the infrastructure was built with. A grant to `*` makes it
    /// readable by anyone with AWS credentials (or none, with public access block off); a
    /// grant to another account extends the "internal threat" of seed 002 to everyone
    /// there.
    ///
    /// ## Remediation
    /// Remove the statement, or name the exact roles that need the state (a central
    /// Terraform pipeline account), or add a condition on `aws:PrincipalOrgID`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
    pub(crate) struct PolicyGrantsOutsiders {
        code: "S3-005",
        name: "s3-state-policy-grants-outsiders",
        title: "Terraform state bucket policy grants anyone or another account",
        service: S3,
        severity: Critical,
        wa: ["SEC08-BP04"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketPolicy", "s3:GetBucketPolicyStatus",
        ],
    }
}

impl Check for PolicyGrantsOutsiders {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let without = || {
            Ok(ev(
                "Policy",
                "none",
                "no bucket policy: only this account's IAM grants access",
            ))
        };
        super::for_each_policy(ctx, out, without, |b, text, res, out| {
            let trusted = &ctx.settings.s3.trusted_accounts;
            match outsider_grants(text, &ctx.inventory.account_id, trusted) {
                Err(why) => out.not_assessed_because(res, format!("Policy: {why}")),
                Ok(grants) if grants.is_empty() => out.pass(
                    res,
                    vec![ev(
                        "Policy",
                        "no unrestricted grant to * or another account",
                        "access stays within the account, its trusted accounts or its organisation",
                    )],
                ),
                Ok(grants) => {
                    let mut evidence: Vec<_> = grants
                        .into_iter()
                        .map(|g| {
                            ev(
                                format!("Policy.{}", g.statement),
                                format!("Allow {} to {}", g.principal, g.actions),
                                "grants outsiders the state bucket with no condition restricting them",
                            )
                        })
                        .collect();
                    if let Ok(Some(true)) = b.policy_is_public.get() {
                        evidence.push(ev(
                            "PolicyStatus.IsPublic",
                            "true",
                            "AWS also rates the policy public",
                        ));
                    }
                    out.fail(res, evidence);
                }
            }
        });
    }
}
