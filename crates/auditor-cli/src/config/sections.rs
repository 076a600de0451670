//! The tables the CLI reads itself: `[aws.rate_limits]`, `[org]` and `[s3]`, and the names
//! they hold.

use super::OrgSettings;
use auditor_checks::config::{account_id, Reader};
use auditor_engine::S3Options;
use serde_json::{Map, Value};

pub(super) fn read_org(org: &Map<String, Value>, r: &mut Reader, out: &mut OrgSettings) {
    let ou = |s: &str| {
        let ok = (s.starts_with("ou-") || s.starts_with("r-"))
            && s.len() > 3
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if ok {
            Ok(s.to_owned())
        } else {
            Err(format!(
                "'{s}' is not an organizational unit id (ou-xxxx-yyyyyyyy) or root id (r-xxxx)"
            ))
        }
    };
    out.filter.ous = r.list(org, "ous", "org", ou).unwrap_or_default();
    out.filter.exclude = r
        .list(org, "exclude", "org", account_id)
        .unwrap_or_default();
    match org.get("tags") {
        None => {}
        Some(Value::Object(t)) => {
            for (k, v) in t {
                match v.as_str() {
                    Some(v) => {
                        out.filter.tags.insert(k.clone(), v.to_owned());
                    }
                    None => r.err(
                        &format!("org.tags.{k}"),
                        "expected a string (the tag's value)",
                    ),
                }
            }
        }
        Some(_) => r.err("org.tags", "expected a table of tag = \"value\""),
    }
    if let Some(n) = r.int(org, "concurrency", "org", 1, 64) {
        out.concurrency = n as usize;
    }
}

pub(super) fn read_s3(s3: &Map<String, Value>, r: &mut Reader, out: &mut S3Options) {
    if let Some(b) = r.list(s3, "state_buckets", "s3", bucket_name) {
        out.state_buckets = b;
    }
    if let Some(d) = r.bool(s3, "discover", "s3") {
        out.discover = d;
    }
    if let Some(n) = r.int(s3, "discovery_max_keys", "s3", 1, 1_000_000) {
        out.discovery_max_keys = n as usize;
    }
    if let Some(n) = r.int(s3, "state_max_keys", "s3", 1, 10_000_000) {
        out.state_max_keys = n as usize;
    }
    if let Some(on) = r.bool(s3, "scan_state_secrets", "s3") {
        out.scan_secrets = on;
    }
    if let Some(n) = r.int(s3, "scan_max_objects", "s3", 1, 100_000) {
        out.scan_max_objects = n as usize;
    }
    if let Some(n) = r.int(s3, "scan_max_object_bytes", "s3", 1, 1 << 32) {
        out.scan_max_object_bytes = n;
    }
}

pub(super) fn rate_limits(
    aws: &Map<String, Value>,
    r: &mut Reader,
    out: &mut auditor_aws::counting::RateLimits,
) {
    use auditor_aws::counting::RateLimits;
    let mut allowed = RateLimits::known_services();
    allowed.push("default");
    // One API of a known service (`"ecr:DescribeImages" = 50`) may have its own.
    if let Some(Value::Object(t)) = aws.get("rate_limits") {
        allowed.extend(
            t.keys()
                .filter(|k| RateLimits::is_api_key(k))
                .map(String::as_str),
        );
    }
    let Some(t) = r.table(aws, "rate_limits", "aws.rate_limits", &allowed) else {
        return;
    };
    for (k, v) in t.iter().filter(|(k, _)| allowed.contains(&k.as_str())) {
        match rate_limit(v) {
            Ok(l) if k == "default" => out.default = l,
            Ok(l) if k.contains(':') => {
                out.by_api.insert(k.clone(), l);
            }
            Ok(l) => {
                out.by_service.insert(k.clone(), l);
            }
            Err(e) => r.err(&format!("aws.rate_limits.{k}"), e),
        }
    }
}

