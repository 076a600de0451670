//! The daemon's HTTP side (axum): `/` (the review report of the latest run, HTML),
//! `/healthz`, `/readyz`, `/metrics` (Prometheus text format 0.0.4) and a read-only JSON
//! API over the store: `/api/runs`, `/api/runs/{id}`,
//! `/api/findings?status=open&severity=high&account=...`.
//!
//! When a token is configured (required off loopback), every path but the probes
//! (`/healthz`, `/readyz`) needs it: `Authorization: Bearer <token>` (the scheme in any
//! case), or, from a browser, as the password of HTTP Basic authentication.
//!
//! Clients cannot hold the daemon: connections are served by hyper with a header-read
//! timeout ([`HEADER_TIMEOUT`], also the idle time of a kept-alive connection), at most
//! [`MAX_CONNECTIONS`] at once (more are closed on accept), each for at most
//! [`MAX_CONNECTION_AGE`]; at most [`MAX_REQUESTS`] requests are handled at once (more get
//! 503 with `Retry-After`), each within [`REQUEST_TIMEOUT`]. On stop, connections get
//! [`SHUTDOWN_GRACE`] to finish. A run's report is streamed from the file the daemon wrote,
//! not rebuilt under the store's lock.

use crate::state::Shared;
use crate::stored::lock;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures::StreamExt as _;
use serde::Deserialize;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

/// Time a client has to send a request's headers (and a kept-alive connection may idle).
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more are closed as they are accepted.
pub(crate) const MAX_CONNECTIONS: usize = 64;
/// Longest a connection is served, however busy.
pub(crate) const MAX_CONNECTION_AGE: Duration = Duration::from_secs(300);
/// Requests handled at once; more are answered 503 at once.
pub(crate) const MAX_REQUESTS: usize = 16;
/// Longest a request's handler may take.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Time connections get to finish when the daemon stops.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `stop` turns true, then lets connections finish for
/// [`SHUTDOWN_GRACE`] and drops the rest.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    mut stop: watch::Receiver<bool>,
) {
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: pause rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(MAX_CONNECTION_AGE, conn).await;
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

/// The routes.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(review))
        .route("/metrics", get(metrics))
        .route("/api/runs", get(runs))
        .route("/api/runs/{id}", get(run))
        .route("/api/findings", get(findings))
        .route("/api/rounds", get(rounds))
        .layer(middleware::from_fn_with_state(shared.clone(), auth))
        // Probes need no token: they reveal no finding.
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .layer(middleware::from_fn_with_state(
            Arc::new(Semaphore::new(MAX_REQUESTS)),
            limit,
        ))
        .with_state(shared)
}

/// At most [`MAX_REQUESTS`] requests at once, each within [`REQUEST_TIMEOUT`].
async fn limit(State(slots): State<Arc<Semaphore>>, req: Request, next: Next) -> Response {
    let Ok(_slot) = slots.try_acquire() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "busy: too many requests at once\n",
        )
            .into_response();
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the request took too long\n",
        )
            .into_response(),
    }
}

/// The token layer. A browser that logged in with Basic sends the token with every request
/// to the daemon by itself: that is safe only while every route behind it is a read (GET)
/// that changes nothing. A route that changes state must not be added behind this layer.
async fn auth(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if !authorized(s.token.as_deref(), req.headers()) {
        // A browser (the review report at `/`) answers the Basic challenge with a login
        // dialog; API clients send the bearer token.
        let mut r = (
            StatusCode::UNAUTHORIZED,
            "the token is required: `Authorization: Bearer <token>`, or as the password of HTTP Basic authentication\n",
        )
            .into_response();
        let h = r.headers_mut();
        h.append(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        h.append(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"auditor\", charset=\"UTF-8\""),
        );
        return r;
    }
    next.run(req).await
}

/// Whether the request holds the token (always, when none is configured): as a bearer
/// token, or as the password of HTTP Basic authentication (any user name).
fn authorized(token: Option<&str>, headers: &axum::http::HeaderMap) -> bool {
    let Some(token) = token else {
        return true;
    };
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let presented = bearer(value)
        .map(str::to_owned)
        .or_else(|| basic_password(value));
    presented.is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes()))
}

