//! Every AWS request passes here: it is rate limited on the client side, then counted.
//!
//! The SDK's HTTP client is wrapped once in [`load_base_config`](crate::load_base_config),
//! so every request any client sends passes here, retries included. The service and region
//! come from the SigV4 credential scope, as AWS reads them; the account comes from the
//! [`scoped`] future the request runs in (the CLI scopes each account's audit by its id).
//!
//! - **Rate limits** ([`RateLimits`]): a token bucket per (account, region, service), so
//!   that the auditor stays under AWS's own per-account, per-region API rate limits however
//!   many regions and resources it reads at once. It works on top of the SDK's adaptive
//!   retry, which slows down only after AWS has said "slow down".
//! - **Counts** ([`snapshot`], [`snapshot_scope`]): requests, throttled answers (HTTP 429,
//!   HTTP 503, or typed `Throttling*`/`*LimitExceeded` in `x-amzn-ErrorType`), the time
//!   spent waiting for the rate limit, and the SDK's retries with the time from each failed
//!   attempt's answer to its retry (known by the `amz-sdk-invocation-id` and
//!   `amz-sdk-request: attempt=N` headers every SDK attempt carries), per account and
//!   service.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use auditor_model::ApiCounts as Counts;

tokio::task_local! {
    static SCOPE: Arc<str>;
}

/// Runs `fut` with the AWS requests it sends attributed to `scope` (an account id): they
/// are counted under it and rate limited within its own buckets.
pub async fn scoped<F: std::future::Future>(scope: &str, fut: F) -> F::Output {
    SCOPE.scope(Arc::from(scope), fut).await
}

fn current_scope() -> Arc<str> {
    SCOPE.try_with(Arc::clone).unwrap_or_else(|_| Arc::from(""))
}

type Key = (Arc<str>, String);
static COUNTS: Mutex<BTreeMap<Key, Counts>> = Mutex::new(BTreeMap::new());

fn add(
    scope: Arc<str>,
    service: String,
    throttled: bool,
    waited: Duration,
    retry: Option<Duration>,
) {
    let mut m = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let c = m.entry((scope, service)).or_default();
    c.requests += 1;
    c.throttled += u64::from(throttled);
    c.rate_limited_ms += waited.as_millis() as u64;
    if let Some(wait) = retry {
        c.retries += 1;
        c.retry_wait_ms += wait.as_millis() as u64;
    }
}

/// The answer of a query-protocol service (IAM, STS, EC2) with every byte that is not
/// UTF-8 replaced by U+FFFD. The SDK refuses a whole XML answer for one such byte, so a
/// single unreadable value would take every principal of the account with it (one
/// `GetAccountAuthorizationDetails` page); repaired, the policy that holds it is refused
/// alone by the policy parser ("holds bytes that are not UTF-8") and only its principal is
/// not assessed. AWS validates what it stores, so this is a defence, not a common path.
/// S3 answers (object bodies) are never touched.
async fn readable(
    service: &str,
    result: Result<
        aws_smithy_runtime_api::http::Response,
        aws_smithy_runtime_api::client::result::ConnectorError,
    >,
) -> Result<
    aws_smithy_runtime_api::http::Response,
    aws_smithy_runtime_api::client::result::ConnectorError,
> {
    use aws_smithy_types::body::SdkBody;
    if !matches!(service, "iam" | "sts" | "ec2") {
        return result;
    }
    let mut response = result?;
    let body = response.take_body();
    let bytes = aws_smithy_types::byte_stream::ByteStream::new(body)
        .collect()
        .await
        .map_err(|e| aws_smithy_runtime_api::client::result::ConnectorError::io(e.into()))?
        .into_bytes();
    let body = match std::str::from_utf8(&bytes) {
        Ok(_) => SdkBody::from(bytes),
        Err(_) => {
            let fixed = String::from_utf8_lossy(&bytes).into_owned();
            response
                .headers_mut()
                .insert("content-length", fixed.len().to_string());
            SdkBody::from(fixed)
        }
    };
    *response.body_mut() = body;
    Ok(response)
}

