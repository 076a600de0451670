//! S3-002: a state bucket has no versioning.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The versioning status of every Terraform state bucket (`GetBucketVersioning`). It
    /// passes when `Enabled` and fails when `Suspended` or never enabled. The evidence also
    /// gives MFA delete.
    ///
    /// ## Why it matters
    /// A state file overwritten by a bad apply, a botched `terraform state mv`, or deleted
    /// by mistake or malice, cannot be recovered without versions; Terraform then no longer
    /// knows what it manages. The Terraform state threat model assumes developers sometimes touch state directly.
    ///
    /// ## Remediation
    /// `aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration
    /// Status=Enabled`, with a lifecycle rule that expires noncurrent versions after the
    /// recovery window you need.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
    /// - https://developer.hashicorp.com/terraform/language/backend/s3
    pub(crate) struct VersioningOff {
        code: "S3-002",
        name: "s3-state-versioning-off",
        title: "Terraform state bucket does not keep object versions",
        service: S3,
        severity: Medium,
        wa: ["SEC08-BP03"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketVersioning",
        ],
    }
}

impl Check for VersioningOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::judge_part(
            ctx,
            out,
            |b| &b.versioning,
            |_, v| {
                let mfa = v.mfa_delete.as_deref().unwrap_or("not configured");
                match v.status.as_deref() {
                    Some("Enabled") => Ok(ev(
                        "VersioningConfiguration.Status",
                        format!("Enabled (MFADelete: {mfa})"),
                        "every overwritten or deleted state can be restored",
                    )),
                    other => Err(ev(
                        "VersioningConfiguration.Status",
                        other.unwrap_or("never enabled"),
                        "an overwritten or deleted state file cannot be recovered",
                    )),
                }
            },
        );
    }
}
