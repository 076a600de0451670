//! ECR-005: a repository is encrypted with AES256 rather than a KMS key.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every repository's `encryptionConfiguration.encryptionType`. It passes with `KMS` or
    /// `KMS_DSSE` and fails with `AES256` (S3-managed keys).
    ///
    /// ## Why it matters
    /// Images are encrypted at rest either way. A KMS key adds what AES256 cannot: a key
    /// policy that decides who may decrypt, CloudTrail records of every use, and the
    /// ability to revoke. The platform's security review asks for the organisation's KMS key on EKS data. Low
    /// severity: the data is not in the clear.
    ///
    /// ## Remediation
    /// The encryption of a repository is fixed at creation: create a new repository with `aws ecr
    /// create-repository --region <region> --repository-name <repository>-kms
    /// --encryption-configuration encryptionType=KMS,kmsKey=<key arn>`, copy the images,
    /// and point deployments at it.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/encryption-at-rest.html
    pub(crate) struct NotKmsEncrypted {
        code: "ECR-005",
        name: "ecr-not-kms-encrypted",
        title: "ECR repository is encrypted with AES256, not a KMS key",
        service: Ecr,
        severity: Low,
        wa: ["SEC08-BP01"],
        reads: ["ecr:DescribeRepositories"],
    }
}

impl Check for NotKmsEncrypted {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_repo(ctx, out, |region, _, repo, out| {
            let res = super::repo_resource(ctx, region, repo);
            // AWS omits the configuration for repositories created before it existed: AES256.
            let kind = repo.encryption_type.as_deref().unwrap_or("AES256");
            if kind.starts_with("KMS") {
                let key = repo.kms_key.as_deref().unwrap_or("aws/ecr");
                out.pass(
                    res,
                    vec![ev(
                        "encryptionConfiguration",
                        format!("{kind} {key}"),
                        "a KMS key policy controls decryption",
                    )],
                );
            } else {
                out.fail(
                    res,
                    vec![ev(
                        "encryptionConfiguration.encryptionType",
                        kind,
                        "S3-managed keys: no key policy, no audit of key use",
                    )],
                );
            }
        });
    }
}