/// When the latest attempt of each SDK invocation that may be retried got its answer.
static LAST_ANSWER: Mutex<BTreeMap<String, Instant>> = Mutex::new(BTreeMap::new());

/// The invocation id and attempt number of an SDK request, and whether it is the last
/// attempt the SDK will make (`max=N`).
fn attempt_of(request: &HttpRequest) -> Option<(String, u32, bool)> {
    let id = request.headers().get("amz-sdk-invocation-id")?.to_owned();
    let info = request.headers().get("amz-sdk-request")?;
    let field = |name: &str| -> Option<u32> {
        info.split(';')
            .find_map(|p| p.trim().strip_prefix(name))?
            .parse()
            .ok()
    };
    let attempt = field("attempt=")?;
    let last = field("max=").is_some_and(|max| attempt >= max);
    Some((id, attempt, last))
}

/// For a retry, the time since its previous attempt's answer.
fn retry_wait(attempt: &Option<(String, u32, bool)>) -> Option<Duration> {
    let (id, _, _) = attempt.as_ref().filter(|(_, n, _)| *n > 1)?;
    let m = LAST_ANSWER.lock().unwrap_or_else(|e| e.into_inner());
    Some(m.get(id).map(Instant::elapsed).unwrap_or_default())
}

/// Remembers when an attempt that may be retried got its answer; forgets one that will not
/// be, or was the last (and answers older than ten minutes, whose invocation gave up).
fn answered(attempt: Option<(String, u32, bool)>, retryable: bool) {
    let Some((id, _, last)) = attempt else {
        return;
    };
    let mut m = LAST_ANSWER.lock().unwrap_or_else(|e| e.into_inner());
    if retryable && !last {
        if m.len() > 10_000 {
            m.retain(|_, t| t.elapsed() < Duration::from_secs(600));
        }
        m.insert(id, Instant::now());
    } else {
        m.remove(&id);
    }
}

/// Every count since the process started, per service, over every scope.
pub fn snapshot() -> BTreeMap<String, Counts> {
    let m = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let mut out: BTreeMap<String, Counts> = BTreeMap::new();
    for ((_, service), c) in m.iter() {
        out.entry(service.clone()).or_default().add(c);
    }
    out
}

/// Every count since the process started of the requests sent in one [`scoped`] future's
/// scope, per service.
pub fn snapshot_scope(scope: &str) -> BTreeMap<String, Counts> {
    let m = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    m.iter()
        .filter(|((s, _), _)| &**s == scope)
        .map(|((_, service), c)| (service.clone(), *c))
        .collect()
}

/// `after - before`, per service (services with no request left out).
pub fn delta(
    before: &BTreeMap<String, Counts>,
    after: &BTreeMap<String, Counts>,
) -> BTreeMap<String, Counts> {
    after
        .iter()
        .filter_map(|(s, a)| {
            let b = before.get(s).copied().unwrap_or_default();
            let d = Counts {
                requests: a.requests.saturating_sub(b.requests),
                throttled: a.throttled.saturating_sub(b.throttled),
                rate_limited_ms: a.rate_limited_ms.saturating_sub(b.rate_limited_ms),
                retries: a.retries.saturating_sub(b.retries),
                retry_wait_ms: a.retry_wait_ms.saturating_sub(b.retry_wait_ms),
            };
            (d.requests > 0).then(|| (s.clone(), d))
        })
        .collect()
}

/// One API family's client-side limit: a token bucket refilled at `per_second` that holds
/// at most `burst` tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second. Zero or less: no limit.
    pub per_second: f64,
    /// Requests that may go at once after a quiet spell.
    pub burst: u32,
}

impl RateLimit {
    /// `per_second` with a burst of one second's worth.
    pub fn per_second(per_second: f64) -> RateLimit {
        RateLimit {
            per_second,
            burst: per_second.ceil().max(1.0) as u32,
        }
    }

