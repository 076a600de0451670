//! S3-005: a state bucket's policy grants anyone or another account.

use crate::emit::ev;
use crate::resource_policy::{judge, Ask};
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::reach::{actions, Target};

declare_check! {
    /// ## What it checks
    /// The bucket policy of every Terraform state bucket, decided by the policy engine
    /// (`auditor_policy::reach`): is any request allowed that an anonymous caller, or a
    /// principal of an account other than the audited one and those in
    /// `checks.s3.trusted_accounts`, can make? Requests are every S3 action on the bucket
    /// and on any object in it (not only the state files found), by any kind of principal
    /// (role session, user, root, federated user) with any name, and with any value, or
    /// none, of each condition key such a caller controls (`aws:CalledVia`, its own
    /// `aws:SourceArn`, principal tags, ...). It fails with such a request, and shows it: an
    /// `aws:PrincipalOrgID` condition under `IfExists`, `ForAllValues:`, `Null` `false`, a
    /// wildcard or a negated operator does not stop anyone, nor does a Deny whose
    /// `NotAction` leaves reads open. It passes naming the conditions, or the Deny
    /// statements, that refuse every outsider; an organisation id is compared with the
    /// account's organisation (`organizations:DescribeOrganization`; when that could not be
    /// read and the verdict depends on it, the bucket is not assessed). As in S3's own
    /// definition of public ("The meaning of 'public'" in the S3 user guide), fixed
    /// `aws:SourceVpce` and `aws:SourceVpc` values, and `aws:SourceIp` ranges of IPv4 `/8`
    /// or narrower (IPv6 `/32`), are taken to be the account's own, and the evidence says
    /// so; a wildcard (`vpc-*`), a wider range (`0.0.0.0/1`) or an `IfExists` that a request
    /// without the key meets leaves the grant public. AWS's verdict (`GetBucketPolicyStatus` `IsPublic`) is added to the evidence when
    /// it says public. Service principals (CloudTrail, Config writing logs) are not
    /// outsiders. A bucket without a policy passes; a policy that does not parse, or whose
    /// conditions the engine cannot decide, is not assessed, with the reason.
    ///
    /// ## Why it matters
    /// State holds every secret the infrastructure was built with. A grant to `*` makes it
    /// readable by anyone with AWS credentials (or none, with public access block off); a
    /// grant to another account extends the "internal threat" of the Terraform state threat model to everyone
    /// there.
    ///
    /// ## Remediation
    /// Remove the statement, or name the exact roles that need the state (a central
    /// Terraform pipeline account), or add a condition on `aws:PrincipalOrgID`: edit the output of `aws s3api
    /// get-bucket-policy --bucket <bucket>` and apply it with `aws s3api put-bucket-policy
    /// --bucket <bucket> --policy file://policy.json`.
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
        fsbp: ["S3.2", "S3.3", "S3.6"],
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
            // The bucket, and every object in it (any key, not only the state files
            // found: a grant on another prefix is a grant to the bucket's data).
            let objects = format!("{}/", b.arn);
            let targets = [
                Target {
                    arn: &b.arn,
                    any_suffix: false,
                    actions: actions::S3_BUCKET,
                },
                Target {
                    arn: &objects,
                    any_suffix: true,
                    actions: actions::S3_OBJECT,
                },
            ];
            let ask = Ask {
                field: "Policy",
                targets: &targets,
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
