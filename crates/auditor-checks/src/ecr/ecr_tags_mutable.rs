//! ECR-001: a repository's image tags are mutable.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every ECR repository's `imageTagMutability`. It fails when tags are mutable
    /// (`MUTABLE`, or `MUTABLE_WITH_EXCLUSION`, which leaves some tags mutable) and passes
    /// when they are `IMMUTABLE` (with or without exclusions).
    ///
    /// ## Why it matters
    /// With mutable tags, whoever can push can replace what `app:1.4.2` means after it was
    /// reviewed, scanned and deployed; the next node to pull it runs the new image. The
    /// Amazon EKS security checklist and the EKS GitOps security guide ask for immutable tags so a tag always names the image that was vetted.
    ///
    /// ## Remediation
    /// `aws ecr put-image-tag-mutability --region <region> --repository-name <repository> --image-tag-mutability
    /// IMMUTABLE`, and deploy by digest or by unique tags (git SHA, build number).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/image-security.html
    pub(crate) struct TagsMutable {
        code: "ECR-001",
        name: "ecr-tags-mutable",
        title: "ECR repository allows tags to be overwritten",
        service: Ecr,
        severity: Medium,
        wa: ["SEC06-BP06"],
        fsbp: ["ECR.2"],
        reads: ["ecr:DescribeRepositories"],
    }
}

impl Check for TagsMutable {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_repo(ctx, out, |region, _, repo, out| {
            let res = super::repo_resource(ctx, region, repo);
            let Some(m) = repo.image_tag_mutability.as_deref() else {
                return out.not_assessed_because(
                    res,
                    "DescribeRepositories returned no imageTagMutability",
                );
            };
            let e = |reason: &str| vec![ev("imageTagMutability", m, reason)];
            if m.starts_with("IMMUTABLE") {
                out.pass(res, e("a pushed tag cannot be moved to another image"));
            } else {
                out.fail(
                    res,
                    e("anyone who can push can replace the image behind an existing tag"),
                );
            }
        });
    }
}
