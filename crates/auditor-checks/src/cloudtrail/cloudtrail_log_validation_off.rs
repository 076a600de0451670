//! CLOUDTRAIL-002: a trail's log file integrity validation is off.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every trail (DescribeTrails): `LogFileValidationEnabled` must be true.
    ///
    /// ## Why it matters
    /// With validation on, CloudTrail writes signed digest files; `aws cloudtrail
    /// validate-logs` then proves that no log file was changed or deleted after delivery.
    /// Without it, an intruder who reaches the log bucket can edit their own trail out and
    /// nobody can tell.
    ///
    /// ## Remediation
    /// `aws cloudtrail update-trail --region <region> --name <trail>
    /// --enable-log-file-validation`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-4
    pub(crate) struct LogValidationOff {
        code: "CLOUDTRAIL-002",
        name: "cloudtrail-log-validation-off",
        title: "CloudTrail log file validation is off",
        service: CloudTrail,
        severity: Medium,
        wa: ["SEC04-BP01"],
        fsbp: ["CloudTrail.4"],
        reads: ["cloudtrail:DescribeTrails"],
    }
}

impl Check for LogValidationOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_trail(ctx, out, |t, out| {
            let res = super::trail_resource(inv, t);
            if t.log_file_validation {
                out.pass(
                    res,
                    vec![ev(
                        "LogFileValidationEnabled",
                        "true",
                        "digest files prove the logs unchanged",
                    )],
                );
            } else {
                out.fail(
                    res,
                    vec![ev(
                        "LogFileValidationEnabled",
                        "false",
                        "a log file changed or deleted after delivery cannot be detected",
                    )],
                );
            }
        });
    }
}
