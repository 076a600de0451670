//! Notifications: a run's issues that are new or failing again at or above a severity, and a
//! run that failed, announced to webhooks (`[[notify]]`: a generic JSON body, or Slack's
//! incoming-webhook format). Each is retried with back-off; an issue is announced once per
//! time it is raised, per destination (the store remembers, so a restart or a retry never
//! repeats it), and one whose delivery failed is announced at the next run if still open. A notification carries what the JSON report holds of a finding (code,
//! severity, title, resource, fingerprint), never evidence, and the webhook's URL (a secret
//! for Slack) is never printed: destinations are named.

use crate::config::{Config, NotifyFormat, NotifyTarget};
use crate::stored::lock;
use auditor_store::{Raised, Store};
use bytes::Bytes;
use http_body_util::Full;
use std::sync::Mutex;
use std::time::Duration;

/// What to announce.
pub(crate) enum What<'a> {
    /// Issues new or failing again in a stored run.
    Raised(&'a [Raised]),
    /// A run that failed, with why.
    Failed(&'a str),
}

/// Delay before each retry of a delivery (four attempts in all).
const BACKOFF: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// Announces `what` of `account`'s run `run` to every configured destination that wants it.
pub(crate) async fn announce(
    cfg: &Config,
    store: Option<&Mutex<Store>>,
    account: &str,
    run: Option<i64>,
    what: What<'_>,
) {
    for target in &cfg.notify {
        let raised: Vec<Raised> = match &what {
            What::Failed(_) if !target.on_failed_run => continue,
            What::Failed(_) => Vec::new(),
            What::Raised(all) => {
                // This run's, and what an earlier delivery could not get through.
                let earlier = store
                    .map(|s| lock(s).pending(account, &target.name))
                    .transpose()
                    .unwrap_or_default()
                    .unwrap_or_default();
                let mut wanted: Vec<Raised> = Vec::new();
                for r in all.iter().chain(&earlier) {
                    let severe = r
                        .severity
                        .parse::<auditor_model::Severity>()
                        .is_ok_and(|s| s >= target.min_severity);
                    if severe && !wanted.iter().any(|w| w.fingerprint == r.fingerprint) {
                        wanted.push(r.clone());
                    }
                }
                let seen = store
                    .map(|s| lock(s).already_notified(account, &target.name, &wanted))
                    .transpose()
                    .unwrap_or_default()
                    .unwrap_or_default();
                let fresh: Vec<Raised> = wanted
                    .into_iter()
                    .filter(|r| !seen.contains(&r.fingerprint))
                    .collect();
                if fresh.is_empty() {
                    continue;
                }
                fresh
            }
        };
        let failed = match &what {
            What::Failed(why) => Some(*why),
            What::Raised(_) => None,
        };
        if let Some(s) = store.filter(|_| !raised.is_empty()) {
            if let Err(e) = lock(s).mark_pending(account, &target.name, &raised) {
                tracing::warn!(target: "auditor::notify", destination = %target.name, error = %e, "cannot record the pending notification");
            }
        }
        let body = match target.format {
            NotifyFormat::Json => json_body(account, run, &raised, failed),
            NotifyFormat::Slack => slack_body(account, run, &raised, failed, target),
        };
        match deliver(&target.url, body).await {
            Ok(()) => {
                tracing::info!(target: "auditor::notify", destination = %target.name, account, findings = raised.len(), failed = failed.is_some(), "notification delivered");
                if let Some(s) = store.filter(|_| !raised.is_empty()) {
                    if let Err(e) = lock(s).mark_notified(account, &target.name, &raised) {
                        tracing::warn!(target: "auditor::notify", destination = %target.name, error = %e, "cannot record the notification");
                    }
                }
            }
            Err(e) => {
                crate::fail::warn(&format!(
                    "notification to {} not delivered after {} attempts: {e}",
                    target.name,
                    BACKOFF.len() + 1
                ));
            }
        }
    }
}

fn json_body(account: &str, run: Option<i64>, raised: &[Raised], failed: Option<&str>) -> String {
    let findings: Vec<serde_json::Value> = raised
        .iter()
        .map(|r| {
            serde_json::json!({
                "code": r.code,
                "severity": r.severity,
                "title": r.title,
                "resource_arn": r.resource_arn,
                "fingerprint": r.fingerprint,
                "state": if r.reopened == 0 { "new" } else { "failing again" },
            })
        })
        .collect();
    let body = match failed {
        Some(why) => serde_json::json!({
            "source": "auditor",
            "event": "run_failed",
            "account": account,
            "run": run,
            "error": why,
        }),
        None => serde_json::json!({
            "source": "auditor",
            "event": "findings",
            "account": account,
            "run": run,
            "findings": findings,
        }),
    };
    body.to_string()
}

/// Slack's mrkdwn: `&`, `<` and `>` escaped, so AWS data cannot make links or mentions.
fn slack_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn slack_body(
    account: &str,
    run: Option<i64>,
    raised: &[Raised],
    failed: Option<&str>,
    target: &NotifyTarget,
) -> String {
    let run = run.map(|r| format!(" (run {r})")).unwrap_or_default();
    let text = match failed {
        Some(why) => format!(
            ":x: Auditor: the audit of account {account}{run} failed: {}",
            slack_text(why)
        ),
        None => {
            let mut t = format!(
                ":rotating_light: Auditor: {} finding(s) new or failing again at or above {} in account {account}{run}",
                raised.len(),
                target.min_severity.as_str()
            );
            // Slack shows about 40,000 characters; the first 50 findings say enough.
            for r in raised.iter().take(50) {
                t += &format!(
                    "\n• [{}] {} {}: {}",
                    r.severity,
                    r.code,
                    slack_text(&r.title),
                    slack_text(&r.resource_arn)
                );
            }
            if raised.len() > 50 {
                t += &format!("\n… and {} more (see the report)", raised.len() - 50);
            }
            t
        }
    };
    serde_json::json!({ "text": text }).to_string()
}

/// POSTs `body` (JSON) to `url`, retried with back-off on a failure or a non-2xx answer.
async fn deliver(url: &str, body: String) -> Result<(), String> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| format!("no CA certificates: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Full<Bytes>>(https);
    let mut last = String::new();
    for attempt in 0..=BACKOFF.len() {
        if attempt > 0 {
            tokio::time::sleep(BACKOFF[attempt - 1]).await;
        }
        let request = hyper::Request::post(url)
            .header("content-type", "application/json")
            .header("user-agent", concat!("auditor/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(Bytes::from(body.clone())))
            .map_err(|e| format!("bad request: {e}"))?;
        match tokio::time::timeout(Duration::from_secs(10), client.request(request)).await {
            Ok(Ok(r)) if r.status().is_success() => return Ok(()),
            Ok(Ok(r)) => last = format!("HTTP {}", r.status().as_u16()),
            // The error says the host, not the URL (Slack's URL is its secret).
            Ok(Err(e)) => {
                last = format!(
                    "cannot connect: {}",
                    std::error::Error::source(&e)
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| e.to_string())
                )
            }
            Err(_) => last = "no answer within 10 s".into(),
        }
    }
    Err(last)
}
