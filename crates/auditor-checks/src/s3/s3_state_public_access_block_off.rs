//! S3-003: public access block is not fully on for a state bucket.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::s3::PublicAccessBlock;

declare_check! {
    /// ## What it checks
    /// The four public access block settings (`BlockPublicAcls`, `IgnorePublicAcls`,
    /// `BlockPublicPolicy`, `RestrictPublicBuckets`) that apply to every Terraform state
    /// bucket: S3 enforces a setting when the bucket's own block
    /// (`GetPublicAccessBlock`) or the account's (S3 Control `GetPublicAccessBlock`) turns
    /// it on. It passes when all four are in force and fails naming each one that is not,
    /// and where it is off. When the account setting could not be read, a bucket whose
    /// own block is fully on still passes; otherwise it is not assessed.
    ///
    /// ## Why it matters
    /// One public policy statement or ACL would publish every team's state, and the
    /// secrets in it, to the internet. The block is the guard rail that stops such a grant
    /// from being made or from taking effect, whatever a later change to the policy says.
    ///
    /// ## Remediation
    /// Turn all four on for the account (`aws s3control put-public-access-block
    /// --account-id <account> --public-access-block-configuration
    /// BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`)
    /// or at least for the bucket (`aws s3api put-public-access-block --bucket <bucket> ...`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    pub(crate) struct PublicAccessBlockOff {
        code: "S3-003",
        name: "s3-state-public-access-block-off",
        title: "Public access block is not fully on for a Terraform state bucket",
        service: S3,
        severity: High,
        wa: ["SEC08-BP04", "SEC03-BP02"],
        fsbp: ["S3.8"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketPublicAccessBlock", "s3:GetAccountPublicAccessBlock",
        ],
    }
}

fn all_on(p: Option<&PublicAccessBlock>) -> bool {
    p.is_some_and(|p| p.flags().iter().all(|(_, on)| *on))
}

impl Check for PublicAccessBlockOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let Some(buckets) = super::buckets(ctx, out) else {
            return;
        };
        let account = ctx
            .inventory
            .s3
            .as_ref()
            .map(|s| s.account_public_access_block.get());
        for b in buckets {
            let res = super::bucket_resource(ctx, b);
            let bucket = match b.public_access_block.get() {
                Err(gap) => {
                    out.not_assessed(res, gap);
                    continue;
                }
                Ok(p) => p.as_ref(),
            };
            let account = match account {
                Some(Ok(p)) => p.as_ref(),
                Some(Err(_)) | None if all_on(bucket) => {
                    out.pass(
                        res,
                        vec![ev(
                            "PublicAccessBlockConfiguration",
                            "all four on for the bucket",
                            "public grants are blocked whatever the account setting",
                        )],
                    );
                    continue;
                }
                Some(Err(gap)) => {
                    out.not_assessed(res, gap);
                    continue;
                }
                None => None,
            };
            let off: Vec<_> = PublicAccessBlock::default()
                .flags()
                .iter()
                .enumerate()
                .filter_map(|(i, (name, _))| {
                    let b_on = bucket.is_some_and(|p| p.flags()[i].1);
                    let a_on = account.is_some_and(|p| p.flags()[i].1);
                    (!b_on && !a_on).then(|| {
                        ev(
                            format!("PublicAccessBlockConfiguration.{name}"),
                            format!(
                                "off for the bucket ({}) and the account ({})",
                                if bucket.is_some() {
                                    "false"
                                } else {
                                    "no block set"
                                },
                                if account.is_some() {
                                    "false"
                                } else {
                                    "no block set"
                                },
                            ),
                            "a public grant of this kind would take effect",
                        )
                    })
                })
                .collect();
            if off.is_empty() {
                let by = match (all_on(bucket), all_on(account)) {
                    (_, true) => "the account's block",
                    (true, false) => "the bucket's block",
                    _ => "the bucket's and the account's blocks together",
                };
                out.pass(
                    res,
                    vec![ev(
                        "PublicAccessBlockConfiguration",
                        format!("all four in force through {by}"),
                        "public grants are blocked",
                    )],
                );
            } else {
                out.fail(res, off);
            }
        }
    }
}
