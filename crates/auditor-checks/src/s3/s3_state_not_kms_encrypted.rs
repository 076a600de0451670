//! S3-001: a state bucket's default encryption is not SSE-KMS.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// The default encryption rule of every Terraform state bucket
    /// (`GetBucketEncryption`). It passes with `aws:kms` or `aws:kms:dsse` and fails with
    /// `AES256` (SSE-S3) or no rule at all.
    ///
    /// ## Why it matters
    /// State files hold secrets in plain text: database passwords, private keys, tokens
    /// (the Terraform state threat model: "Sensitive information can show up in the state. The file is not
    /// encrypted"). With SSE-S3 anyone who may `s3:GetObject` reads them. With a KMS key,
    /// reading also needs `kms:Decrypt` under the key's policy, every use is in CloudTrail,
    /// and access can be revoked at the key: a second, independent fence around each
    /// team's state.
    ///
    /// ## Remediation
    /// `aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration
    /// '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"<key arn>"},"BucketKeyEnabled":true}]}'`,
    /// and set `kms_key_id` in the Terraform S3 backend. Existing objects keep their
    /// encryption until rewritten (`terraform state push` or an S3 copy in place).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
    /// - https://developer.hashicorp.com/terraform/language/backend/s3
    pub(crate) struct EncryptionNotKms {
        code: "S3-001",
        name: "s3-state-not-kms-encrypted",
        title: "Terraform state bucket is not encrypted with a KMS key by default",
        service: S3,
        severity: Medium,
        wa: ["SEC08-BP02", "SEC08-BP01"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetEncryptionConfiguration",
        ],
    }
}

impl Check for EncryptionNotKms {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::judge_part(
            ctx,
            out,
            |b| &b.encryption,
            |_, enc| match enc {
                Some(e) if e.algorithm.starts_with("aws:kms") => Ok(ev(
                    "ServerSideEncryptionConfiguration.Rules[0]",
                    format!(
                        "{} {}",
                        e.algorithm,
                        e.kms_key.as_deref().unwrap_or("aws/s3")
                    ),
                    "reading state also needs kms:Decrypt under the key policy",
                )),
                Some(e) => Err(ev(
                    "ServerSideEncryptionConfiguration.Rules[0].SSEAlgorithm",
                    e.algorithm.clone(),
                    "S3-managed keys: whoever may GetObject reads the state's secrets",
                )),
                None => Err(ev(
                    "ServerSideEncryptionConfiguration",
                    "none",
                    "no default encryption rule: state is stored with S3-managed keys at best",
                )),
            },
        );
    }
}