    fn quota(&self) -> Option<Quota> {
        if self.per_second.is_nan() || self.per_second <= 0.0 || !self.per_second.is_finite() {
            return None;
        }
        let period = Duration::from_secs_f64(1.0 / self.per_second);
        Quota::with_period(period)
            .map(|q| q.allow_burst(NonZeroU32::new(self.burst.max(1)).unwrap_or(NonZeroU32::MIN)))
    }
}

/// Client-side rate limits, per account and region: per API where AWS limits each API on
/// its own, per service (the SigV4 signing name: `ec2`, `iam`, `organizations`, ...) where
/// one limit covers them all.
///
/// The defaults are AWS's published request-rate quotas where AWS publishes them (see
/// [`DEFAULT_LIMITS`] and the README's "Rate limits"); where it does not, a guess that has
/// not been throttled in practice, with the SDK's adaptive retry behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimits {
    /// Per service: the limit of the whole service, or of each of its APIs when the service
    /// is in `per_api`.
    pub by_service: BTreeMap<String, RateLimit>,
    /// Per API (`organizations:DescribeOrganization`): its own bucket and limit.
    pub by_api: BTreeMap<String, RateLimit>,
    /// Services whose APIs each have a bucket of their own (AWS throttles them per API).
    pub per_api: Vec<String>,
    /// For services not listed.
    pub default: RateLimit,
}

const fn limit(per_second: f64, burst: u32) -> RateLimit {
    RateLimit { per_second, burst }
}

/// Per service: (signing name, limit, whether each API has its own bucket of that size),
/// from AWS's documentation (2026):
/// - `ec2`: "Request throttling for the Amazon EC2 API": each non-mutating action has its
///   own bucket of 100 that refills at 20 per second.
/// - `ecr`: "Amazon ECR service quotas" publishes rates for image push and pull APIs only;
///   ECR's troubleshooting guide ("Troubleshooting Amazon ECR" on throttling) says each API
///   is throttled on its own, with a token bucket its example sizes at a burst of 200
///   refilled at 20 per second: the auditor takes that for each read API.
/// - `elasticloadbalancing`: "Request throttling for the Elastic Load Balancing API": one
///   bucket of 40 refilling at 10 per second for the describe actions.
/// - `cloudtrail`: "Quotas in AWS CloudTrail": 10 transactions per second for the
///   describe, get and list APIs, without burst.
/// - `sts`: "IAM and AWS STS quotas": 600 requests per second per account and region
///   (shared by the account's other callers: the auditor takes a sixth).
/// - `organizations`: "Quotas and service limits for AWS Organizations", throttling: per
///   API (below, [`API_LIMITS`]), 4 per second for each of the others.
/// - `s3`: no per-account rate for bucket-level reads; 5,500 GET per second per prefix
///   ("Best practices design patterns: optimizing Amazon S3 performance") and every
///   bucket is its own: 200 per second, which S3 has never slowed.
/// - `iam`, `eks`, `guardduty`: no published rate; 10 per second (IAM's is global to the
///   account and known to be strict).
pub const DEFAULT_LIMITS: [(&str, RateLimit, bool); 10] = [
    ("ec2", limit(20.0, 100), true),
    ("ecr", limit(20.0, 200), true),
    ("elasticloadbalancing", limit(10.0, 40), false),
    ("cloudtrail", limit(10.0, 10), false),
    ("sts", limit(100.0, 100), false),
    ("organizations", limit(4.0, 8), true),
    ("s3", limit(200.0, 200), false),
    ("iam", limit(10.0, 20), false),
    ("eks", limit(10.0, 20), false),
    ("guardduty", limit(10.0, 20), false),
];

/// The services whose requests name their API (`X-Amz-Target` or the query `Action`), so
/// that one API can have a limit of its own; S3, EKS and GuardDuty are REST services,
/// limited per service only.
pub const API_NAMED: [&str; 7] = [
    "ec2",
    "ecr",
    "elasticloadbalancing",
    "cloudtrail",
    "sts",
    "organizations",
    "iam",
];

