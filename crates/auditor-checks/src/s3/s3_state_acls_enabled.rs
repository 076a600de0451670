//! S3-007: a state bucket still honours ACLs.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The object ownership setting of every Terraform state bucket
    /// (`GetBucketOwnershipControls`). It passes with `BucketOwnerEnforced` (ACLs
    /// disabled) and fails with `BucketOwnerPreferred`, `ObjectWriter`, or no setting (a
    /// bucket from before April 2023 that still uses ACLs).
    ///
    /// ## Why it matters
    /// With ACLs in effect, an object ACL can grant read to another account or to everyone
    /// without any policy showing it, and objects written by other accounts stay theirs.
    /// Access to state should be decided by IAM and the bucket policy alone, where S3-008
    /// can see it.
    ///
    /// ## Remediation
    /// `aws s3api put-bucket-ownership-controls --bucket <bucket> --ownership-controls
    /// 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'` (first move any grant that ACLs
    /// give into the bucket policy).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
    pub(crate) struct AclsEnabled {
        code: "S3-007",
        name: "s3-state-acls-enabled",
        title: "Terraform state bucket has ACLs enabled",
        service: S3,
        severity: Medium,
        wa: ["SEC08-BP04"],
        fsbp: ["S3.12"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketOwnershipControls",
        ],
    }
}

impl Check for AclsEnabled {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::judge_part(
            ctx,
            out,
            |b| &b.object_ownership,
            |_, o| match o.as_deref() {
                Some("BucketOwnerEnforced") => Ok(ev(
                    "OwnershipControls.Rules[0].ObjectOwnership",
                    "BucketOwnerEnforced",
                    "ACLs are disabled: only policies grant access",
                )),
                other => Err(ev(
                    "OwnershipControls.Rules[0].ObjectOwnership",
                    other.unwrap_or("none set (ACLs in effect)"),
                    "object ACLs can grant access that no policy shows",
                )),
            },
        );
    }
}
