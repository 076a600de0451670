//! GUARDDUTY-001: an audited region has no enabled GuardDuty detector.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every audited region's GuardDuty detectors (ListDetectors, GetDetector). It fails
    /// when the region has no detector, or only a suspended one (`Status` `DISABLED`); it
    /// passes when a detector is enabled.
    ///
    /// ## Why it matters
    /// GuardDuty is AWS's threat detection: it reads CloudTrail, VPC flow logs, DNS logs
    /// and EKS audit logs and reports compromised credentials, crypto-mining and access
    /// from known-bad hosts. A region without it is one an attacker can use unseen (and
    /// unused regions are where they go). The Amazon EKS Best Practices Guide's detective
    /// controls and the GitOps security practices both name it as the minimum for runtime
    /// threat detection.
    ///
    /// ## Remediation
    /// `aws guardduty create-detector --region <region> --enable` (or, for a suspended
    /// one, `aws guardduty update-detector --region <region> --detector-id ID --enable`).
    /// In an organisation, make a delegated administrator enable it for every account and
    /// region (`aws guardduty update-organization-configuration --auto-enable-organization-members ALL`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/guardduty-controls.html#guardduty-1
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/auditing-and-logging.html
    pub(crate) struct GuardDutyNotEnabled {
        code: "GUARDDUTY-001",
        name: "guardduty-not-enabled",
        title: "GuardDuty is not enabled in an audited region",
        service: GuardDuty,
        severity: High,
        wa: ["SEC04-BP02", "SEC04-BP01"],
        fsbp: ["GuardDuty.1"],
        reads: ["guardduty:ListDetectors", "guardduty:GetDetector"],
    }
}

impl Check for GuardDutyNotEnabled {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        for (region, data) in &inv.guardduty {
            let detectors = match data.detectors.get() {
                Ok(d) => d,
                Err(gap) => {
                    out.not_assessed(super::region_resource(inv, region, None), gap);
                    continue;
                }
            };
            match super::enabled(detectors) {
                Some(d) => out.pass(
                    super::region_resource(inv, region, Some(d)),
                    vec![ev(
                        "Detector.Status",
                        format!("{} ENABLED", d.id),
                        "GuardDuty watches this region",
                    )],
                ),
                None => out.fail(
                    super::region_resource(inv, region, detectors.first()),
                    vec![ev(
                        "ListDetectors",
                        match detectors.first() {
                            Some(d) => format!("{} {}", d.id, d.status),
                            None => "no detector".to_owned(),
                        },
                        "nothing in this region reports threats",
                    )],
                ),
            }
        }
    }
}
