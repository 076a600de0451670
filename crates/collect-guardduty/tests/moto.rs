//! The GuardDuty collector against moto: a region's detector with its protection plans,
//! and a region without one.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_testkit::{unique_account, Emulator};
use aws_sdk_guardduty::types::{
    DetectorAdditionalConfiguration, DetectorFeature, DetectorFeatureConfiguration,
    FeatureAdditionalConfiguration, FeatureStatus,
};
use aws_sdk_guardduty::Client;

#[tokio::test]
async fn collects_detectors_and_their_plans() {
    let emu = Emulator::shared();
    let account = unique_account();
    let cfg = emu.account_config(&account, "us-east-1").await;
    Client::new(&cfg)
        .create_detector()
        .enable(true)
        .features(
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::EksAuditLogs)
                .status(FeatureStatus::Enabled)
                .build(),
        )
        .features(
            DetectorFeatureConfiguration::builder()
                .name(DetectorFeature::RuntimeMonitoring)
                .status(FeatureStatus::Enabled)
                .additional_configuration(
                    DetectorAdditionalConfiguration::builder()
                        .name(FeatureAdditionalConfiguration::EksAddonManagement)
                        .status(FeatureStatus::Enabled)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let r = collect_guardduty::collect_region(&cfg, "us-east-1").await;
    let detectors = r.detectors.get().unwrap();
    assert_eq!(detectors.len(), 1);
    let d = &detectors[0];
    assert!(d.enabled());
    assert!(d.feature("EKS_AUDIT_LOGS").is_some_and(|f| f.enabled()));
    assert!(d
        .feature("RUNTIME_MONITORING")
        .is_some_and(|f| f.enabled() && f.additional_enabled("EKS_ADDON_MANAGEMENT")));

    let other = emu.account_config(&account, "eu-west-1").await;
    let r = collect_guardduty::collect_region(&other, "eu-west-1").await;
    assert!(r.detectors.get().unwrap().is_empty(), "no detector there");
}
