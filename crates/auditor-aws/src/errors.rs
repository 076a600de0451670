//! SDK error classification: the single place that decides what an AWS error means.

use auditor_model::{Gap, GapKind};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::error::Error as StdError;
use std::fmt;

/// What kind of failure an AWS call met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller lacks permission.
    AccessDenied,
    /// Throttled beyond the SDK's retries.
    Throttled,
    /// The region is not enabled for the account.
    RegionDisabled,
    /// The endpoint does not implement this API (HTTP 404/501, or 500 with no error code
    /// as emulators answer).
    NotOffered,
    /// Credentials are missing, invalid or expired.
    Credentials,
    /// The endpoint could not be reached (connection refused, DNS, timeout).
    Unreachable,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// A short lowercase label.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::AccessDenied => "access denied",
            ErrorKind::Throttled => "throttled",
            ErrorKind::RegionDisabled => "region disabled",
            ErrorKind::NotOffered => "not offered by the endpoint",
            ErrorKind::Credentials => "credentials",
            ErrorKind::Unreachable => "endpoint unreachable",
            ErrorKind::Other => "error",
        }
    }

    /// The coverage-gap kind this error leaves behind when it happens during collection.
    pub fn gap_kind(self) -> GapKind {
        match self {
            ErrorKind::AccessDenied => GapKind::AccessDenied,
            ErrorKind::Throttled => GapKind::Throttled,
            ErrorKind::RegionDisabled => GapKind::RegionDisabled,
            ErrorKind::NotOffered => GapKind::NotOffered,
            ErrorKind::Credentials | ErrorKind::Unreachable | ErrorKind::Other => GapKind::Other,
        }
    }
}

/// A classified error: its kind, AWS's error code (if any) and a one-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The class.
    pub kind: ErrorKind,
    /// AWS's error code, e.g. `UnauthorizedOperation`.
    pub code: Option<String>,
    /// One line, without SDK internals.
    pub message: String,
}

impl fmt::Display for Classified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(c) => write!(f, "{} ({c}): {}", self.kind.label(), self.message),
            None => write!(f, "{}: {}", self.kind.label(), self.message),
        }
    }
}

/// A fatal AWS error on the way to an audit (identity, role assumption): one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    /// An AWS call failed.
    #[error("{api}: {classified}")]
    Call {
        /// The API as an IAM action.
        api: String,
        /// What went wrong.
        classified: Classified,
    },
    /// The credentials reach another account than the one asked for.
    #[error("refusing to audit: asked for account {expected}, but the credentials (after role assumption) are for account {actual} ({arn})")]
    WrongAccount {
        /// The account asked for.
        expected: String,
        /// The account the credentials belong to.
        actual: String,
        /// The caller ARN.
        arn: String,
    },
    /// AWS answered without a field it always sends.
    #[error("{api}: the answer lacks {field}")]
    Malformed {
        /// The API.
        api: String,
        /// The missing field.
        field: String,
    },
}

impl AwsError {
    /// A failed call of `api` (an IAM action name), classified; `about` (a role ARN, an
    /// organizational unit...) goes in front of AWS's message when given.
    pub fn call<E>(api: &str, about: Option<&str>, err: &SdkError<E, HttpResponse>) -> AwsError
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let mut classified = classify(err);
        if let Some(a) = about {
            classified.message = format!("{a}: {}", classified.message);
        }
        AwsError::Call {
            api: api.to_owned(),
            classified,
        }
    }

    /// The class of the underlying failure, if it was a call.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            AwsError::Call { classified, .. } => Some(classified.kind),
            _ => None,
        }
    }
}

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "Forbidden",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
];
const CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "AuthFailure",
    "MissingAuthenticationToken",
];
const NOT_OFFERED: &[&str] = &[
    "InvalidAction",
    "UnknownOperationException",
    "NotImplemented",
    "UnsupportedOperation",
    "UnsupportedOperationException",
];
const REGION_DISABLED: &[&str] = &["OptInRequired", "InvalidRegion"];

/// Sorts an SDK error into an [`ErrorKind`] with a one-line message.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> Classified
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    match err {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let code = se.err().code().map(str::to_owned);
            let message = se
                .err()
                .message()
                .map(one_line)
                .unwrap_or_else(|| match status {
                    // A success the SDK could not read (not well-formed, bytes that are not
                    // UTF-8): say so, not "no error message".
                    200..=299 => format!("HTTP {status}, but the answer could not be read"),
                    _ => format!("HTTP {status} with no error message"),
                });
            let kind = match code.as_deref() {
                Some(c) if ACCESS_DENIED.contains(&c) => ErrorKind::AccessDenied,
                Some(c) if THROTTLED.contains(&c) => ErrorKind::Throttled,
                Some(c) if CREDENTIALS.contains(&c) => ErrorKind::Credentials,
                Some(c) if NOT_OFFERED.contains(&c) => ErrorKind::NotOffered,
                Some(c) if REGION_DISABLED.contains(&c) => ErrorKind::RegionDisabled,
                Some(_) => ErrorKind::Other,
                None => kind_of_status(status),
            };
            Classified {
                kind,
                code,
                message,
            }
        }
        SdkError::ResponseError(re) => {
            // An answer the SDK could not parse: an emulator's HTML page for an API it
            // lacks, a proxy's page, an error in another protocol's format. The status
            // still says what happened; the parser's complaint is for debug logs only.
            let status = re.raw().status().as_u16();
            tracing::debug!(status, cause = %root_cause(err), "unreadable AWS answer");
            Classified {
                kind: kind_of_status(status),
                code: None,
                message: format!("HTTP {status}, with an answer not in AWS's error format"),
            }
        }
        SdkError::TimeoutError(_) => Classified {
            kind: ErrorKind::Unreachable,
            code: None,
            message: "the request timed out".into(),
        },
        // Dispatch failures (connection refused, DNS, timeouts; or no credentials to sign
        // with) and construction failures ("no credentials could be loaded").
        other => {
            let unreachable =
                matches!(other, SdkError::DispatchFailure(df) if df.is_io() || df.is_timeout());
            let kind = if unreachable {
                ErrorKind::Unreachable
            } else if mentions_credentials(err) {
                ErrorKind::Credentials
            } else {
                ErrorKind::Other
            };
            Classified {
                kind,
                code: None,
                message: root_cause(err),
            }
        }
    }
    .concise()
}

