//! ECR-007: a pull-through cache rule points at an upstream registry that is not approved.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every pull-through cache rule of the registry in each region. It fails when the
    /// rule's `upstreamRegistryUrl` is not in `checks.ecr.allowed_upstream_registries`
    /// (default: `public.ecr.aws`) and passes when it is. A region without rules has no
    /// finding.
    ///
    /// ## Why it matters
    /// A pull-through cache makes an external registry's images look like your own ECR
    /// images: a cluster pulling `<account>.dkr.ecr...amazonaws.com/docker-hub/...` gets
    /// whatever the upstream serves, typosquats included. The platform's security review asks for approved image
    /// sources only, and the AWS Security Profile for centralized package sources (SEC11-BP05).
    ///
    /// ## Remediation
    /// Delete rules for registries that are not approved
    /// (`aws ecr delete-pull-through-cache-rule --ecr-repository-prefix <prefix>`), or, after
    /// review, add the registry to `checks.ecr.allowed_upstream_registries`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
    pub(crate) struct PullThroughUnapprovedUpstream {
        code: "ECR-007",
        name: "ecr-pull-through-unapproved-upstream",
        title: "ECR pull-through cache rule uses an upstream registry that is not approved",
        service: Ecr,
        severity: Medium,
        wa: ["SEC11-BP05"],
        reads: ["ecr:DescribePullThroughCacheRules"],
    }
}

impl Check for PullThroughUnapprovedUpstream {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let allowed = &ctx.settings.allowed_upstream_registries;
        for (region, data) in &ctx.inventory.ecr {
            let rules = match data.pull_through_cache_rules.get() {
                Ok(r) => r,
                Err(gap) => {
                    out.not_assessed(
                        super::ecr_resource(ctx, region, "pull-through-cache-rule", "*"),
                        gap,
                    );
                    continue;
                }
            };
            for rule in rules {
                let res = super::ecr_resource(
                    ctx,
                    region,
                    "pull-through-cache-rule",
                    &rule.ecr_repository_prefix,
                );
                let upstream = &rule.upstream_registry_url;
                let evidence =
                    |reason: String| vec![ev("upstreamRegistryUrl", upstream.clone(), reason)];
                if allowed.iter().any(|a| a.eq_ignore_ascii_case(upstream)) {
                    out.pass(res, evidence("an approved upstream registry".into()));
                } else {
                    out.fail(
                        res,
                        evidence(format!(
                            "not among the approved upstream registries ({})",
                            allowed.join(", ")
                        )),
                    );
                }
            }
        }
    }
}
