//! S3-006: a state bucket has no server access logging.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Server access logging of every Terraform state bucket (`GetBucketLogging`). It
    /// passes when logs go to a target bucket and fails otherwise. The auditor does not
    /// read CloudTrail, so S3 data events that would also record object reads are not
    /// known to it; the evidence says so.
    ///
    /// ## Why it matters
    /// Without a record of who read or wrote which state file, a leaked secret or a
    /// tampered state cannot be traced to a principal, and cross-team access (S3-008) that
    /// was used cannot be told from access that merely exists.
    ///
    /// ## Remediation
    /// `aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status
    /// '{"LoggingEnabled":{"TargetBucket":"<log bucket>","TargetPrefix":"<bucket>/"}}'`, or
    /// enable CloudTrail S3 data events for the bucket (then disable this check).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html
    pub(crate) struct AccessLoggingOff {
        code: "S3-006",
        name: "s3-state-access-logging-off",
        title: "Terraform state bucket has no server access logging",
        service: S3,
        severity: Low,
        wa: ["SEC04-BP01"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketLogging",
        ],
    }
}

impl Check for AccessLoggingOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::judge_part(
            ctx,
            out,
            |b| &b.logging,
            |_, l| match l {
                Some(l) => Ok(ev(
                    "BucketLoggingStatus.LoggingEnabled",
                    format!("s3://{}/{}", l.target_bucket, l.target_prefix),
                    "every request to the state is logged",
                )),
                None => Err(ev(
                    "BucketLoggingStatus.LoggingEnabled",
                    "none",
                    "no access log (CloudTrail data events are not read by the auditor)",
                )),
            },
        );
    }
}