/// APIs with a published rate of their own ("Quotas and service limits for AWS
/// Organizations", throttling limits per account).
pub const API_LIMITS: [(&str, RateLimit); 5] = [
    ("organizations:DescribeOrganization", limit(1.0, 2)),
    ("organizations:ListAccounts", limit(8.0, 12)),
    ("organizations:ListAccountsForParent", limit(5.0, 8)),
    (
        "organizations:ListOrganizationalUnitsForParent",
        limit(5.0, 8),
    ),
    ("organizations:ListTagsForResource", limit(10.0, 15)),
];

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            by_service: DEFAULT_LIMITS
                .iter()
                .map(|(s, l, _)| ((*s).to_owned(), *l))
                .collect(),
            by_api: API_LIMITS
                .iter()
                .map(|(a, l)| ((*a).to_owned(), *l))
                .collect(),
            per_api: DEFAULT_LIMITS
                .iter()
                .filter(|(_, _, each)| *each)
                .map(|(s, _, _)| (*s).to_owned())
                .collect(),
            default: limit(10.0, 20),
        }
    }
}

impl RateLimits {
    /// No client-side limit at all (the SDK's adaptive retry still backs off).
    pub fn unlimited() -> RateLimits {
        RateLimits {
            by_service: BTreeMap::new(),
            by_api: BTreeMap::new(),
            per_api: Vec::new(),
            default: limit(0.0, 1),
        }
    }

    /// The limit of one service (of each of its APIs when they are limited one by one).
    pub fn of(&self, service: &str) -> RateLimit {
        self.by_service
            .get(service)
            .copied()
            .unwrap_or(self.default)
    }

    /// The bucket a request of `service` (and `api`, when known) goes through: its name
    /// (`ec2:DescribeVpcs`, or `iam` for a whole service) and limit.
    pub fn bucket(&self, service: &str, api: Option<&str>) -> (String, RateLimit) {
        if let Some(api) = api {
            let name = format!("{service}:{api}");
            if let Some(l) = self.by_api.get(&name) {
                return (name, *l);
            }
            if self.per_api.iter().any(|s| s == service) {
                return (name, self.of(service));
            }
        }
        (service.to_owned(), self.of(service))
    }

    /// Every bucket a request goes through: its own ([`RateLimits::bucket`]), and the
    /// service's too when the service is limited as a whole and the API has its own (so
    /// that an API's own limit can only be stricter).
    pub fn buckets(&self, service: &str, api: Option<&str>) -> Vec<(String, RateLimit)> {
        let own = self.bucket(service, api);
        let shared = !self.per_api.iter().any(|s| s == service);
        if shared && own.0 != service {
            vec![own, (service.to_owned(), self.of(service))]
        } else {
            vec![own]
        }
    }

    /// Whether the API of a request of `service` matters to its buckets (else the request
    /// body is not read for it).
    pub fn wants_api(&self, service: &str) -> bool {
        self.per_api.iter().any(|s| s == service)
            || self
                .by_api
                .keys()
                .any(|k| k.split_once(':').is_some_and(|(s, _)| s == service))
    }

    /// Whether `key` names one API of a known service (`ecr:DescribeImages`), which may
    /// have a limit of its own.
    pub fn is_api_key(key: &str) -> bool {
        key.split_once(':').is_some_and(|(service, api)| {
            API_NAMED.contains(&service)
                && !api.is_empty()
                && api.bytes().all(|b| b.is_ascii_alphanumeric())
                && api.starts_with(|c: char| c.is_ascii_uppercase())
        })
    }

    /// The services that have a limit of their own.
    pub fn known_services() -> Vec<&'static str> {
        DEFAULT_LIMITS.iter().map(|(s, _, _)| *s).collect()
    }
}

/// The API a request calls, where the request names it: the `X-Amz-Target` header of
/// JSON-protocol services (ECR, CloudTrail, Organizations), or the `Action` of
/// query-protocol ones (EC2, IAM, STS, ELB). REST services (S3, EKS, GuardDuty) are
/// limited per service, so their API is not needed.
fn api_of(request: &HttpRequest) -> Option<String> {
    if let Some(t) = request.headers().get("x-amz-target") {
        return t.rsplit('.').next().map(str::to_owned);
    }
    let body = request.body().bytes()?;
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .filter(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned)
}

