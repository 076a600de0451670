//! What moto does not answer as AWS does, with the SDK's mock support: AWS's default event
//! selector for a trail without custom ones, an AccessDenied on one trail's status (a gap of
//! that part only), and an organisation trail of the management account seen from a member
//! account (listed with its owner; its selectors and bucket are not read here).

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::GapKind;
use auditor_testkit::responses::{denied_message, json_error};
use aws_sdk_cloudtrail::operation::describe_trails::DescribeTrailsOutput;
use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types::{EventSelector, ReadWriteType, Trail};
use aws_sdk_cloudtrail::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

const MEMBER: &str = "111122223333";
const OWN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/main";
const ORG: &str = "arn:aws:cloudtrail:us-east-1:999988887777:trail/org";

#[tokio::test]
async fn default_selectors_a_denied_status_and_an_organisation_trail() {
    let rules: Vec<Rule> = vec![
        mock!(Client::describe_trails).then_output(|| {
            DescribeTrailsOutput::builder()
                .trail_list(
                    Trail::builder()
                        .name("main")
                        .trail_arn(OWN)
                        .home_region("us-east-1")
                        .is_multi_region_trail(true)
                        .has_custom_event_selectors(false)
                        .build(),
                )
                .trail_list(
                    Trail::builder()
                        .name("org")
                        .trail_arn(ORG)
                        .home_region("us-east-1")
                        .is_multi_region_trail(true)
                        .is_organization_trail(true)
                        .s3_bucket_name("org-log-archive")
                        .build(),
                )
                .build()
        }),
        mock!(Client::get_trail_status)
            .match_requests(|r| r.name() == Some(OWN))
            .then_http_response(|| {
                json_error(
                    400,
                    "AccessDeniedException",
                    &denied_message("cloudtrail:GetTrailStatus"),
                )
            }),
        mock!(Client::get_trail_status)
            .match_requests(|r| r.name() == Some(ORG))
            .then_output(|| GetTrailStatusOutput::builder().is_logging(true).build()),
        // AWS's answer for a trail without custom selectors.
        mock!(Client::get_event_selectors)
            .match_requests(|r| r.trail_name() == Some(OWN))
            .then_output(|| {
                GetEventSelectorsOutput::builder()
                    .trail_arn(OWN)
                    .event_selectors(
                        EventSelector::builder()
                            .read_write_type(ReadWriteType::All)
                            .include_management_events(true)
                            .build(),
                    )
                    .build()
            }),
    ];
    let client = mock_client!(aws_sdk_cloudtrail, RuleMode::MatchAny, &rules);
    // No bucket of the account's own is read here: the S3 side needs no answers.
    let cfg = aws_config::SdkConfig::builder().build();
    let r = collect_cloudtrail::collect_region_with(&client, &cfg, MEMBER, "us-east-1").await;
    let trails = r.trails.get().unwrap();

    let own = trails.iter().find(|t| t.arn == OWN).unwrap();
    assert_eq!(own.owner, None);
    let gap = own.status.as_ref().unwrap().gap().unwrap();
    assert_eq!(gap.kind, GapKind::AccessDenied);
    assert_eq!(gap.api, "cloudtrail:GetTrailStatus");
    let sel = own.selectors.as_ref().unwrap().get().unwrap();
    assert!(
        sel.management_events,
        "the default selector records management events"
    );
    assert!(sel.s3_data.is_empty());

    let org = trails.iter().find(|t| t.arn == ORG).unwrap();
    assert_eq!(org.owner.as_deref(), Some("999988887777"));
    assert!(org.status.as_ref().unwrap().get().unwrap().is_logging);
    assert!(
        org.selectors.is_none() && org.bucket.is_none(),
        "the owner's selectors and bucket are not read from a member account"
    );
}