/// A rate limit as written: requests per second, or `{ per_second, burst }`; zero turns the
/// limit off.
fn rate_limit(v: &Value) -> Result<auditor_aws::counting::RateLimit, String> {
    use auditor_aws::counting::RateLimit;
    let num = |v: &Value| v.as_f64().filter(|f| *f >= 0.0 && f.is_finite());
    let what =
        "expected requests per second (a number, 0 for no limit) or { per_second = N, burst = M }";
    match v {
        Value::Object(t) => {
            if let Some(k) = t.keys().find(|k| *k != "per_second" && *k != "burst") {
                return Err(format!("unknown key '{k}': {what}"));
            }
            let per_second = t.get("per_second").and_then(num).ok_or(what)?;
            let burst = match t.get("burst") {
                None => RateLimit::per_second(per_second).burst,
                Some(b) => match b.as_u64().filter(|b| (1..=10_000).contains(b)) {
                    Some(b) => b as u32,
                    None => return Err("burst: expected an integer from 1 to 10000".into()),
                },
            };
            Ok(RateLimit { per_second, burst })
        }
        v => num(v)
            .map(RateLimit::per_second)
            .ok_or_else(|| what.to_owned()),
    }
}

pub(crate) fn bucket_name(s: &str) -> Result<String, String> {
    let ok = (3..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "'{s}' is not an S3 bucket name (3-63 lowercase letters, digits, '-' and '.'; a name, not an ARN or s3:// URL)"
        ))
    }
}

pub(super) fn region_name(s: &str) -> Result<String, String> {
    let ok = s.split('-').count() >= 3
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.rsplit('-')
            .next()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "'{s}' is not a region name (expected something like eu-west-1)"
        ))
    }
}

/// One account's own settings (`[[accounts]]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AccountSettings {
    /// The ExternalId its audit role's trust policy requires.
    pub(crate) external_id: Option<String>,
}

/// An ExternalId as STS takes it: 2 to 1,224 characters of letters, digits and `+=,.@:/-_`.
fn external_id_text(s: &str) -> Result<String, String> {
    let ok = (2..=1224).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@:/-_".contains(c));
    if ok {
        Ok(s.to_owned())
    } else {
        Err("is not an ExternalId (2 to 1,224 characters: letters, digits and +=,.@:/-_)".into())
    }
}

/// `external_id` of a table, validated; the problem names `key`.
pub(super) fn external_id(t: &Map<String, Value>, key: &str, r: &mut Reader) -> Option<String> {
    let path = key.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
    let v = r.string(t, "external_id", path)?;
    match external_id_text(&v) {
        Ok(v) => Some(v),
        Err(e) => {
            r.err(key, e);
            None
        }
    }
}

/// `aws.session_duration`: 1s to 12h (AWS's own bounds are 15 minutes to the role's maximum
/// session, and 1h when chaining roles; STS refuses outside them, with its reason).
pub(super) fn session_duration(
    aws: &Map<String, Value>,
    r: &mut Reader,
) -> Option<std::time::Duration> {
    let text = r.string(aws, "session_duration", "aws")?;
    match duration(&text) {
        Ok(d) if (1..=12 * 3600).contains(&d.as_secs()) => Some(d),
        Ok(_) => {
            r.err(
                "aws.session_duration",
                format!("'{text}' is outside 1s to 12h"),
            );
            None
        }
        Err(e) => {
            r.err("aws.session_duration", e);
            None
        }
    }
}

/// `[[accounts]]`: `id` and the account's own `external_id`.
pub(super) fn read_accounts(
    v: Option<&Value>,
    r: &mut Reader,
) -> std::collections::BTreeMap<String, AccountSettings> {
    let mut out = std::collections::BTreeMap::new();
    let Some(v) = v else {
        return out;
    };
    let Some(list) = v.as_array() else {
        r.err("accounts", "expected [[accounts]] tables");
        return out;
    };
    for (i, t) in list.iter().enumerate() {
        let at = format!("accounts[{i}]");
        let Some(t) = t.as_object() else {
            r.err(&at, "expected a table with id and external_id");
            continue;
        };
        r.unknown_keys(t, &at, &["id", "external_id"]);
        let id = match r.string(t, "id", &at).map(|s| account_id(&s)) {
            Some(Ok(id)) => id,
            Some(Err(e)) => {
                r.err(&format!("{at}.id"), e);
                continue;
            }
            None => {
                r.err(&at, "missing: id (the account's 12-digit id)");
                continue;
            }
        };
        let settings = AccountSettings {
            external_id: external_id(t, &format!("{at}.external_id"), r),
        };
        if out.insert(id.clone(), settings).is_some() {
            r.err(&format!("{at}.id"), format!("account {id} is listed twice"));
        }
    }
    out
}

/// The body a destination takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotifyFormat {
    /// `{"source": "auditor", "event": ..., "findings": [...]}`.
    Json,
    /// Slack's incoming webhook: `{"text": ...}`.
    Slack,
}

