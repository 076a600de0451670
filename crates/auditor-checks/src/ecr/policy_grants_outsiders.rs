//! ECR-004: a repository (or registry) policy grants `*` or another account.

use crate::emit::ev;
use crate::resource_policy::outsider_grants;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Resource;

declare_check! {
    /// ## What it checks
    /// Every repository policy, and the registry policy of each region. It fails on each
    /// `Allow` statement whose principal is `*` (or `NotPrincipal`), or an AWS account
    /// other than the audited one and those in `checks.ecr.trusted_accounts`, unless the
    /// statement carries a condition that restricts it (`aws:PrincipalOrgID`,
    /// `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`, `aws:PrincipalArn`,
    /// `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`, `aws:SourceOrgPaths`). Service
    /// principals are not outsiders. A resource without a policy passes; a policy that is
    /// not a JSON policy document is not assessed, with the parse error.
    ///
    /// ## Why it matters
    /// A public or cross-account pull grant hands your images, with whatever secrets and
    /// internal endpoints are baked into their layers, to anyone who finds the repository
    /// URI; a push grant lets an outsider replace them. Seed 003 asks that access be
    /// controlled with IAM policies scoped to the accounts that need it.
    ///
    /// ## Remediation
    /// Name the accounts or roles that need access, or add a condition on
    /// `aws:PrincipalOrgID` for organisation-wide pulls:
    /// `aws ecr set-repository-policy --repository-name <name> --policy-text file://policy.json`.
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
        reads: ["ecr:GetRepositoryPolicy", "ecr:GetRegistryPolicy"],
    }
}

fn judge(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    res: Resource,
    field: &str,
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
    match outsider_grants(text, &ctx.inventory.account_id, &ctx.settings.ecr_trusted_accounts) {
        Err(why) => out.not_assessed_because(res, format!("{field}: {why}")),
        Ok(grants) if grants.is_empty() => out.pass(
            res,
            vec![ev(field, "no unrestricted grant to * or another account", "access stays within the account, its trusted accounts or its organisation")],
        ),
        Ok(grants) => out.fail(
            res,
            grants
                .into_iter()
                .map(|g| {
                    ev(
                        format!("{field}.{}", g.statement),
                        format!("Allow {} to {}", g.principal, g.actions),
                        "grants outsiders access with no condition restricting them to an organisation or source",
                    )
                })
                .collect(),
        ),
    }
}

impl Check for PolicyGrantsOutsiders {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        super::for_each_repo(ctx, out, |region, _, repo, out| {
            let res = super::repo_resource(ctx, region, repo);
            match repo.repository_policy.get() {
                Err(gap) => out.not_assessed(res, gap),
                Ok(p) => judge(ctx, out, res, "repositoryPolicy", p.as_deref()),
            }
        });
        for (region, data) in &ctx.inventory.ecr {
            let res = super::ecr_resource(ctx, region, "registry", &ctx.inventory.account_id);
            match data.registry_policy.get() {
                Err(gap) => out.not_assessed(res, gap),
                Ok(p) => judge(ctx, out, res, "registryPolicy", p.as_deref()),
            }
        }
    }
}