/// The class of an error answer that names no error code, by its HTTP status.
fn kind_of_status(status: u16) -> ErrorKind {
    match status {
        // Emulators answer APIs they lack with a bare 404/500/501.
        404 | 500 | 501 => ErrorKind::NotOffered,
        429 => ErrorKind::Throttled,
        403 => ErrorKind::AccessDenied,
        _ => ErrorKind::Other,
    }
}

impl Classified {
    /// The credential chain lists every provider it tried; users need the gist.
    fn concise(mut self) -> Self {
        if self.kind == ErrorKind::Credentials
            && self.message.starts_with("no credentials found in chain")
        {
            self.message = "no credentials found (tried environment, profile, web identity, container and instance metadata)".into();
        }
        self
    }
}

/// Turns a failed collection call into a coverage gap.
pub fn gap<E>(
    service: &str,
    region: Option<&str>,
    api: &str,
    err: &SdkError<E, HttpResponse>,
) -> Gap
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let c = classify(err);
    let message = match &c.code {
        Some(code) => format!("{code}: {}", c.message),
        None => c.message.clone(),
    };
    Gap {
        resource: None,
        service: service.to_owned(),
        region: region.map(str::to_owned),
        api: api.to_owned(),
        kind: c.kind.gap_kind(),
        message,
    }
}

/// Drains an SDK paginator into a vector, or the gap its first failing page leaves.
/// Every collector's list calls go through here.
pub async fn paged<T, E>(
    service: &str,
    region: Option<&str>,
    api: &str,
    stream: aws_smithy_async::future::pagination_stream::PaginationStream<
        Result<T, SdkError<E, HttpResponse>>,
    >,
) -> Result<Vec<T>, Gap>
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    stream
        .try_collect()
        .await
        .map_err(|e| gap(service, region, api, &e))
}

fn mentions_credentials(err: &(dyn StdError + 'static)) -> bool {
    chain(err).iter().any(|m| {
        let m = m.to_ascii_lowercase();
        m.contains("credential") || m.contains("identity")
    })
}

fn chain(err: &(dyn StdError + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        out.push(e.to_string());
        cur = e.source();
    }
    out
}

/// The most specific message in an error's source chain, on one line: the SDK's outer
/// layers ("dispatch failure", "io error") say little a user can act on.
fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let msgs = chain(err);
    // Prefer the deepest message that says something; some layers are empty or generic.
    let best = msgs
        .iter()
        .rev()
        .find(|m| !m.trim().is_empty() && m.len() > 12)
        .or_else(|| msgs.last())
        .cloned()
        .unwrap_or_default();
    one_line(&best)
}

fn one_line(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    const MAX: usize = 300;
    if joined.chars().count() > MAX {
        let cut: String = joined.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_folds_and_bounds() {
        assert_eq!(one_line("a\n  b\tc"), "a b c");
        assert!(one_line(&"x ".repeat(400)).ends_with('…'));
    }

    #[test]
    fn an_unreadable_answer_is_classified_by_its_status_without_parser_detail() {
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        let answer = |status: u16| -> SdkError<
            aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError,
            HttpResponse,
        > {
            SdkError::response_error(
                "malformed JSON error body: Error at offset 0: unexpected token '<'",
                HttpResponse::new(
                    StatusCode::try_from(status).unwrap(),
                    SdkBody::from(
                        "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>",
                    ),
                ),
            )
        };
        let c = classify(&answer(403));
        assert_eq!(c.kind, ErrorKind::AccessDenied);
        assert_eq!(
            c.message,
            "HTTP 403, with an answer not in AWS's error format"
        );
        assert!(!c.message.contains("offset"), "{}", c.message);
        assert_eq!(classify(&answer(404)).kind, ErrorKind::NotOffered);
        assert_eq!(classify(&answer(429)).kind, ErrorKind::Throttled);
        assert_eq!(classify(&answer(400)).kind, ErrorKind::Other);
    }

    #[test]
    fn code_tables_are_disjoint() {
        let tables = [
            ACCESS_DENIED,
            THROTTLED,
            CREDENTIALS,
            NOT_OFFERED,
            REGION_DISABLED,
        ];
        for (i, a) in tables.iter().enumerate() {
            for b in &tables[i + 1..] {
                for code in a.iter() {
                    assert!(!b.contains(code), "{code} is in two classes");
                }
            }
        }
    }
}
