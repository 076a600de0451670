//! ECR-004: a repository (or registry) policy grants `*` or another account.

use crate::emit::ev;
use crate::resource_policy::{judge, Ask};
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Resource;
use auditor_policy::reach::{actions, Target};

declare_check! {
    /// ## What it checks
    /// Every repository policy, and the registry policy of each region (for every
    /// repository of the registry), decided by the policy engine (`auditor_policy::reach`):
    /// is any ECR request on the repository allowed that a principal of an account other
    /// than the audited one and those in `checks.ecr.trusted_accounts` can make, as any kind
    /// of principal and with any value, or none, of each condition key it controls? It
    /// fails with such a request, and shows it (an `aws:PrincipalOrgID` condition under
    /// `IfExists`, `ForAllValues:`, `Null` `false`, a wildcard or a negated operator stops
    /// nobody); it passes naming the conditions, or Deny statements, that refuse every
    /// outsider. Service principals are not outsiders. A resource without a policy passes;
    /// a policy that is not a JSON policy document, or whose conditions the engine cannot
    /// decide, is not assessed, with the reason.
    ///
    /// ## Why it matters
    /// A public or cross-account pull grant hands your images, with whatever secrets and
    /// internal endpoints are baked into their layers, to anyone who finds the repository
    /// URI; a push grant lets an outsider replace them. The Amazon EKS security checklist asks that access be
    /// controlled with IAM policies scoped to the accounts that need it.
    ///
    /// ## Remediation
    /// Name the accounts or roles that need access, or add a condition on
    /// `aws:PrincipalOrgID` for organisation-wide pulls:
    /// `aws ecr set-repository-policy --region <region> --repository-name <repository> --policy-text file://policy.json`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html
    /// - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
    pub(crate) struct PolicyGrantsOutsiders {
        code: "ECR-004",
        name: "ecr-policy-grants-outsiders",
        title: "ECR repository or registry policy grants anyone or another account",
        service: Ecr,
        severity: High,
        wa: ["SEC03-BP02", "SEC08-BP04"],
        reads: ["ecr:GetRepositoryPolicy", "ecr:GetRegistryPolicy", "organizations:DescribeOrganization"],
    }
}

fn judge_one(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    res: Resource,
    field: &str,
    target: Target<'_>,
    policy: Option<&str>,
) {
    let Some(text) = policy else {
        return out.pass(
            res,
            vec![ev(
                field,
                "none",
                "no resource policy: only this account's IAM grants access",
            )],
        );
    };
    let targets = [target];
    let ask = Ask {
        field,
        targets: &targets,
        trusted: &ctx.settings.ecr_trusted_accounts,
        anonymous: false,
        fail_reason:
            "an outsider's request is allowed: no condition stops principals of other accounts",
    };
    match judge(ctx, text, &ask) {
        Err(why) => out.not_assessed_because(res, format!("{field}: {why}")),
        Ok(Ok(e)) => out.pass(res, e),
        Ok(Err(e)) => out.fail(res, e),
    }
}

impl Check for PolicyGrantsOutsiders {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_repo(ctx, out, |region, _, repo, out| {
            let res = super::repo_resource(ctx, region, repo);
            match repo.repository_policy.get() {
                Err(gap) => out.not_assessed(res, gap),
                Ok(p) => {
                    let arn = res.arn.clone();
                    let target = Target {
                        arn: &arn,
                        any_suffix: false,
                        actions: actions::ECR_REPOSITORY,
                    };
                    judge_one(ctx, out, res, "repositoryPolicy", target, p.as_deref())
                }
            }
        });
        for (region, data) in &ctx.inventory.ecr {
            let res = super::ecr_resource(ctx, region, "registry", &ctx.inventory.account_id);
            match data.registry_policy.get() {
                Err(gap) => out.not_assessed(res, gap),
                Ok(p) => {
                    // Every repository of the registry.
                    let arn = ctx.inventory.arn("ecr", region, "repository/");
                    let target = Target {
                        arn: &arn,
                        any_suffix: true,
                        actions: actions::ECR_REPOSITORY,
                    };
                    judge_one(ctx, out, res, "registryPolicy", target, p.as_deref())
                }
            }
        }
    }
}
