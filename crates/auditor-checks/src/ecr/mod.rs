//! ECR checks (ECR-001 ... ECR-007) and the helpers they share.

include!(concat!(env!("OUT_DIR"), "/checks_ecr.rs"));

use crate::{CheckContext, Emitter};
use auditor_model::ecr::{EcrRegion, Repository};
use auditor_model::Resource;

/// A repository as a finding's resource.
pub(crate) fn repo_resource(ctx: &CheckContext<'_>, region: &str, repo: &Repository) -> Resource {
    Resource {
        arn: repo.repository_arn.clone(),
        account: ctx.inventory.account_id.as_str().into(),
        region: Some(region.into()),
        kind: "repository".into(),
        id: repo.repository_name.clone(),
        name: None,
    }
}

/// A resource of ECR in one region that has no ARN of its own (the registry, a rule).
pub(crate) fn ecr_resource(ctx: &CheckContext<'_>, region: &str, kind: &str, id: &str) -> Resource {
    let inv = ctx.inventory;
    Resource {
        arn: inv.arn("ecr", region, &format!("{kind}/{id}")),
        account: inv.account_id.as_str().into(),
        region: Some(region.into()),
        kind: kind.into(),
        id: id.to_owned(),
        name: None,
    }
}

/// Runs `f` on every repository in every region; a region whose repositories could not be
/// listed yields one "not assessed" finding.
pub(crate) fn for_each_repo<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    mut f: impl FnMut(&'i str, &'i EcrRegion, &'i Repository, &mut Emitter<'_>),
) {
    for (region, data) in &ctx.inventory.ecr {
        match data.repositories.get() {
            Ok(repos) => repos.iter().for_each(|repo| f(region, data, repo, out)),
            Err(gap) => out.not_assessed(ecr_resource(ctx, region, "repository", "*"), gap),
        }
    }
}
