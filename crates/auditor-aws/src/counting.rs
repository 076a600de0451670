//! Counting AWS requests and throttled answers per service, for the daemon's `/metrics`
//! (and the benchmark). The SDK's HTTP client is wrapped once in [`load_base_config`]
//! (crate::load_base_config): every request any client sends passes here, retries included.
//! The service comes from the SigV4 credential scope, as AWS reads it. An answer counts as
//! throttled when it is HTTP 429, HTTP 503, or typed `Throttling*`/`*LimitExceeded` in its
//! `x-amzn-ErrorType` header.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Requests and throttled answers of one service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Requests sent (each retry counts).
    pub requests: u64,
    /// Answers that said "slow down".
    pub throttled: u64,
}

static COUNTS: Mutex<BTreeMap<String, Counts>> = Mutex::new(BTreeMap::new());

fn add(service: &str, throttled: bool) {
    let mut m = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let c = m.entry(service.to_owned()).or_default();
    c.requests += 1;
    c.throttled += u64::from(throttled);
}

/// Every count since the process started, per service.
pub fn snapshot() -> BTreeMap<String, Counts> {
    COUNTS.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The HTTP client that counts, around the SDK's own.
pub(crate) fn wrap(inner: SharedHttpClient) -> SharedHttpClient {
    SharedHttpClient::new(CountingClient { inner })
}

#[derive(Debug)]
struct CountingClient {
    inner: SharedHttpClient,
}

impl HttpClient for CountingClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(CountingConnector {
            inner: self.inner.http_connector(settings, components),
        })
    }
}

#[derive(Debug)]
struct CountingConnector {
    inner: SharedHttpConnector,
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20261122/eu-west-1/ec2/aws4_request, ...` → `ec2`.
fn service_of(request: &HttpRequest) -> String {
    request
        .headers()
        .get("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split(',').next())
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("unsigned")
        .to_owned()
}

impl HttpConnector for CountingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let service = service_of(&request);
        let fut = self.inner.call(request);
        HttpConnectorFuture::new(async move {
            let result = fut.await;
            let throttled = result.as_ref().is_ok_and(|r| {
                let status = r.status().as_u16();
                let typed = r
                    .headers()
                    .get("x-amzn-errortype")
                    .is_some_and(|t| t.starts_with("Throttling") || t.contains("LimitExceeded"));
                status == 429 || status == 503 || typed
            });
            add(&service, throttled);
            result
        })
    }
}
