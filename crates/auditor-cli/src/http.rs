//! The daemon's HTTP side (axum): `/healthz`, `/readyz`, `/metrics` (Prometheus text
//! format 0.0.4) and a read-only JSON API over the store: `/api/runs`, `/api/runs/{id}`,
//! `/api/findings?status=open&severity=high&account=...`.
//!
//! When a token is configured (required off loopback), every path but `/healthz` needs
//! `Authorization: Bearer <token>`.

use crate::state::Shared;
use crate::stored::lock;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use std::fmt::Write as _;
use std::sync::Arc;

/// The routes.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/api/runs", get(runs))
        .route("/api/runs/{id}", get(run))
        .route("/api/findings", get(findings))
        .layer(middleware::from_fn_with_state(shared.clone(), auth))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(shared)
}

async fn auth(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if let Some(token) = &s.token {
        let ok = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()));
        if !ok {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "a bearer token is required\n",
            )
                .into_response();
        }
    }
    next.run(req).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn internal(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
}

/// Ready when every account's last run completed (or none has run yet); 503 otherwise,
/// with the last status per account.
async fn readyz(State(s): State<Arc<Shared>>) -> Response {
    let last = lock(&s.metrics).last_status.clone();
    let ok = last.values().all(|st| st == "complete");
    let body = serde_json::json!({"ready": ok, "last_run": last});
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn runs(State(s): State<Arc<Shared>>) -> Response {
    match lock(&s.store).runs(None) {
        Ok(r) => Json(r).into_response(),
        Err(e) => internal(e),
    }
}

async fn run(State(s): State<Arc<Shared>>, Path(id): Path<i64>) -> Response {
    let store = lock(&s.store);
    let row = match store.run(id) {
        Ok(Some(r)) => r,
        Ok(None) => return (StatusCode::NOT_FOUND, format!("no run {id}\n")).into_response(),
        Err(e) => return internal(e),
    };
    let report = store
        .result(id)
        .ok()
        .map(|r| auditor_report::json_v1::build(&r));
    Json(serde_json::json!({"run": row, "report": report})).into_response()
}

#[derive(Deserialize)]
struct FindingQuery {
    status: Option<String>,
    severity: Option<String>,
    account: Option<String>,
}

async fn findings(State(s): State<Arc<Shared>>, Query(q): Query<FindingQuery>) -> Response {
    if let Some(st) = q
        .status
        .as_deref()
        .filter(|s| !["open", "unknown", "resolved"].contains(s))
    {
        return (
            StatusCode::BAD_REQUEST,
            format!("status '{st}': expected open, unknown or resolved\n"),
        )
            .into_response();
    }
    // As the store spells it (`high`), whatever the caller's case.
    let severity = match q.severity.as_deref() {
        None => None,
        Some(sev) => match sev.parse::<auditor_model::Severity>() {
            Ok(v) => Some(v.as_str()),
            Err(_) => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("severity '{sev}': expected info, low, medium, high or critical\n"),
                )
                    .into_response()
            }
        },
    };
    match lock(&s.store).issues(q.account.as_deref(), q.status.as_deref(), severity) {
        Ok(issues) => Json(
            issues
                .into_iter()
                .map(|i| {
                    let state = i.state();
                    let mut v = serde_json::to_value(&i).unwrap_or_default();
                    v["status"] = state.into();
                    v
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => internal(e),
    }
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    let m = lock(&s.metrics);
    let mut out = String::new();
    family_into(
        &mut out,
        "auditor_runs_total",
        "counter",
        "Audit runs by account and outcome (complete, failed, aborted).",
    );
    for ((account, status), n) in &m.runs {
        let _ = writeln!(
            out,
            "auditor_runs_total{{account=\"{}\",status=\"{}\"}} {n}",
            label(account),
            label(status)
        );
    }
    family_into(
        &mut out,
        "auditor_run_duration_seconds",
        "summary",
        "Wall time of complete runs.",
    );
    for (account, (sum, count)) in &m.duration {
        let a = label(account);
        let _ = writeln!(
            out,
            "auditor_run_duration_seconds_sum{{account=\"{a}\"}} {sum}"
        );
        let _ = writeln!(
            out,
            "auditor_run_duration_seconds_count{{account=\"{a}\"}} {count}"
        );
    }
    family_into(
        &mut out,
        "auditor_last_success_timestamp_seconds",
        "gauge",
        "UNIX time of the account's last complete run.",
    );
    for (account, t) in &m.last_success {
        let _ = writeln!(
            out,
            "auditor_last_success_timestamp_seconds{{account=\"{}\"}} {t}",
            label(account)
        );
    }
    family_into(
        &mut out,
        "auditor_findings",
        "gauge",
        "Findings of the account's last complete run, by severity and status (fail, suppressed, pass, not_assessed).",
    );
    for (account, by) in &m.findings {
        for ((severity, status), n) in by {
            let _ = writeln!(
                out,
                "auditor_findings{{account=\"{}\",severity=\"{}\",status=\"{}\"}} {n}",
                label(account),
                label(severity),
                label(status)
            );
        }
    }
    family_into(
        &mut out,
        "auditor_api_requests_total",
        "counter",
        "AWS API requests sent by the audits, retries included, by service.",
    );
    for (account, by) in &m.api {
        for (service, c) in by {
            let _ = writeln!(
                out,
                "auditor_api_requests_total{{account=\"{}\",service=\"{}\"}} {}",
                label(account),
                label(service),
                c.requests
            );
        }
    }
    family_into(
        &mut out,
        "auditor_api_throttled_total",
        "counter",
        "AWS answers that throttled the audits (HTTP 429/503, Throttling*, *LimitExceeded), by service.",
    );
    for (account, by) in &m.api {
        for (service, c) in by {
            let _ = writeln!(
                out,
                "auditor_api_throttled_total{{account=\"{}\",service=\"{}\"}} {}",
                label(account),
                label(service),
                c.throttled
            );
        }
    }
    family_into(
        &mut out,
        "auditor_api_rate_limited_seconds_total",
        "counter",
        "Time the audits' requests waited for the client-side rate limit (aws.rate_limits), by service.",
    );
    for (account, by) in &m.api {
        for (service, c) in by {
            let _ = writeln!(
                out,
                "auditor_api_rate_limited_seconds_total{{account=\"{}\",service=\"{}\"}} {}",
                label(account),
                label(service),
                c.rate_limited_ms as f64 / 1000.0
            );
        }
    }
    family_into(
        &mut out,
        "auditor_api_retries_total",
        "counter",
        "The SDK's retries of throttled, failed or dropped requests, by service.",
    );
    for (account, by) in &m.api {
        for (service, c) in by {
            let _ = writeln!(
                out,
                "auditor_api_retries_total{{account=\"{}\",service=\"{}\"}} {}",
                label(account),
                label(service),
                c.retries
            );
        }
    }
    family_into(
        &mut out,
        "auditor_api_retry_wait_seconds_total",
        "counter",
        "Time from failed attempts' answers to their retries (SDK back-off, adaptive slow-down), by service.",
    );
    for (account, by) in &m.api {
        for (service, c) in by {
            let _ = writeln!(
                out,
                "auditor_api_retry_wait_seconds_total{{account=\"{}\",service=\"{}\"}} {}",
                label(account),
                label(service),
                c.retry_wait_ms as f64 / 1000.0
            );
        }
    }
    family_into(
        &mut out,
        "auditor_org_listing_failures_total",
        "counter",
        "Rounds in which the organisation's accounts could not be listed (accounts = \"org\").",
    );
    let _ = writeln!(
        out,
        "auditor_org_listing_failures_total {}",
        m.org_listing_failures
    );
    family_into(
        &mut out,
        "auditor_coverage_gaps",
        "gauge",
        "API calls of the account's last complete run that returned no data, by service and kind (access_denied, throttled, ...).",
    );
    for (account, by) in &m.gaps {
        for ((service, kind), n) in by {
            let _ = writeln!(
                out,
                "auditor_coverage_gaps{{account=\"{}\",service=\"{}\",kind=\"{}\"}} {n}",
                label(account),
                label(service),
                label(kind)
            );
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

fn family_into(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}
