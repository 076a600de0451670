//! `[daemon]`: the schedule, the store, the reports and the HTTP endpoint.

use super::sections::{duration, s3_url};
use super::{Accounts, DaemonConfig, Schedule};
use auditor_checks::config::{account_id, Reader};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// The keys of `[daemon]`.
pub(super) const KEYS: &[&str] = &[
    "accounts",
    "interval",
    "cron",
    "jitter",
    "store",
    "store_env",
    "lease",
    "reports_dir",
    "upload_to",
    "listen",
    "token",
    "token_env",
    "grace_period",
    "keep_reports",
];

pub(super) fn section(w: &mut Reader, d: &Map<String, Value>) -> Option<DaemonConfig> {
    let before = w.problems.len();
    let accounts = match d.get("accounts") {
        None => {
            w.err(
                "daemon.accounts",
                "missing: the account ids to audit, or \"org\"",
            );
            None
        }
        Some(Value::String(s)) if s == "org" => Some(Accounts::Org),
        Some(Value::String(s)) => {
            w.err(
                "daemon.accounts",
                format!("'{s}': expected a list of account ids, or \"org\""),
            );
            None
        }
        Some(_) => w
            .list(d, "accounts", "daemon", account_id)
            .map(Accounts::List),
    };
    let mut dur = |key: &str, default: &str| {
        let text = w
            .string(d, key, "daemon")
            .unwrap_or_else(|| default.to_owned());
        match duration(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                w.err(&format!("daemon.{key}"), e);
                None
            }
        }
    };
    let interval = d.get("interval").and_then(|_| dur("interval", "0s"));
    let jitter = dur("jitter", "0s");
    let grace = dur("grace_period", "5m");
    let lease = dur("lease", "60s");
    let cron = w.string(d, "cron", "daemon");
    let schedule = match (d.get("interval").is_some(), cron) {
        (true, Some(_)) => {
            w.err("daemon", "set either interval or cron, not both");
            None
        }
        (true, None) => match interval {
            Some(i) if i.as_secs() >= 1 => Some(Schedule::Every(i)),
            Some(_) => {
                w.err("daemon.interval", "must be at least 1s");
                None
            }
            None => None,
        },
        (false, Some(expr)) => match expr.parse::<croner::Cron>() {
            Ok(c) => Some(Schedule::Cron(expr, Box::new(c))),
            Err(e) => {
                w.err(
                    "daemon.cron",
                    format!("'{expr}' is not a cron expression: {e}"),
                );
                None
            }
        },
        (false, None) => {
            w.err(
                "daemon",
                "missing: a schedule (interval = \"6h\" or cron = \"0 3 * * *\")",
            );
            None
        }
    };
    // A PostgreSQL URL holds a password: `store_env` names the variable that holds it (a
    // Kubernetes Secret), and no message repeats it.
    let store = match (
        w.string(d, "store", "daemon"),
        w.string(d, "store_env", "daemon"),
    ) {
        (Some(_), Some(_)) => {
            w.err("daemon", "set either store or store_env, not both");
            None
        }
        (Some(s), None) => Some(s),
        (None, Some(var)) => match std::env::var(&var) {
            Ok(v) if !v.is_empty() => Some(v),
            _ => {
                w.err(
                    "daemon.store_env",
                    format!("the environment variable {var} is not set"),
                );
                None
            }
        },
        (None, None) => Some("auditor.db".into()),
    }
    .map(|s| auditor_store::Location::parse(&s));
    if let Some(auditor_store::Location::Postgres(url)) = &store {
        if let Err(e) = auditor_store::pg::check(url) {
            w.err("daemon.store", e.to_string());
        }
    }
    if let Some(l) = lease {
        if l < std::time::Duration::from_secs(2) {
            w.err("daemon.lease", "must be at least 2s");
        }
    }
    let reports_dir = w
        .string(d, "reports_dir", "daemon")
        .unwrap_or_else(|| "reports".into());
    let upload_to = w
        .string(d, "upload_to", "daemon")
        .and_then(|u| match s3_url(&u) {
            Some(Ok((bucket, prefix))) => Some((bucket, prefix.trim_end_matches('/').to_owned())),
            _ => {
                w.err(
                    "daemon.upload_to",
                    format!("'{u}' is not s3://bucket[/prefix]"),
                );
                None
            }
        });
    let listen_text = w
        .string(d, "listen", "daemon")
        .unwrap_or_else(|| "127.0.0.1:9477".into());
    let listen = match listen_text.parse::<std::net::SocketAddr>() {
        Ok(a) => Some(a),
        Err(_) => {
            w.err(
                "daemon.listen",
                format!("'{listen_text}' is not an address:port (e.g. 127.0.0.1:9477)"),
            );
            None
        }
    };
    let token_env = w
        .string(d, "token_env", "daemon")
        .unwrap_or_else(|| "AUDITOR_DAEMON_TOKEN".into());
    let token = w
        .string(d, "token", "daemon")
        .or_else(|| std::env::var(&token_env).ok().filter(|t| !t.is_empty()));
    if let Some(t) = &token {
        if let Err(why) = token_strength(t) {
            let from = if w.string(d, "token", "daemon").is_some() {
                "daemon.token".to_owned()
            } else {
                format!("daemon.token_env ({token_env})")
            };
            w.err(&from, why);
        }
    }
    if let Some(a) = listen {
        if !a.ip().is_loopback() && token.is_none() {
            w.err(
                "daemon.listen",
                format!("{a} is not a loopback address: set daemon.token or the {token_env} environment variable so the API requires a bearer token"),
            );
        }
    }
    let keep_reports = w
        .int(d, "keep_reports", "daemon", 1, 1_000_000)
        .map(|n| n as usize);
    if w.problems.len() != before {
        return None;
    }
    Some(DaemonConfig {
        accounts: accounts?,
        schedule: schedule?,
        jitter: jitter?,
        store: store?,
        lease: lease?,
        reports_dir: PathBuf::from(reports_dir),
        upload_to,
        listen: listen?,
        token,
        grace_period: grace?,
        keep_reports,
    })
}

