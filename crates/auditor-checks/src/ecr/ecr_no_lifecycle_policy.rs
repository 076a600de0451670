//! ECR-003: a repository has no lifecycle policy.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Whether each repository has a lifecycle policy (`GetLifecyclePolicy`). It fails when
    /// there is none.
    ///
    /// ## Why it matters
    /// Without one, every image ever pushed stays pullable forever: old images with known
    /// vulnerabilities remain one tag away from being deployed again, and the attack surface
    /// of the registry only grows. The Amazon EKS security checklist gives lifecycle policies as part of the ECR
    /// baseline.
    ///
    /// ## Remediation
    /// Expire untagged images and keep a bounded number of tagged ones, e.g.
    /// `aws ecr put-lifecycle-policy --region <region> --repository-name <repository> --lifecycle-policy-text
    /// '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}'`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_examples.html
    pub(crate) struct NoLifecyclePolicy {
        code: "ECR-003",
        name: "ecr-no-lifecycle-policy",
        title: "ECR repository has no lifecycle policy",
        service: Ecr,
        severity: Low,
        wa: ["SEC06-BP02"],
        fsbp: ["ECR.3"],
        reads: ["ecr:DescribeRepositories", "ecr:GetLifecyclePolicy"],
    }
}

impl Check for NoLifecyclePolicy {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_repo(ctx, out, |region, _, repo, out| {
            let res = super::repo_resource(ctx, region, repo);
            match repo.lifecycle_policy.get() {
                Err(gap) => out.not_assessed(res, gap),
                Ok(Some(text)) => out.pass(
                    res,
                    vec![ev(
                        "lifecyclePolicyText",
                        format!("{} bytes", text.len()),
                        "old images expire",
                    )],
                ),
                Ok(None) => out.fail(
                    res,
                    vec![ev(
                        "lifecyclePolicyText",
                        "none (LifecyclePolicyNotFoundException)",
                        "every image ever pushed stays pullable",
                    )],
                ),
            }
        });
    }
}
