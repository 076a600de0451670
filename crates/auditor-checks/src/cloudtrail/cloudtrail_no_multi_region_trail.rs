//! CLOUDTRAIL-001: no multi-region trail records management events.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Resource;

declare_check! {
    /// ## What it checks
    /// The account's trails (DescribeTrails in every audited region, then GetTrailStatus
    /// and GetEventSelectors in each trail's home region). It passes when one trail is
    /// multi-region, logging, and records management events, read and write (basic
    /// selectors with `IncludeManagementEvents` and `ReadWriteType` `All`, or an advanced
    /// selector on `eventCategory` `Management` with nothing narrowing it); an
    /// organisation trail counts (seen from a member account, where its selectors cannot be
    /// read, a logging multi-region organisation trail passes: they are judged in the
    /// management account). It fails when none is, and is "not assessed" when a
    /// multi-region trail's status or selectors could not be read (its home region not
    /// audited, or the call refused) and no other trail settles it.
    ///
    /// ## Why it matters
    /// CloudTrail is the record of every AWS API call: who created the access key, who
    /// opened the security group, who called `eks:CreateAccessEntry`. Without a trail in
    /// every region, an attacker's actions in an unused region leave no record past
    /// CloudTrail's 90-day event history, and incident responders have nothing to read.
    /// The Amazon EKS security checklist asks to audit EKS API calls with CloudTrail.
    ///
    /// ## Remediation
    /// `aws cloudtrail create-trail --name management-events --s3-bucket-name BUCKET
    /// --is-multi-region-trail --enable-log-file-validation --kms-key-id KEY`, then
    /// `aws cloudtrail start-logging --name management-events`. In an organisation, one
    /// organisation trail from the management account covers every account
    /// (`--is-organization-trail`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html#cloudtrail-1
    /// - https://docs.aws.amazon.com/eks/latest/userguide/logging-using-cloudtrail.html
    pub(crate) struct NoMultiRegionTrail {
        code: "CLOUDTRAIL-001",
        name: "cloudtrail-no-multi-region-trail",
        title: "No multi-region CloudTrail trail is logging management events",
        service: CloudTrail,
        severity: High,
        wa: ["SEC04-BP01", "SEC04-BP02"],
        fsbp: ["CloudTrail.1"],
        reads: [
            "cloudtrail:DescribeTrails",
            "cloudtrail:GetTrailStatus",
            "cloudtrail:GetEventSelectors",
        ],
    }
}

impl Check for NoMultiRegionTrail {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        if inv.cloudtrail.is_empty() {
            return;
        }
        let res = Resource {
            arn: format!(
                "arn:{}:cloudtrail::{}:trails",
                inv.partition, inv.account_id
            ),
            account: inv.account_id.as_str().into(),
            region: None,
            kind: "account-setting".into(),
            id: "cloudtrail".into(),
            name: None,
        };
        let trails = super::trails(inv);
        let mut unknown = None;
        for t in trails.iter().filter(|t| t.multi_region) {
            let status = t.status.as_ref().map(|s| s.get());
            // An organisation trail of the management account: what it records is set (and
            // checked) there; logging is what this account can see of it.
            if let (Some(owner), Some(Ok(s))) = (&t.owner, status) {
                if s.is_logging {
                    return out.pass(
                        res,
                        vec![ev(
                            "Trail",
                            format!(
                                "{} (organisation trail of account {owner}, multi-region, logging)",
                                t.arn
                            ),
                            format!(
                                "the organisation's trail records this account; its event selectors are judged in account {owner}"
                            ),
                        )],
                    );
                }
                continue;
            }
            let selectors = t.selectors.as_ref().map(|s| s.get());
            match (status, selectors) {
                (Some(Ok(s)), Some(Ok(sel))) => {
                    if s.is_logging && sel.management_events {
                        return out.pass(
                            res,
                            vec![ev(
                                "Trail",
                                format!("{} (multi-region, logging, management events)", t.arn),
                                "every region's API activity is recorded",
                            )],
                        );
                    }
                }
                (Some(Err(gap)), _) | (_, Some(Err(gap))) => {
                    unknown.get_or_insert_with(|| gap.clone());
                }
                _ => {
                    unknown.get_or_insert_with(|| {
                        crate::absent(
                            "cloudtrail",
                            Some(&t.home_region),
                            "cloudtrail:GetTrailStatus",
                            format!(
                                "{}'s home region {} was not audited: its status and selectors were not read",
                                t.name, t.home_region
                            ),
                        )
                    });
                }
            }
        }
        // A region whose trails were not listed may hold the trail that passes.
        let listing_gap = inv.cloudtrail.values().find_map(|d| d.trails.gap());
        if let Some(gap) = unknown.as_ref().or(listing_gap) {
            return out.not_assessed(res, gap);
        }
        let described: Vec<String> = trails
            .iter()
            .map(|t| {
                let logging = match t.status.as_ref().map(|s| s.get()) {
                    Some(Ok(s)) if s.is_logging => "logging",
                    Some(Ok(_)) => "stopped",
                    _ => "status unknown",
                };
                format!(
                    "{} ({}, {logging})",
                    t.name,
                    if t.multi_region {
                        "multi-region"
                    } else {
                        "one region"
                    }
                )
            })
            .collect();
        out.fail(
            res,
            vec![ev(
                "DescribeTrails",
                if described.is_empty() {
                    "no trail".to_owned()
                } else {
                    described.join(", ")
                },
                "no trail records every region's management events",
            )],
        );
    }
}
