//! `open_account` against recorded STS answers (moto's assume-role always lands in the
//! account asked for, so the refusal paths need canned responses shaped like real AWS's).

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_aws::{open_account, AwsError, ErrorKind};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

const SECRET: &str = "wJalrXUtnFEMI-assumed-secret";

fn caller(account: &str, arn: &str) -> String {
    format!(
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>{account}</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#
    )
}

fn assumed(account: &str) -> String {
    format!(
        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>{SECRET}</SecretAccessKey>
      <SessionToken>session-token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/AuditorReadOnly/auditor</Arn><AssumedRoleId>AROAEXAMPLE:auditor</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#
    )
}

const ASSUME_DENIED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/AuditorReadOnly</Message></Error>
  <RequestId>r3</RequestId>
</ErrorResponse>"#;

fn event(status: u16, body: String) -> ReplayEvent {
    let mut resp = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
    resp.headers_mut().insert("content-type", "text/xml");
    ReplayEvent::new(HttpRequest::new(SdkBody::empty()), resp)
}

fn config(replay: &StaticReplayClient) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "base-secret",
            None,
            None,
            "test",
        )))
        .http_client(replay.clone())
        .build()
}

/// Opens a session in 222222222222 against these recorded answers.
async fn open(
    events: Vec<ReplayEvent>,
) -> (
    Result<auditor_aws::AccountSession, AwsError>,
    StaticReplayClient,
) {
    let replay = StaticReplayClient::new(events);
    let r = open_account(
        &config(&replay),
        &"222222222222".parse().unwrap(),
        "AuditorReadOnly",
        &auditor_aws::AssumeOptions::default(),
    )
    .await;
    (r, replay)
}

fn bodies(replay: &StaticReplayClient) -> Vec<String> {
    replay
        .actual_requests()
        .map(|r| String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned())
        .collect()
}

#[tokio::test]
async fn refuses_when_the_assumed_role_lands_in_another_account() {
    let (r, replay) = open(vec![
        event(
            200,
            caller("111111111111", "arn:aws:iam::111111111111:user/alice"),
        ),
        event(200, assumed("333333333333")),
        event(
            200,
            caller(
                "333333333333",
                "arn:aws:sts::333333333333:assumed-role/AuditorReadOnly/auditor",
            ),
        ),
    ])
    .await;
    let err = r.unwrap_err();
    assert!(matches!(err, AwsError::WrongAccount { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("refusing to audit: asked for account 222222222222"),
        "{msg}"
    );
    assert!(msg.contains("333333333333"), "{msg}");
    assert!(
        !format!("{msg} {err:?}").contains(SECRET),
        "an error never carries credentials"
    );
    let sent = bodies(&replay);
    assert_eq!(sent.len(), 3);
    assert!(sent[1].contains("Action=AssumeRole"), "{}", sent[1]);
    assert!(
        sent[1].contains("arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2FAuditorReadOnly"),
        "{}",
        sent[1]
    );
}

#[tokio::test]
async fn a_refused_role_assumption_is_one_line_access_denied() {
    let (r, _) = open(vec![
        event(
            200,
            caller("111111111111", "arn:aws:iam::111111111111:user/alice"),
        ),
        event(403, ASSUME_DENIED.to_owned()),
    ])
    .await;
    let err = r.unwrap_err();
    assert_eq!(err.kind(), Some(ErrorKind::AccessDenied), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("sts:AssumeRole: access denied (AccessDenied): cannot assume arn:aws:iam::222222222222:role/AuditorReadOnly"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
}

#[tokio::test]
async fn a_caller_in_the_account_needs_no_role() {
    let (r, replay) = open(vec![event(
        200,
        caller("222222222222", "arn:aws:iam::222222222222:user/bob"),
    )])
    .await;
    let s = r.unwrap();
    assert_eq!(s.assumed_role, None);
    assert_eq!(s.caller_arn, "arn:aws:iam::222222222222:user/bob");
    assert_eq!(s.partition, "aws");
    assert_eq!(
        bodies(&replay).len(),
        1,
        "one identity call, no role assumption"
    );
}
