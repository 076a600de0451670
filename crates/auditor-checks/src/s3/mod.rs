//! S3 checks (S3-001 ...) on Terraform state buckets, and the helpers they share: buckets
//! as resources, iteration with "not assessed" for what was not collected, and the
//! state-access analysis behind S3-008 and the report's access matrix.

include!(concat!(env!("OUT_DIR"), "/checks_s3.rs"));

use crate::{CheckContext, Emitter};
use auditor_model::s3::Bucket;
use auditor_model::{Collected, Gap, GapKind, Resource};

/// A bucket as a resource.
pub(crate) fn bucket_resource(ctx: &CheckContext<'_>, b: &Bucket) -> Resource {
    Resource {
        arn: b.arn.clone(),
        account: ctx.inventory.account_id.as_str().into(),
        region: b.region.as_deref().map(Into::into),
        kind: "bucket".into(),
        id: b.name.clone(),
        name: None,
    }
}

/// The account's state buckets as one resource, for "not assessed" when none could be read.
fn all_buckets(ctx: &CheckContext<'_>) -> Resource {
    Resource {
        arn: format!("arn:{}:s3:::*", ctx.inventory.partition),
        account: ctx.inventory.account_id.as_str().into(),
        region: None,
        kind: "bucket".into(),
        id: "*".into(),
        name: None,
    }
}

fn not_collected() -> Gap {
    Gap {
        resource: None,
        service: "s3".into(),
        region: None,
        api: "s3:ListAllMyBuckets".into(),
        kind: GapKind::Absent,
        message: "S3 was not collected".into(),
    }
}

/// The state buckets, or `None` after one "not assessed" finding when S3 or the bucket
/// list was not collected.
pub(crate) fn buckets<'i>(ctx: &CheckContext<'i>, out: &mut Emitter<'_>) -> Option<&'i [Bucket]> {
    let Some(s3) = &ctx.inventory.s3 else {
        out.not_assessed(all_buckets(ctx), &not_collected());
        return None;
    };
    match s3.buckets.get() {
        Ok(b) => Some(b),
        Err(gap) => {
            out.not_assessed(all_buckets(ctx), gap);
            None
        }
    }
}

/// Runs `judge` on one part of every state bucket; a part not collected is "not assessed"
/// with its gap. `judge` returns `Ok(evidence)` to pass and `Err(evidence)` to fail.
pub(crate) fn judge_part<T>(
    ctx: &CheckContext<'_>,
    out: &mut Emitter<'_>,
    part: impl Fn(&Bucket) -> &Collected<T>,
    judge: impl Fn(&Bucket, &T) -> crate::iam::Verdict,
) {
    let Some(buckets) = buckets(ctx, out) else {
        return;
    };
    for b in buckets {
        let res = bucket_resource(ctx, b);
        match part(b).get() {
            Err(gap) => out.not_assessed(res, gap),
            Ok(v) => match judge(b, v) {
                Ok(e) => out.pass(res, vec![e]),
                Err(e) => out.fail(res, vec![e]),
            },
        }
    }
}

/// Runs `judge` on every state bucket that has a policy, with its text. A policy that was
/// not read is "not assessed"; a bucket without one gets `without`'s verdict.
pub(crate) fn for_each_policy<'i>(
    ctx: &CheckContext<'i>,
    out: &mut Emitter<'_>,
    without: impl Fn() -> crate::iam::Verdict,
    mut judge: impl FnMut(&'i Bucket, &'i str, Resource, &mut Emitter<'_>),
) {
    let Some(buckets) = buckets(ctx, out) else {
        return;
    };
    for b in buckets {
        let res = bucket_resource(ctx, b);
        match b.policy.get() {
            Err(gap) => out.not_assessed(res, gap),
            Ok(None) => match without() {
                Ok(e) => out.pass(res, vec![e]),
                Err(e) => out.fail(res, vec![e]),
            },
            Ok(Some(text)) => judge(b, text, res, out),
        }
    }
}
