//! EC2-009: EBS encryption by default is off in a region.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The account's EBS encryption-by-default setting in every audited region
    /// (`GetEbsEncryptionByDefault`). It fails where it is off.
    ///
    /// ## Why it matters
    /// With the default off, any volume or snapshot created without an explicit
    /// encryption flag (a node group's root volume, a hand-made snapshot) is stored in
    /// plain text. The EKS GitOps security guide asks that data at rest is encrypted everywhere; the default
    /// makes that hold without relying on every template being right.
    ///
    /// ## Remediation
    /// Turn it on in every region: `aws ec2 enable-ebs-encryption-by-default --region
    /// <region>`, optionally with a customer-managed key (`modify-ebs-default-kms-key-id`).
    /// Existing unencrypted volumes must be copied to encrypted ones.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-7
    pub(crate) struct EbsDefaultEncryptionOff {
        code: "EC2-009",
        name: "ebs-default-encryption-off",
        title: "EBS encryption by default is off in a region",
        service: Ec2,
        severity: Medium,
        wa: ["SEC08-BP02"],
        fsbp: ["EC2.7"],
        reads: ["ec2:GetEbsEncryptionByDefault"],
    }
}

impl Check for EbsDefaultEncryptionOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        for (region, data) in &inv.ec2 {
            let res = auditor_model::Resource {
                arn: inv.arn("ec2", region, "ebs-encryption-by-default"),
                account: inv.account_id.as_str().into(),
                region: Some(region.as_str().into()),
                kind: "account-setting".into(),
                id: "ebs-encryption-by-default".into(),
                name: None,
            };
            match data.ebs_encryption_by_default.get() {
                Err(gap) => out.not_assessed(res, gap),
                Ok(true) => out.pass(
                    res,
                    vec![ev(
                        "EbsEncryptionByDefault",
                        "true",
                        "new volumes are encrypted",
                    )],
                ),
                Ok(false) => out.fail(
                    res,
                    vec![ev(
                        "EbsEncryptionByDefault",
                        "false",
                        "volumes created without an explicit flag are stored unencrypted",
                    )],
                ),
            }
        }
    }
}
