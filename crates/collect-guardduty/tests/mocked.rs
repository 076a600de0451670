//! What moto does not answer as AWS does, with the SDK's mock support: a detector with
//! every protection plan listed (AWS lists them all, moto only those it was given), and an
//! AccessDenied on GetDetector (the region's detectors are a gap).

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::GapKind;
use auditor_testkit::responses::{denied_message, rest_json_error};
use aws_sdk_guardduty::operation::get_detector::GetDetectorOutput;
use aws_sdk_guardduty::operation::list_detectors::ListDetectorsOutput;
use aws_sdk_guardduty::types::{
    DetectorAdditionalConfigurationResult, DetectorFeatureConfigurationResult,
    DetectorFeatureResult, DetectorStatus, FeatureAdditionalConfiguration, FeatureStatus,
};
use aws_sdk_guardduty::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

fn plan(name: DetectorFeatureResult, on: bool) -> DetectorFeatureConfigurationResult {
    DetectorFeatureConfigurationResult::builder()
        .name(name)
        .status(if on {
            FeatureStatus::Enabled
        } else {
            FeatureStatus::Disabled
        })
        .build()
}

#[tokio::test]
async fn every_plan_as_aws_lists_them() {
    let rules: Vec<Rule> = vec![
        mock!(Client::list_detectors)
            .then_output(|| ListDetectorsOutput::builder().detector_ids("d1").build()),
        mock!(Client::get_detector).then_output(|| {
            GetDetectorOutput::builder()
                .status(DetectorStatus::Enabled)
                .service_role("arn:aws:iam::111122223333:role/aws-service-role/guardduty")
                .features(plan(DetectorFeatureResult::CloudTrail, true))
                .features(plan(DetectorFeatureResult::EksAuditLogs, true))
                .features(plan(DetectorFeatureResult::S3DataEvents, false))
                .features(
                    DetectorFeatureConfigurationResult::builder()
                        .name(DetectorFeatureResult::RuntimeMonitoring)
                        .status(FeatureStatus::Enabled)
                        .additional_configuration(
                            DetectorAdditionalConfigurationResult::builder()
                                .name(FeatureAdditionalConfiguration::EksAddonManagement)
                                .status(FeatureStatus::Disabled)
                                .build(),
                        )
                        .build(),
                )
                .build()
        }),
    ];
    let client = mock_client!(aws_sdk_guardduty, RuleMode::MatchAny, &rules);
    let r = collect_guardduty::collect_region_with(&client, "eu-west-1").await;
    let d = &r.detectors.get().unwrap()[0];
    assert!(d.enabled());
    assert!(d.feature("EKS_AUDIT_LOGS").unwrap().enabled());
    assert!(!d.feature("S3_DATA_EVENTS").unwrap().enabled());
    let runtime = d.feature("RUNTIME_MONITORING").unwrap();
    assert!(runtime.enabled() && !runtime.additional_enabled("EKS_ADDON_MANAGEMENT"));
}

#[tokio::test]
async fn a_denied_detector_is_the_regions_gap() {
    let rules: Vec<Rule> = vec![
        mock!(Client::list_detectors)
            .then_output(|| ListDetectorsOutput::builder().detector_ids("d1").build()),
        mock!(Client::get_detector).then_http_response(|| {
            rest_json_error(
                403,
                "AccessDeniedException",
                &denied_message("guardduty:GetDetector"),
            )
        }),
    ];
    let client = mock_client!(aws_sdk_guardduty, RuleMode::MatchAny, &rules);
    let r = collect_guardduty::collect_region_with(&client, "eu-west-1").await;
    let gap = r.detectors.gap().unwrap();
    assert_eq!(gap.kind, GapKind::AccessDenied);
    assert_eq!(gap.api, "guardduty:GetDetector");
}