/// Fewest characters a daemon API token may have.
pub(crate) const TOKEN_MIN_CHARS: usize = 32;
/// Least entropy a token must show, in bits (its length times the Shannon entropy of its
/// characters): 32 hex digits show about 115, a repeated or dictionary-short one far less.
pub(crate) const TOKEN_MIN_BITS: f64 = 96.0;

/// Whether an API token is strong enough to guard the findings; why not. The token itself
/// is never part of the message.
pub(crate) fn token_strength(t: &str) -> Result<(), String> {
    let advice = "use at least 32 random characters, e.g. `openssl rand -hex 32`";
    if t.trim() != t || t.chars().any(char::is_control) {
        return Err(format!(
            "the token has surrounding whitespace or control characters; {advice}"
        ));
    }
    let n = t.chars().count();
    let mut counts = std::collections::HashMap::new();
    for c in t.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let bits = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum::<f64>()
        .max(0.0)
        * n as f64;
    if n < TOKEN_MIN_CHARS || bits < TOKEN_MIN_BITS {
        return Err(format!(
            "the token is too weak ({n} characters, about {bits:.0} bits of entropy; at least {TOKEN_MIN_CHARS} characters and {TOKEN_MIN_BITS:.0} bits are required); {advice}"
        ));
    }
    // The spread of characters cannot see order: a repeated block or a run through the
    // alphabet has a fine spread and no secret.
    let chars: Vec<char> = t.chars().collect();
    let periodic =
        (1..=n / 2).any(|p| n % p == 0 && chars.iter().zip(&chars[p..]).all(|(a, b)| a == b));
    let steps = chars
        .windows(2)
        .filter(|w| (w[1] as i64 - w[0] as i64).abs() == 1)
        .count();
    if periodic || steps * 2 >= n {
        return Err(format!(
            "the token is too predictable (a repeated block or a run of consecutive characters); {advice}"
        ));
    }
    Ok(())
}