/// (account, region, bucket name) → its token bucket, `None` when it has no limit.
type Buckets = HashMap<(Arc<str>, String, String), Option<Arc<DefaultDirectRateLimiter>>>;

/// The token buckets, made on first use per (account, region, service).
#[derive(Debug)]
struct Limiters {
    limits: RateLimits,
    buckets: Mutex<Buckets>,
}

impl Limiters {
    /// The request's own bucket (`None`: no limit).
    #[cfg(test)]
    fn get(
        &self,
        scope: &Arc<str>,
        region: &str,
        service: &str,
        api: Option<&str>,
    ) -> Option<Arc<DefaultDirectRateLimiter>> {
        self.all(scope, region, service, api).into_iter().next()
    }

    /// Every bucket the request goes through ([`RateLimits::buckets`]) that has a limit.
    fn all(
        &self,
        scope: &Arc<str>,
        region: &str,
        service: &str,
        api: Option<&str>,
    ) -> Vec<Arc<DefaultDirectRateLimiter>> {
        let mut m = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        self.limits
            .buckets(service, api)
            .into_iter()
            .filter_map(|(name, limit)| {
                m.entry((scope.clone(), region.to_owned(), name))
                    .or_insert_with(|| limit.quota().map(|q| Arc::new(RateLimiter::direct(q))))
                    .clone()
            })
            .collect()
    }
}

/// The HTTP client that limits and counts, around the SDK's own.
pub(crate) fn wrap(inner: SharedHttpClient, limits: RateLimits) -> SharedHttpClient {
    SharedHttpClient::new(CountingClient {
        inner,
        limiters: Arc::new(Limiters {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }),
    })
}

#[derive(Debug)]
struct CountingClient {
    inner: SharedHttpClient,
    limiters: Arc<Limiters>,
}

impl HttpClient for CountingClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(CountingConnector {
            inner: self.inner.http_connector(settings, components),
            limiters: self.limiters.clone(),
        })
    }
}

