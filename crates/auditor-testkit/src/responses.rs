//! AWS error answers for the SDK's mocked clients (`aws-smithy-mocks`), one builder per wire
//! protocol, so collector tests of every service refuse, throttle or fail a call the way
//! AWS does, parsed by the SDK's real deserialisers.

use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;

/// The account the refusals below name.
pub const ACCOUNT: &str = "111122223333";

/// AWS's AccessDenied wording for the auditor's role and one API, e.g.
/// `denied_message("eks:ListClusters")`.
pub fn denied_message(api: &str) -> String {
    format!(
        "User: arn:aws:sts::{ACCOUNT}:assumed-role/AuditorReadOnly/auditor is not authorized \
         to perform: {api}"
    )
}

fn response(status: u16, body: String, headers: &[(&'static str, String)]) -> Response {
    let status = StatusCode::try_from(status).unwrap_or_else(|_| panic!("status {status}"));
    let mut r = Response::new(status, SdkBody::from(body));
    for (name, value) in headers {
        r.headers_mut().insert(*name, value.clone());
    }
    r
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// EC2's query protocol: `<Response><Errors><Error>`.
pub fn ec2_error(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code>\
         <Message>{}</Message></Error></Errors><RequestID>r-1</RequestID></Response>",
        xml(code),
        xml(message)
    );
    response(status, body, &[])
}

/// The AWS query protocol of IAM and STS: `<ErrorResponse><Error>`.
pub fn query_error(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
         <Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error>\
         <RequestId>r</RequestId></ErrorResponse>",
        xml(code),
        xml(message)
    );
    response(status, body, &[("content-type", "text/xml".into())])
}

/// S3's REST-XML protocol: `<Error><Code>`.
pub fn rest_xml_error(status: u16, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code>\
         <Message>{}</Message><RequestId>R</RequestId><HostId>H</HostId></Error>",
        xml(code),
        xml(message)
    );
    response(status, body, &[])
}

/// The REST-JSON protocol (EKS): the error type in `x-amzn-errortype`.
pub fn rest_json_error(status: u16, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "message": message }).to_string();
    response(
        status,
        body,
        &[
            ("x-amzn-errortype", error_type.to_owned()),
            ("content-type", "application/json".into()),
        ],
    )
}

/// The AWS JSON 1.1 protocol (ECR): the error type in the body's `__type`.
pub fn json_error(status: u16, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "__type": error_type, "message": message }).to_string();
    response(
        status,
        body,
        &[("content-type", "application/x-amz-json-1.1".into())],
    )
}

/// A body no protocol can parse (a proxy's page, an emulator's 404).
pub fn plain(status: u16, body: &str) -> Response {
    response(status, body.to_owned(), &[])
}
