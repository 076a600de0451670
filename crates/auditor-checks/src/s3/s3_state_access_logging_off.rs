//! S3-006: a state bucket has no server access logging.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Whether reads and writes of every Terraform state bucket's objects are recorded:
    /// server access logging (`GetBucketLogging`) to a target bucket, or CloudTrail S3 data
    /// events of the bucket's objects, reads and writes, on a trail that is logging and
    /// covers the bucket's region (multi-region, or created in that region)
    /// (GetEventSelectors, basic or advanced, and GetTrailStatus in the trail's home
    /// region). It fails when neither records them, and is "not assessed" when logging is
    /// off and the trails could not all be read.
    ///
    /// ## Why it matters
    /// Without a record of who read or wrote which state file, a leaked secret or a
    /// tampered state cannot be traced to a principal, and cross-team access (S3-008) that
    /// was used cannot be told from access that merely exists.
    ///
    /// ## Remediation
    /// `aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status
    /// '{"LoggingEnabled":{"TargetBucket":"<log bucket>","TargetPrefix":"<bucket>/"}}'`, or
    /// record the bucket's object reads and writes as CloudTrail data events on a logging
    /// trail (`aws cloudtrail put-event-selectors --trail-name TRAIL --event-selectors
    /// '[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::<bucket>/"]}]}]'`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
    /// - https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudtrail-logging-s3-info.html
    pub(crate) struct AccessLoggingOff {
        code: "S3-006",
        name: "s3-state-access-logging-off",
        title: "Terraform state bucket has no server access logging",
        service: S3,
        severity: Low,
        wa: ["SEC04-BP01"],
        fsbp: ["S3.9"],
        reads: [
            "s3:ListAllMyBuckets",
            "s3:GetBucketLocation",
            "s3:GetBucketLogging",
            "cloudtrail:DescribeTrails",
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetEventSelectors",
        ],
    }
}

impl Check for AccessLoggingOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let Some(buckets) = super::buckets(ctx, out) else {
            return;
        };
        let trails = crate::cloudtrail::trails(inv);
        for b in buckets {
            let res = super::bucket_resource(ctx, b);
            let logging = match b.logging.get() {
                Err(gap) => {
                    out.not_assessed(res, gap);
                    continue;
                }
                Ok(l) => l,
            };
            if let Some(l) = logging {
                out.pass(
                    res,
                    vec![ev(
                        "BucketLoggingStatus.LoggingEnabled",
                        format!("s3://{}/{}", l.target_bucket, l.target_prefix),
                        "every request to the state is logged",
                    )],
                );
                continue;
            }
            let off = ev(
                "BucketLoggingStatus.LoggingEnabled",
                "none",
                "no server access log",
            );
            // A logging trail that records the bucket's object reads and writes: a
            // multi-region trail, or one of the bucket's own region (a one-region trail
            // records only its region's data events).
            let covering = trails.iter().find(|t| {
                (t.multi_region || b.region.as_deref() == Some(t.home_region.as_str()))
                    && matches!(t.status.as_ref().map(|s| s.get()), Some(Ok(s)) if s.is_logging)
                    && matches!(t.selectors.as_ref().map(|s| s.get()),
                        Some(Ok(sel)) if sel.covers_s3_bucket(&inv.partition, &b.name))
            });
            if let Some(t) = covering {
                out.pass(
                    res,
                    vec![
                        off,
                        ev(
                            "EventSelectors (S3 data events)",
                            format!("{} records s3://{}/*, reads and writes", t.name, b.name),
                            "every object read and write is in CloudTrail",
                        ),
                    ],
                );
                continue;
            }
            // Not known to be unrecorded: trails that were not (all) read.
            let unread = if inv.cloudtrail.is_empty() {
                Some(crate::absent(
                    "cloudtrail",
                    None,
                    "cloudtrail:DescribeTrails",
                    "CloudTrail was not collected, so its S3 data events are unknown".into(),
                ))
            } else {
                inv.cloudtrail
                    .values()
                    .find_map(|d| d.trails.gap().cloned())
                    .or_else(|| {
                        trails.iter().find_map(|t| {
                            [
                                t.status.as_ref().and_then(|s| s.gap()),
                                t.selectors.as_ref().and_then(|s| s.gap()),
                            ]
                            .into_iter()
                            .flatten()
                            .next()
                            .cloned()
                        })
                    })
                    .or_else(|| {
                        trails
                            .iter()
                            .find(|t| t.status.is_none() || t.selectors.is_none())
                            .map(|t| {
                                crate::absent(
                                    "cloudtrail",
                                    Some(&t.home_region),
                                    "cloudtrail:GetEventSelectors",
                                    match &t.owner {
                                        Some(owner) => format!(
                                            "{} is an organisation trail of account {owner}: whether it records the state's data events is read there",
                                            t.name
                                        ),
                                        None => format!(
                                            "{}'s home region {} was not audited: what it records is unknown",
                                            t.name, t.home_region
                                        ),
                                    },
                                )
                            })
                    })
            };
            match unread {
                Some(gap) => out.not_assessed(res, &gap),
                None => out.fail(
                    res,
                    vec![
                        off,
                        ev(
                            "EventSelectors (S3 data events)",
                            format!("no logging trail records s3://{}/*", b.name),
                            "object reads and writes of the state are recorded nowhere",
                        ),
                    ],
                ),
            }
        }
    }
}
