//! CLOUDTRAIL-004: the bucket a trail delivers to is, or may become, public.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Severity;

declare_check! {
    /// ## What it checks
    /// The S3 bucket of every trail of the account's own, read from the trail's home region
    /// in the bucket's region (GetBucketLocation): S3's own verdict on its policy
    /// (GetBucketPolicyStatus `IsPublic`) and its public access block (GetPublicAccessBlock,
    /// all four settings, or the account's block when S3 was audited). It fails at the
    /// check's severity when the policy is public, at medium severity when it is not but no
    /// block is fully on (nothing stops a later grant from making it public). A trail whose
    /// home region was not audited is "not assessed".
    ///
    /// ## Why it matters
    /// The trail's bucket holds the record of every API call in the account: account ids,
    /// role and user names, source IPs, resource names. Public, it is a map of the account
    /// for anyone, and an invitation to delete what would show an intrusion.
    ///
    /// ## Remediation
    /// Remove the public statements from the bucket policy and turn the public access
    /// block on: `aws s3api put-public-access-block --bucket BUCKET
    /// --public-access-block-configuration
    /// BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-6
    pub(crate) struct BucketPublic {
        code: "CLOUDTRAIL-004",
        name: "cloudtrail-bucket-public",
        title: "The S3 bucket of a CloudTrail trail is public or not blocked from becoming public",
        service: CloudTrail,
        severity: Critical,
        wa: ["SEC04-BP01", "SEC07-BP02"],
        reads: [
            "cloudtrail:DescribeTrails",
            "s3:GetBucketLocation",
            "s3:GetBucketPolicyStatus",
            "s3:GetBucketPublicAccessBlock",
        ],
    }
}

impl Check for BucketPublic {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_trail(ctx, out, |t, out| {
            let Some(name) = &t.s3_bucket else {
                return;
            };
            let res = super::trail_resource(inv, t);
            // Read from the trail's home region only.
            let Some(bucket) = &t.bucket else {
                return out.not_assessed_because(
                    res,
                    format!(
                        "the trail's home region {} was not audited: its bucket was not read",
                        t.home_region
                    ),
                );
            };
            // The account's own public access block, when S3 was read, blocks every bucket.
            let account_blocked = inv
                .s3
                .as_ref()
                .and_then(|s| s.account_public_access_block.get().ok())
                .and_then(|b| b.as_ref())
                .is_some_and(|b| b.all_on());
            match bucket.get() {
                Err(gap) => out.not_assessed(res, gap),
                Ok(b) if b.policy_public => out.fail(
                    res,
                    vec![ev(
                        "PolicyStatus.IsPublic",
                        format!("{name}: true"),
                        "the bucket policy lets anyone read or write the trail's logs",
                    )],
                ),
                Ok(b) if !b.public_access_blocked && !account_blocked => out.fail_at_most(
                    Severity::Medium,
                    res,
                    vec![ev(
                        "PublicAccessBlockConfiguration",
                        format!("{name}: not all four on"),
                        "a later policy or ACL grant could make the logs public",
                    )],
                ),
                Ok(b) => out.pass(
                    res,
                    vec![ev(
                        "PolicyStatus.IsPublic, PublicAccessBlockConfiguration",
                        format!(
                            "{name}: not public, blocked ({})",
                            if b.public_access_blocked {
                                "the bucket's block"
                            } else {
                                "the account's block"
                            }
                        ),
                        "only the account's own grants reach the logs",
                    )],
                ),
            }
        });
    }
}
