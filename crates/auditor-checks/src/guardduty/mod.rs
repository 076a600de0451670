//! GuardDuty checks (GUARDDUTY-001, GUARDDUTY-002) and the helpers they share.

include!(concat!(env!("OUT_DIR"), "/checks_guardduty.rs"));

use auditor_model::guardduty::Detector;
use auditor_model::{Inventory, Resource};

/// A region's GuardDuty setting as a finding's resource: its detector when there is one.
pub(crate) fn region_resource(
    inv: &Inventory,
    region: &str,
    detector: Option<&Detector>,
) -> Resource {
    Resource {
        arn: match detector {
            Some(d) => inv.arn("guardduty", region, &format!("detector/{}", d.id)),
            None => inv.arn("guardduty", region, "detector"),
        },
        account: inv.account_id.as_str().into(),
        region: Some(region.into()),
        kind: "account-setting".into(),
        id: "guardduty".into(),
        name: detector.map(|d| d.id.clone()),
    }
}

/// The region's enabled detector, if any.
pub(crate) fn enabled(detectors: &[Detector]) -> Option<&Detector> {
    detectors.iter().find(|d| d.enabled())
}