/// One `[[notify]]` destination.
#[derive(Clone)]
pub(crate) struct NotifyTarget {
    /// How it is named in logs and in the store (never its URL).
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) format: NotifyFormat,
    /// Issues new or failing again at or above this severity are announced.
    pub(crate) min_severity: auditor_model::Severity,
    /// A failed run is announced too.
    pub(crate) on_failed_run: bool,
}

impl std::fmt::Debug for NotifyTarget {
    // The URL is left out: a Slack webhook's URL is its secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyTarget")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("min_severity", &self.min_severity)
            .field("on_failed_run", &self.on_failed_run)
            .finish_non_exhaustive()
    }
}

/// `[[notify]]`: `url` (or `url_env`, the variable that holds it: a Slack URL is a secret),
/// `format` (json, slack), `min_severity` (default high), `on_failed_run` (default true),
/// `name` (default notify[i]).
pub(super) fn read_notify(v: Option<&Value>, r: &mut Reader) -> Vec<NotifyTarget> {
    let mut out = Vec::new();
    let Some(v) = v else {
        return out;
    };
    let Some(list) = v.as_array() else {
        r.err("notify", "expected [[notify]] tables");
        return out;
    };
    for (i, t) in list.iter().enumerate() {
        let at = format!("notify[{i}]");
        let Some(t) = t.as_object() else {
            r.err(&at, "expected a table with url and format");
            continue;
        };
        r.unknown_keys(
            t,
            &at,
            &[
                "name",
                "url",
                "url_env",
                "format",
                "min_severity",
                "on_failed_run",
            ],
        );
        let url = match (r.string(t, "url", &at), r.string(t, "url_env", &at)) {
            (Some(u), None) => Some(u),
            (None, Some(var)) => match std::env::var(&var) {
                Ok(u) if !u.trim().is_empty() => Some(u.trim().to_owned()),
                _ => {
                    r.err(
                        &format!("{at}.url_env"),
                        format!("the environment variable {var} is not set"),
                    );
                    None
                }
            },
            (Some(_), Some(_)) => {
                r.err(&at, "set either url or url_env, not both");
                None
            }
            (None, None) => {
                r.err(&at, "missing: url (or url_env)");
                None
            }
        };
        if let Some(u) = url
            .as_deref()
            .filter(|u| !u.starts_with("https://") && !u.starts_with("http://"))
        {
            // The URL is not repeated: it may be a secret.
            let _ = u;
            r.err(&format!("{at}.url"), "is not an http(s) URL");
        }
        let format = match r.string(t, "format", &at).as_deref() {
            None | Some("json") => Some(NotifyFormat::Json),
            Some("slack") => Some(NotifyFormat::Slack),
            Some(other) => {
                r.err(
                    &format!("{at}.format"),
                    format!("'{other}': expected json or slack"),
                );
                None
            }
        };
        let min_severity = match r.string(t, "min_severity", &at) {
            None => Some(auditor_model::Severity::High),
            Some(s) => match s.parse::<auditor_model::Severity>() {
                Ok(v) => Some(v),
                Err(_) => {
                    r.err(
                        &format!("{at}.min_severity"),
                        format!("unknown severity '{s}' (info, low, medium, high, critical)"),
                    );
                    None
                }
            },
        };
        let on_failed_run = r.bool(t, "on_failed_run", &at).unwrap_or(true);
        let name = r.string(t, "name", &at).unwrap_or_else(|| at.clone());
        if let (Some(url), Some(format), Some(min_severity)) = (url, format, min_severity) {
            if url.starts_with("http") {
                out.push(NotifyTarget {
                    name,
                    url,
                    format,
                    min_severity,
                    on_failed_run,
                });
            }
        }
    }
    out
}

/// `30s`, `15m`, `6h`, `1d`.
pub(crate) fn duration(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (e.g. 30s, 15m, 6h, 1d)"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("'{s}' is not a duration (e.g. 30s, 15m, 6h, 1d)")),
    };
    Ok(std::time::Duration::from_secs(secs))
}

/// `s3://bucket[/rest]`: `None` when `text` is not an S3 URL, else the bucket (a valid name)
/// and the rest of the path, or why the bucket is not one.
pub(crate) fn s3_url(text: &str) -> Option<Result<(String, String), String>> {
    let rest = text.strip_prefix("s3://")?;
    let (bucket, path) = rest.split_once('/').unwrap_or((rest, ""));
    Some(bucket_name(bucket).map(|b| (b, path.to_owned())))
}
