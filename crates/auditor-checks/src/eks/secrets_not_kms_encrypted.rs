//! EKS-001: Kubernetes secrets are not envelope-encrypted with a customer-managed KMS key.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's `encryptionConfig`. It passes when a KMS key is configured for
    /// envelope encryption of Kubernetes secrets (`provider.keyArn`), and fails when the
    /// cluster has no encryption configuration.
    ///
    /// ## Why it matters
    /// Secrets hold database passwords, tokens and keys. Newer EKS platform versions encrypt
    /// all Kubernetes API data with an AWS-owned key by default, but only a key you manage
    /// lets you restrict and audit its use in CloudTrail, and revoke it. Older clusters have
    /// no envelope encryption at all. The platform's security review (Encryption) and the EKS GitOps security guide §4 ask for KMS envelope
    /// encryption of secrets.
    ///
    /// ## Remediation
    /// Associate a customer-managed KMS key: `aws eks associate-encryption-config
    /// --region <region> --cluster-name <cluster> --encryption-config
    /// '[{"resources":["secrets"],"provider":{"keyArn":"arn:aws:kms:..."}}]'`. This cannot be
    /// undone, so create the key with a key policy that keeps it usable first.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/data-encryption-and-secrets-management.html
    pub(crate) struct SecretsNotKmsEncrypted {
        code: "EKS-001",
        name: "secrets-not-kms-encrypted",
        title: "Kubernetes secrets are not envelope-encrypted with a customer-managed KMS key",
        service: Eks,
        severity: Medium,
        wa: ["SEC08-BP01", "SEC08-BP02"],
        fsbp: ["EKS.3"],
        reads: ["eks:ListClusters", "eks:DescribeCluster"],
    }
}

impl Check for SecretsNotKmsEncrypted {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let keyed: Vec<_> = c
                .encryption_config
                .iter()
                .filter(|e| {
                    e.key_arn.is_some()
                        && (e.resources.is_empty() || e.resources.iter().any(|r| r == "secrets"))
                })
                .collect();
            if keyed.is_empty() {
                let observed = if c.encryption_config.is_empty() {
                    "[]".to_owned()
                } else {
                    format!(
                        "{} entr(ies), none with a KMS key for secrets",
                        c.encryption_config.len()
                    )
                };
                out.fail(
                    res,
                    vec![ev(
                        "encryptionConfig",
                        observed,
                        "no KMS key of yours envelope-encrypts the cluster's secrets",
                    )],
                );
            } else {
                out.pass(
                    res,
                    keyed
                        .iter()
                        .map(|e| {
                            ev(
                                "encryptionConfig.provider.keyArn",
                                e.key_arn.clone().unwrap_or_default(),
                                "secrets are envelope-encrypted with this KMS key",
                            )
                        })
                        .collect(),
                );
            }
        });
    }
}
