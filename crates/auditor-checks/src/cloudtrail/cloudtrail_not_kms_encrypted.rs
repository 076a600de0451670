//! CLOUDTRAIL-003: a trail's log files are not encrypted with a KMS key.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every trail (DescribeTrails): it must name a KMS key (`KmsKeyId`), so that its log
    /// files are written with SSE-KMS.
    ///
    /// ## Why it matters
    /// Logs encrypted only with S3-managed keys can be read by anyone the bucket policy
    /// lets read objects. With a customer-managed key, reading the logs also needs
    /// `kms:Decrypt` on a key whose policy you control, and every use of the key is itself
    /// logged: the logs of who did what stay with the people who investigate.
    ///
    /// ## Remediation
    /// Create a key whose policy lets CloudTrail encrypt and your responders decrypt, then
    /// `aws cloudtrail update-trail --region <region> --name <trail> --kms-key-id KEY`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-2
    pub(crate) struct NotKmsEncrypted {
        code: "CLOUDTRAIL-003",
        name: "cloudtrail-not-kms-encrypted",
        title: "CloudTrail log files are not encrypted with a KMS key",
        service: CloudTrail,
        severity: Medium,
        wa: ["SEC08-BP02", "SEC04-BP01"],
        fsbp: ["CloudTrail.2"],
        reads: ["cloudtrail:DescribeTrails"],
    }
}

impl Check for NotKmsEncrypted {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_trail(ctx, out, |t, out| {
            let res = super::trail_resource(inv, t);
            match &t.kms_key_id {
                Some(k) => out.pass(
                    res,
                    vec![ev(
                        "KmsKeyId",
                        k.clone(),
                        "log files are written with SSE-KMS",
                    )],
                ),
                None => out.fail(
                    res,
                    vec![ev(
                        "KmsKeyId",
                        "none",
                        "whoever may read the bucket's objects reads the logs",
                    )],
                ),
            }
        });
    }
}
