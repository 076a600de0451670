//! The GuardDuty collector: each region's detectors (`ListDetectors`, then `GetDetector`)
//! with their status and protection plans (`Features`, and the older
//! `DataSources.Kubernetes.AuditLogs`).
//!
//! Architecture invariant: SDK types stop here (see `auditor_model::guardduty`). Calls are
//! `List*`/`Get*` only.
#![deny(missing_docs)]

use auditor_model::guardduty::{Detector, Feature, GuardDutyRegion};
use auditor_model::{Collected, Gap};
use aws_config::SdkConfig;
use aws_sdk_guardduty::Client;

/// The service name used in coverage gaps.
pub const SERVICE: &str = "guardduty";

/// Collects one region. Never fails: an API that fails becomes a gap.
pub async fn collect_region(cfg: &SdkConfig, region: &str) -> GuardDutyRegion {
    collect_region_with(&Client::new(cfg), region).await
}

/// [`collect_region`] with a given client.
pub async fn collect_region_with(c: &Client, region: &str) -> GuardDutyRegion {
    GuardDutyRegion {
        detectors: Collected::from_result(detectors(c, region).await),
    }
}

async fn detectors(c: &Client, region: &str) -> Result<Vec<Detector>, Gap> {
    let r = Some(region);
    let ids = auditor_aws::paged(
        SERVICE,
        r,
        "guardduty:ListDetectors",
        c.list_detectors()
            .max_results(50)
            .into_paginator()
            .items()
            .send(),
    )
    .await?;
    // An account has at most one detector per region: read each in turn.
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let d = c
            .get_detector()
            .detector_id(&id)
            .send()
            .await
            .map_err(|e| auditor_aws::gap(SERVICE, r, "guardduty:GetDetector", &e))?;
        out.push(Detector {
            id,
            status: d
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            features: d
                .features()
                .iter()
                .filter_map(|f| {
                    Some(Feature {
                        name: f.name()?.as_str().to_owned(),
                        status: f.status()?.as_str().to_owned(),
                        additional: f
                            .additional_configuration()
                            .iter()
                            .filter_map(|a| {
                                Some((
                                    a.name()?.as_str().to_owned(),
                                    a.status()?.as_str().to_owned(),
                                ))
                            })
                            .collect(),
                    })
                })
                .collect(),
            // Deprecated for `Features`, but detectors set up through the older API still
            // report EKS audit logs here.
            #[allow(deprecated)]
            kubernetes_audit_logs: d
                .data_sources()
                .and_then(|s| s.kubernetes())
                .and_then(|k| k.audit_logs())
                .and_then(|a| a.status())
                .map(|s| s.as_str().to_owned()),
        });
    }
    Ok(out)
}
