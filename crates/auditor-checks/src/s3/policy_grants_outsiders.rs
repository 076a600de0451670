//! S3-005: a state bucket's policy grants anyone or another account.

use crate::emit::ev;
use crate::resource_policy::{judge, Ask};
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The bucket policy of every Terraform state bucket, decided by the policy engine:
    /// it evaluates requests for each action the policy allows, on the bucket and a state
    /// key, by an anonymous caller and by principals of accounts other than the audited
    /// one and those in `checks.s3.trusted_accounts` (any account for `*` and
    /// `NotPrincipal`, and the accounts the policy names), with every value or no value of
    /// each condition key such a caller controls. It fails when one is allowed, and shows
    /// it: an `aws:PrincipalOrgID` condition under `IfExists`, `ForAllValues:`, `Null`
    /// `false`, a wildcard or a negated operator does not stop anyone. It passes naming
    /// the condition (or Deny) that stops every outsider; an organisation id is compared
    /// with the account's organisation (`organizations:DescribeOrganization`). Fixed
    /// `aws:SourceVpce`, `aws:SourceVpc` and private or narrow `aws:SourceIp` values stop
    /// outsiders, as in S3's own definition of public. AWS's verdict (`GetBucketPolicyStatus`
    /// `IsPublic`) is added to the evidence when it says public. A bucket without a policy
    /// passes; a policy that does not parse is not assessed.
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
            "organizations:DescribeOrganization",
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
            let key = b
                .state
                .get()
                .ok()
                .and_then(|s| s.keys.first())
                .map_or("terraform.tfstate", |k| k.key.as_str());
            let resources = [b.arn.clone(), format!("{}/{key}", b.arn)];
            let ask = Ask {
                field: "Policy",
                resources: &resources,
                trusted: &ctx.settings.s3.trusted_accounts,
                anonymous: true,
                fail_reason: "an outsider's request to the state bucket is allowed",
            };
            match judge(ctx, text, &ask) {
                Err(why) => out.not_assessed_because(res, format!("Policy: {why}")),
                Ok(Ok(evidence)) => out.pass(res, evidence),
                Ok(Err(mut evidence)) => {
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