#[derive(Debug)]
struct CountingConnector {
    inner: SharedHttpConnector,
    limiters: Arc<Limiters>,
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/ec2/aws4_request, ...` →
/// (`eu-west-1`, `ec2`).
fn scope_of(request: &HttpRequest) -> (String, String) {
    let parts: Vec<&str> = request
        .headers()
        .get("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split(',').next())
        .map(|c| c.split('/').collect())
        .unwrap_or_default();
    match (parts.get(2), parts.get(3)) {
        (Some(r), Some(s)) => ((*r).to_owned(), (*s).to_owned()),
        _ => (String::new(), "unsigned".to_owned()),
    }
}

impl HttpConnector for CountingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let (region, service) = scope_of(&request);
        let scope = current_scope();
        let api = if self.limiters.limits.wants_api(&service) {
            api_of(&request)
        } else {
            None
        };
        let buckets = self.limiters.all(&scope, &region, &service, api.as_deref());
        let inner = self.inner.clone();
        let attempt = attempt_of(&request);
        HttpConnectorFuture::new(async move {
            let retry = retry_wait(&attempt);
            let started = Instant::now();
            for b in &buckets {
                b.until_ready().await;
            }
            let waited = started.elapsed();
            let result = readable(&service, inner.call(request).await).await;
            let throttled = result.as_ref().is_ok_and(|r| {
                let status = r.status().as_u16();
                let typed = r
                    .headers()
                    .get("x-amzn-errortype")
                    .is_some_and(|t| t.starts_with("Throttling") || t.contains("LimitExceeded"));
                // Query-protocol services (IAM, STS, EC2) name it only in the body, which
                // `readable` has buffered.
                let coded = r.body().bytes().is_some_and(|b| {
                    [
                        &b"<Code>Throttling"[..],
                        b"<Code>RequestLimitExceeded",
                        b"<Code>TooManyRequests",
                    ]
                    .iter()
                    .any(|c| b.windows(c.len()).any(|w| w == *c))
                });
                status == 429 || status == 503 || typed || (status == 400 && coded)
            });
            // Throttling, server errors and dropped connections are what the SDK retries.
            let retryable = throttled
                || result
                    .as_ref()
                    .map_or(true, |r| r.status().is_server_error());
            answered(attempt, retryable);
            add(scope, service, throttled, waited, retry);
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_stricter_for_iam_and_organizations_than_for_ec2() {
        let l = RateLimits::default();
        assert!(l.of("iam").per_second < l.of("ec2").per_second);
        assert!(l.of("organizations").per_second < l.of("iam").per_second);
        assert_eq!(l.of("unknown-service"), l.default);
        assert!(RateLimits::unlimited().of("ec2").quota().is_none());
        assert!(RateLimit::per_second(0.0).quota().is_none());
        assert_eq!(RateLimit::per_second(2.5).burst, 3);
    }

    #[test]
    fn a_bucket_holds_requests_beyond_its_burst_and_buckets_are_per_account_and_region() {
        let limits = RateLimits {
            by_service: [(
                "iam".to_owned(),
                RateLimit {
                    per_second: 0.5,
                    burst: 2,
                },
            )]
            .into(),
            default: RateLimit::per_second(0.0),
            ..RateLimits::unlimited()
        };
        let l = Limiters {
            limits,
            buckets: Mutex::new(HashMap::new()),
        };
        let a: Arc<str> = Arc::from("111111111111");
        let b: Arc<str> = Arc::from("222222222222");
        let iam_a = l.get(&a, "us-east-1", "iam", None).unwrap();
        // The burst goes at once; the third request must wait (a token every 2 s).
        assert!(iam_a.check().is_ok() && iam_a.check().is_ok());
        assert!(iam_a.check().is_err(), "the third request is held");
        // The same bucket is found again for the same account, region and service...
        assert!(l
            .get(&a, "us-east-1", "iam", None)
            .unwrap()
            .check()
            .is_err());
        // ...while another account, or another region, has a full bucket of its own.
        assert!(l.get(&b, "us-east-1", "iam", None).unwrap().check().is_ok());
        assert!(l.get(&a, "eu-west-1", "iam", None).unwrap().check().is_ok());
        // A service without a limit has no bucket.
        assert!(l.get(&a, "us-east-1", "ec2", None).is_none());
    }

    #[test]
    fn apis_aws_limits_one_by_one_have_buckets_of_their_own() {
        let l = Limiters {
            limits: RateLimits::default(),
            buckets: Mutex::new(HashMap::new()),
        };
        let a: Arc<str> = Arc::from("111111111111");
        let get = |service, api| l.get(&a, "us-east-1", service, api).unwrap();
        // EC2 and ECR: each API its own bucket (AWS throttles them per API).
        let vpcs = get("ec2", Some("DescribeVpcs"));
        assert!(!Arc::ptr_eq(&vpcs, &get("ec2", Some("DescribeSubnets"))));
        assert!(Arc::ptr_eq(&vpcs, &get("ec2", Some("DescribeVpcs"))));
        assert!(!Arc::ptr_eq(
            &get("ecr", Some("DescribeImages")),
            &get("ecr", Some("GetLifecyclePolicy"))
        ));
        // IAM and ELB: one bucket for the service, as AWS's.
        assert!(Arc::ptr_eq(
            &get("iam", Some("GetPolicy")),
            &get("iam", Some("GetPolicyVersion"))
        ));
        assert!(Arc::ptr_eq(
            &get("elasticloadbalancing", Some("DescribeListeners")),
            &get("elasticloadbalancing", None)
        ));
        // Organizations: DescribeOrganization's published 1 per second, burst 2.
        let d = RateLimits::default();
        assert_eq!(
            d.bucket("organizations", Some("DescribeOrganization")).1,
            RateLimit {
                per_second: 1.0,
                burst: 2
            }
        );
        // An API with its own limit in a service limited as a whole takes from both.
        let mut strict = RateLimits::default();
        strict.by_api.insert(
            "iam:GetPolicy".into(),
            RateLimit {
                per_second: 1.0,
                burst: 1,
            },
        );
        assert_eq!(
            strict
                .buckets("iam", Some("GetPolicy"))
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>(),
            ["iam:GetPolicy", "iam"]
        );
        assert_eq!(strict.buckets("ec2", Some("DescribeVpcs")).len(), 1);
        assert!(RateLimits::is_api_key("ecr:DescribeImages"));
        assert!(
            !RateLimits::is_api_key("s3:GetBucketPolicy"),
            "REST: not told apart"
        );
        let o = get("organizations", Some("DescribeOrganization"));
        assert!(o.check().is_ok() && o.check().is_ok() && o.check().is_err());
        assert!(get("organizations", Some("ListRoots")).check().is_ok());
    }

    #[test]
    fn the_api_is_read_from_the_target_header_or_the_query_action() {
        let req = |target: Option<&str>, body: &str| {
            let mut r = HttpRequest::new(aws_smithy_types::body::SdkBody::from(body.to_owned()));
            if let Some(t) = target {
                r.headers_mut().insert("x-amz-target", t.to_owned());
            }
            r
        };
        assert_eq!(
            api_of(&req(
                Some("AmazonEC2ContainerRegistry_V20150921.DescribeImages"),
                "{}"
            ))
            .as_deref(),
            Some("DescribeImages")
        );
        assert_eq!(
            api_of(&req(
                None,
                "Action=DescribeSecurityGroups&Version=2016-11-15"
            ))
            .as_deref(),
            Some("DescribeSecurityGroups")
        );
        assert_eq!(api_of(&req(None, "")), None);
        assert_eq!(api_of(&req(None, "Action=%3Cx%3E")), None);
    }

    #[test]
    fn delta_keeps_only_services_that_sent_requests() {
        let c = |r, t| Counts {
            requests: r,
            throttled: t,
            ..Counts::default()
        };
        let before: BTreeMap<String, Counts> = [("iam".to_owned(), c(5, 1))].into();
        let after: BTreeMap<String, Counts> =
            [("iam".to_owned(), c(5, 1)), ("ec2".to_owned(), c(3, 0))].into();
        let d = delta(&before, &after);
        assert_eq!(d.len(), 1);
        assert_eq!(d["ec2"], c(3, 0));
    }

    #[test]
    fn a_retry_is_known_by_its_invocation_and_attempt_and_waits_from_the_last_answer() {
        let req = |attempt: u32| {
            let mut r = HttpRequest::get("https://ec2.eu-west-1.amazonaws.com/").unwrap();
            r.headers_mut()
                .insert("amz-sdk-invocation-id", "3d0c1b7e-retry-test");
            r.headers_mut()
                .insert("amz-sdk-request", format!("attempt={attempt}; max=3"));
            r
        };
        let first = attempt_of(&req(1));
        assert_eq!(first, Some(("3d0c1b7e-retry-test".to_owned(), 1, false)));
        assert_eq!(retry_wait(&first), None, "a first attempt is no retry");
        answered(first, true);
        std::thread::sleep(Duration::from_millis(30));
        let second = attempt_of(&req(2));
        let wait = retry_wait(&second).expect("the second attempt is a retry");
        assert!(wait >= Duration::from_millis(30), "{wait:?}");
        // An answer that will not be retried is forgotten.
        answered(second.clone(), false);
        assert_eq!(retry_wait(&second), Some(Duration::ZERO));
        assert_eq!(attempt_of(&HttpRequest::get("https://x/").unwrap()), None);
        // The last attempt's answer is not kept: nothing will retry it.
        let third = attempt_of(&req(3));
        assert_eq!(third.as_ref().map(|a| a.2), Some(true));
        answered(third.clone(), true);
        assert_eq!(retry_wait(&third), Some(Duration::ZERO));
    }
}