/// The credentials of an `Authorization: Bearer <token>` header; the scheme is
/// case-insensitive (RFC 9110, section 11.1), and more than one space may follow it.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim_start())
}

/// The password of an `Authorization: Basic <base64(user:password)>` header (RFC 7617).
fn basic_password(value: &str) -> Option<String> {
    use base64::Engine as _;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.split_once(':').map(|(_, p)| p.to_owned())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Runs `f` with the store on tokio's blocking pool: a store busy with a run's commit (which
/// may wait out another writer) then holds a blocking thread, never an async worker that
/// accepts connections and answers `/healthz`.
async fn with_store<T: Send + 'static>(
    s: &Arc<Shared>,
    f: impl FnOnce(&auditor_store::Store) -> T + Send + 'static,
) -> Result<T, Response> {
    let s = s.clone();
    tokio::task::spawn_blocking(move || f(&lock(&s.store)))
        .await
        .map_err(internal)
}

fn internal(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response()
}

/// Ready when the scheduler is alive (it woke within the last minutes, or the run it is
/// on is within its deadline) and the store is writable; 503 otherwise. A failed audit does
/// not make the daemon unready (that is what the runs' metrics are for). The body says
/// what was found, and the last status per account; it holds no finding.
async fn readyz(State(s): State<Arc<Shared>>, headers: axum::http::HeaderMap) -> Response {
    let last = lock(&s.metrics).last_status.clone();
    let current = lock(&s.current).clone();
    let tick = lock(&s.scheduler_tick).elapsed();
    let overdue = current
        .as_ref()
        .zip(s.deadline)
        .is_some_and(|(c, d)| c.since.elapsed() > d);
    let scheduler = if overdue {
        Err("the run in progress is past its deadline".to_owned())
    } else if current.is_none() && tick > crate::state::SCHEDULER_TICK * 4 {
        Err(format!(
            "the scheduler has not woken for {}s",
            tick.as_secs()
        ))
    } else {
        Ok(())
    };
    let at = s.store_at.clone();
    let store = tokio::task::spawn_blocking(move || auditor_store::Store::probe_writable_at(&at))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    let ok = scheduler.is_ok() && store.is_ok();
    let running = current.map(|c| {
        serde_json::json!({"run": c.id, "account": c.account, "seconds": c.since.elapsed().as_secs(), "overdue": overdue})
    });
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    // A probe without the token learns only the answer; the details (accounts, the store's
    // path) are for the token's holder.
    let trusted = authorized(s.token.as_deref(), &headers);
    if !trusted {
        return (code, Json(serde_json::json!({ "ready": ok }))).into_response();
    }
    let body = serde_json::json!({
        "ready": ok,
        "scheduler": scheduler.err().unwrap_or_else(|| "alive".into()),
        "store": store.err().unwrap_or_else(|| "writable".into()),
        "last_run": last,
        "running": running,
    });
    (code, Json(body)).into_response()
}

/// `/api/rounds`: the newest rounds (10) and where each stands, and the newest round's
/// accounts with their state and holder. Any replica answers for all: it is read from the
/// shared database. 404 when the store is not PostgreSQL (there are no rounds).
async fn rounds(State(s): State<Arc<Shared>>) -> Response {
    let auditor_store::Location::Postgres(url) = &s.store_at else {
        return (
            StatusCode::NOT_FOUND,
            "no rounds: the daemon's store is not PostgreSQL (daemon.store = \"postgres://...\")\n",
        )
            .into_response();
    };
    let (replica, overview) = match crate::replicas::view(&s, url, 10).await {
        Ok(v) => v,
        Err(e) => return internal(e),
    };
    Json(serde_json::json!({
        "replica": replica,
        "rounds": overview.rounds,
        "latest_accounts": overview.latest_accounts,
    }))
    .into_response()
}

async fn runs(State(s): State<Arc<Shared>>) -> Response {
    match with_store(&s, |st| st.runs(None)).await {
        Ok(Ok(r)) => Json(r).into_response(),
        Ok(Err(e)) => internal(e),
        Err(r) => r,
    }
}

/// `{"run": <row>, "report": <v1 report or null>}`. The report is streamed from the file
/// the daemon wrote at the end of the run; only a run without one (recorded by `audit
/// --store`) has it built, from the stored result, after the store's lock is released.
async fn run(State(s): State<Arc<Shared>>, Path(id): Path<i64>) -> Response {
    let row = match with_store(&s, move |st| st.run(id)).await {
        Ok(Ok(Some(r))) => r,
        Ok(Ok(None)) => return (StatusCode::NOT_FOUND, format!("no run {id}\n")).into_response(),
        Ok(Err(e)) => return internal(e),
        Err(r) => return r,
    };
    let head = format!(
        "{{\"run\":{},\"report\":",
        serde_json::to_string(&row).unwrap_or_else(|_| "null".into())
    );
    let file = time::OffsetDateTime::parse(
        &row.started_at,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
    .filter(|_| row.status == "complete")
    .map(|t| {
        crate::state::report_path(
            &s.reports_dir,
            &row.account,
            &crate::state::report_stamp(t),
            id,
        )
    });
    if let Some(f) = file {
        if let Ok(file) = tokio::fs::File::open(&f).await {
            // The file is replaced by rename, never rewritten: its length holds while read.
            let Ok(len) = file.metadata().await.map(|m| m.len()) else {
                return internal(format!("cannot read {}", f.display()));
            };
            let total = head.len() as u64 + len + 1;
            let body =
                futures::stream::iter([Ok::<_, std::io::Error>(axum::body::Bytes::from(head))])
                    .chain(file_chunks(file))
                    .chain(futures::stream::iter([Ok(axum::body::Bytes::from_static(
                        b"}",
                    ))]));
            return (
                [
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                    (header::CONTENT_LENGTH, total.to_string()),
                ],
                axum::body::Body::from_stream(body),
            )
                .into_response();
        }
    }
    // Built outside the store's lock, on the blocking pool.
    let report = match with_store(&s, move |st| st.result(id).ok()).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let report = tokio::task::spawn_blocking(move || {
        report
            .map(|r| auditor_report::json_v1::to_json(&r))
            .unwrap_or_else(|| "null".into())
    })
    .await
    .unwrap_or_else(|_| "null".into());
    (
        [(header::CONTENT_TYPE, "application/json")],
        format!("{head}{report}}}"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct ReviewQuery {
    account: Option<String>,
    run: Option<i64>,
}

/// `/`: the review report (HTML) of the latest complete run, of `?account=ID` or of any
/// account (or of run `?run=N`), with what changed since that account's run before. When the store holds more
/// than one account, the page starts with links to the others. Built from the store on
/// the blocking pool; 404 before the first complete run.
async fn review(State(s): State<Arc<Shared>>, Query(q): Query<ReviewQuery>) -> Response {
    let wanted = q.account.clone();
    let run = q.run;
    let found = with_store(&s, move |st| -> Result<_, String> {
        let runs = st.runs(None).map_err(|e| e.to_string())?;
        let complete: Vec<&auditor_store::RunRow> =
            runs.iter().filter(|r| r.status == "complete").collect();
        let mut accounts: Vec<String> = complete.iter().map(|r| r.account.clone()).collect();
        accounts.sort();
        accounts.dedup();
        let Some(latest) = complete.iter().find(|r| {
            wanted.as_deref().is_none_or(|a| r.account == a) && run.is_none_or(|id| r.id == id)
        }) else {
            return Ok(None);
        };
        let result = st.result(latest.id).map_err(|e| e.to_string())?;
        // A previous run that cannot be read costs the page its changes, not the page.
        let changes = crate::stored::changes(st, latest.id, &result).ok();
        Ok(Some((result, changes, accounts)))
    })
    .await;
    let (result, changes, accounts) = match found {
        Ok(Ok(Some(v))) => v,
        Ok(Ok(None)) => {
            let which = match (q.run, q.account.as_deref()) {
                (Some(id), _) => format!(" {id}"),
                (None, Some(a)) => format!(" of account {}", auditor_model::text::escape_line(a)),
                (None, None) => String::new(),
            };
            return (
                StatusCode::NOT_FOUND,
                format!("no complete run{which} yet: the review report appears after the first\n"),
            )
                .into_response();
        }
        Ok(Err(e)) => return internal(e),
        Err(r) => return r,
    };
    let page = tokio::task::spawn_blocking(move || {
        let mut page = auditor_report::html::to_html(&result, changes.as_ref());
        let others: Vec<&String> = accounts
            .iter()
            .filter(|a| **a != result.account_id && a.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        if !others.is_empty() {
            let links: Vec<String> = others
                .iter()
                .map(|a| format!("<a href=\"?account={a}\">{a}</a>"))
                .collect();
            let nav = format!(
                "<nav class=\"accounts\">Other accounts' latest reviews: {}</nav>\n",
                links.join(", ")
            );
            if let Some(at) = page.find("<body>\n") {
                page.insert_str(at + "<body>\n".len(), &nav);
            }
        }
        page
    })
    .await;
    match page {
        Ok(page) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                ),
                (header::CACHE_CONTROL, "no-store"),
                (header::REFERRER_POLICY, "no-referrer"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            page,
        )
            .into_response(),
        Err(e) => internal(e),
    }
}

/// A file's bytes as a stream of 64 KiB chunks.
fn file_chunks(
    file: tokio::fs::File,
) -> impl futures::Stream<Item = std::io::Result<axum::body::Bytes>> {
    futures::stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(axum::body::Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
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
    let (account, status) = (q.account.clone(), q.status.clone());
    let found = with_store(&s, move |st| {
        st.issues(account.as_deref(), status.as_deref(), severity)
    })
    .await;
    match found {
        Err(r) => r,
        Ok(Err(e)) => internal(e),
        Ok(Ok(issues)) => Json(
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
        "auditor_last_run",
        "gauge",
        "1 for the status of each account's last run (complete, failed, aborted, not_assessed).",
    );
    for (account, status) in &m.last_status {
        let _ = writeln!(
            out,
            "auditor_last_run{{account=\"{}\",status=\"{}\"}} 1",
            label(account),
            label(status)
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
    if let Some(r) = &m.replica {
        let replica = label(&r.name);
        for (name, kind, help, v) in [
            ("auditor_replica_leases_held", "gauge", "Accounts this replica holds a lease on right now.", r.leases_held),
            ("auditor_replica_accounts_audited_total", "counter", "Accounts of a round this replica audited to the end (complete or failed).", r.accounts_audited),
            ("auditor_replica_lease_takeovers_total", "counter", "Accounts this replica took over from a replica that stopped renewing its lease.", r.takeovers),
            ("auditor_replica_leases_lost_total", "counter", "Accounts taken from this replica while it audited them (it was paused past its lease); their runs are aborted.", r.leases_lost),
            ("auditor_replica_rounds_opened_total", "counter", "Rounds this replica opened (the schedule is decided by one replica each time).", r.rounds_opened),
        ] {
            family_into(&mut out, name, kind, help);
            let _ = writeln!(out, "{name}{{replica=\"{replica}\"}} {v}");
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_nothing_else_passes() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("BEARER   abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearerabc"), None);
        assert_eq!(bearer("abc"), None);
    }

    #[test]
    fn a_browser_may_give_the_token_as_the_basic_password() {
        let token = "a".repeat(8) + "Zx9-Qw3_Lp7.Rt5~Mn2+Kv8/Hj4";
        let with = |v: String| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(header::AUTHORIZATION, v.parse().expect("header"));
            h
        };
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert!(authorized(
            Some(&token),
            &with(format!("Basic {}", b64(&format!("anyone:{token}"))))
        ));
        assert!(authorized(Some(&token), &with(format!("bearer {token}"))));
        assert!(!authorized(
            Some(&token),
            &with(format!("Basic {}", b64(&format!("{token}:x"))))
        ));
        assert!(!authorized(Some(&token), &with("Basic not-base64!".into())));
        assert!(!authorized(Some(&token), &axum::http::HeaderMap::new()));
        assert!(authorized(None, &axum::http::HeaderMap::new()));
    }
}
