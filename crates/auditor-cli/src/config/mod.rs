//! The configuration: the file's tables as written (serde), the command line's flags laid
//! over them, then one validation into [`Config`] that reports every problem at once, each
//! with its key and line in the file, or the flag that set it. The checks' own tables
//! (`[checks]`, `[[suppressions]]`) are read by `auditor_checks::config`, beside the checks.

mod daemon;
mod flags;
mod sections;
pub(crate) use sections::{s3_url, NotifyFormat, NotifyTarget};
#[cfg(test)]
mod tests;

pub(crate) use flags::Flags;

use auditor_checks::config::Reader;
use auditor_checks::Settings;
use auditor_engine::S3Options;
use auditor_model::{Service, Severity};
use sections::{rate_limits, read_org, read_s3, region_name};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The validated configuration (every field has its default when absent).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) profile: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) role_name: String,
    /// `aws.external_id` / `--external-id`: sent with every AssumeRole, unless the account
    /// has its own in `[[accounts]]`.
    pub(crate) external_id: Option<String>,
    /// `aws.session_duration`: how long each assumed-role session lasts before it is renewed.
    pub(crate) session_duration: std::time::Duration,
    /// `[[accounts]]`: per-account settings (an ExternalId of its own).
    pub(crate) accounts: BTreeMap<String, sections::AccountSettings>,
    /// `[[notify]]`: where new findings and failed runs are announced.
    pub(crate) notify: Vec<NotifyTarget>,
    pub(crate) regions: Option<Vec<String>>,
    pub(crate) max_attempts: u32,
    pub(crate) services: Option<Vec<Service>>,
    pub(crate) concurrency: usize,
    pub(crate) fail_on: Option<Severity>,
    /// `audit.deadline`: how long one account's audit may take; `None`: unbounded.
    pub(crate) deadline: Option<std::time::Duration>,
    pub(crate) settings: Settings,
    pub(crate) s3: S3Options,
    /// Not errors, but worth saying at load: suppressions that have already expired.
    pub(crate) warnings: Vec<String>,
    /// The `[daemon]` section, when present.
    pub(crate) daemon: Option<DaemonConfig>,
    /// `[aws.rate_limits]`: client-side limits per API family.
    pub(crate) rate_limits: auditor_aws::counting::RateLimits,
    /// `[org]`: which accounts of the organisation `audit --org` and the daemon audit.
    pub(crate) org: OrgSettings,
}

impl Config {
    /// The services audited: those configured, else every available one.
    pub(crate) fn services(&self) -> Vec<Service> {
        self.services
            .clone()
            .unwrap_or_else(|| Service::IMPLEMENTED.to_vec())
    }
}

/// `[org]`: the organisation-wide audit.
#[derive(Debug, Clone)]
pub(crate) struct OrgSettings {
    pub(crate) filter: collect_org::OrgFilter,
    /// Accounts audited at once.
    pub(crate) concurrency: usize,
}

/// Which accounts the daemon audits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Accounts {
    /// These ids.
    List(Vec<String>),
    /// Every active account of the organisation that `[org]` selects, listed anew each round.
    Org,
}

impl fmt::Display for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Accounts::List(l) => write!(f, "{} account(s)", l.len()),
            Accounts::Org => write!(f, "the organisation's accounts"),
        }
    }
}

/// When audits run.
#[derive(Debug, Clone)]
pub(crate) enum Schedule {
    /// Every so often, from the daemon's start.
    Every(std::time::Duration),
    /// A 5-field cron expression, in UTC.
    Cron(String, Box<croner::Cron>),
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Every(d) => write!(f, "every {}s", d.as_secs()),
            Schedule::Cron(expr, _) => write!(f, "cron '{expr}' (UTC)"),
        }
    }
}

/// `[daemon]`: scheduled audits, their store, reports and HTTP endpoint.
#[derive(Debug, Clone)]
pub(crate) struct DaemonConfig {
    pub(crate) accounts: Accounts,
    pub(crate) schedule: Schedule,
    pub(crate) jitter: std::time::Duration,
    /// A SQLite file, or a PostgreSQL database shared by replicas (`store`/`store_env`).
    pub(crate) store: auditor_store::Location,
    /// With PostgreSQL: how long a replica's claim on an account lasts without a heartbeat
    /// before another replica takes the account over.
    pub(crate) lease: std::time::Duration,
    pub(crate) reports_dir: PathBuf,
    pub(crate) upload_to: Option<(String, String)>,
    pub(crate) listen: std::net::SocketAddr,
    pub(crate) token: Option<String>,
    pub(crate) grace_period: std::time::Duration,
    /// `keep_reports`: runs (and their report files) kept per account; `None`: all.
    pub(crate) keep_reports: Option<usize>,
}

/// The role the auditor assumes in an account other than the caller's, unless configured.
pub(crate) const DEFAULT_ROLE_NAME: &str = "AuditorReadOnly";

/// `audit.deadline` unless configured: an account's audit that has not finished in an hour
/// is stuck (the largest accounts measured take minutes), and fails with the reason.
pub(crate) const DEFAULT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3600);

impl Default for Config {
    fn default() -> Self {
        Config {
            profile: None,
            endpoint_url: None,
            role_name: DEFAULT_ROLE_NAME.into(),
            external_id: None,
            session_duration: std::time::Duration::from_secs(3600),
            accounts: BTreeMap::new(),
            notify: Vec::new(),
            regions: None,
            max_attempts: 5,
            services: None,
            concurrency: 8,
            fail_on: Some(Severity::High),
            deadline: Some(DEFAULT_DEADLINE),
            settings: Settings::default(),
            s3: S3Options::default(),
            warnings: Vec::new(),
            daemon: None,
            rate_limits: auditor_aws::counting::RateLimits::default(),
            org: OrgSettings {
                filter: collect_org::OrgFilter::default(),
                concurrency: 4,
            },
        }
    }
}

/// The file as written: its tables, unknown top-level keys kept to be reported.
#[derive(Debug, Default, serde::Deserialize)]
struct Raw {
    #[serde(default)]
    aws: Option<Value>,
    #[serde(default)]
    audit: Option<Value>,
    #[serde(default)]
    s3: Option<Value>,
    #[serde(default)]
    org: Option<Value>,
    #[serde(default)]
    daemon: Option<Value>,
    #[serde(default)]
    checks: Option<Value>,
    #[serde(default)]
    suppressions: Option<Value>,
    #[serde(default)]
    accounts: Option<Value>,
    #[serde(default)]
    notify: Option<Value>,
    #[serde(flatten)]
    unknown: Map<String, Value>,
}

/// Every problem of a configuration: in the file (with the line) or in a flag.
#[derive(Debug)]
pub(crate) struct ConfigErrors {
    pub(crate) file: Option<PathBuf>,
    pub(crate) problems: Vec<String>,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            // Problems with the file: a list, each with where it is.
            Some(file) if self.problems.iter().any(|p| !p.starts_with("--")) => {
                write!(
                    f,
                    "{} has {} problem(s):",
                    file.display(),
                    self.problems.len()
                )?;
                for p in &self.problems {
                    if p.starts_with("--") {
                        write!(f, "\n  {p}")?;
                    } else {
                        write!(f, "\n  {}{p}", file.display())?;
                    }
                }
                Ok(())
            }
            // Flags only: one line.
            _ => f.write_str(&self.problems.join("; ")),
        }
    }
}

impl std::error::Error for ConfigErrors {}

/// Where each key came from: a line of the file, or a flag.
#[derive(Default)]
struct Origins {
    lines: BTreeMap<String, usize>,
    flags: BTreeMap<String, &'static str>,
}

impl Origins {
    /// The problem as reported: `--flag: message`, or `:LINE: key: message` (the file's
    /// name goes before it), for the key or the nearest enclosing key with a line.
    fn place(&self, key: &str, message: &str) -> String {
        // The key and its enclosing keys, innermost first.
        let mut chain = vec![key];
        let mut k = key;
        while let Some(i) = k.rfind(['.', '[']) {
            k = &k[..i];
            chain.push(k);
        }
        // A flag set the value (or the list or table holding it): the file's lines no
        // longer say where it is.
        if let Some(flag) = chain.iter().find_map(|k| self.flags.get(*k)) {
            return format!("{flag}: {message}");
        }
        match chain.iter().find_map(|k| self.lines.get(*k)) {
            Some(line) => format!(":{line}: {key}: {message}"),
            None => format!(": {key}: {message}"),
        }
    }
}

/// The line of each key and list element of a TOML text (1-based).
/// A TOML syntax error as `:LINE: key: not valid TOML: what` (the key where the parser
/// points at one: the duplicate, the key without a value).
fn toml_problem(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().trim().to_owned();
    let Some(span) = e.span().filter(|s| s.start <= text.len()) else {
        return format!(": not valid TOML: {what}");
    };
    let line = text[..span.start].matches('\n').count() + 1;
    let token = text
        .get(span.clone())
        .map(str::trim)
        .filter(|t| {
            !t.is_empty()
                && t.len() <= 64
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"'))
        })
        .map(|t| t.trim_matches('"').to_owned());
    // The table the key is in: the last `[header]` above it.
    let table = text[..span.start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
    match (token, table) {
        (Some(k), Some(t)) if !k.starts_with(&format!("{t}.")) && k != t => {
            format!(":{line}: {t}.{k}: not valid TOML: {what}")
        }
        (Some(k), _) => format!(":{line}: {k}: not valid TOML: {what}"),
        (None, _) => format!(":{line}: not valid TOML: {what}"),
    }
}

fn lines_of(text: &str) -> BTreeMap<String, usize> {
    use toml::de::{DeTable, DeValue};
    let line = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    fn walk(
        v: &toml::Spanned<DeValue<'_>>,
        path: &str,
        line: &dyn Fn(usize) -> usize,
        out: &mut BTreeMap<String, usize>,
    ) {
        match v.get_ref() {
            DeValue::Table(t) => {
                for (k, x) in t.iter() {
                    let p = if path.is_empty() {
                        k.get_ref().to_string()
                    } else {
                        format!("{path}.{}", k.get_ref())
                    };
                    out.entry(p.clone()).or_insert(line(k.span().start));
                    walk(x, &p, line, out);
                }
            }
            DeValue::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    out.insert(p.clone(), line(x.span().start));
                    walk(x, &p, line, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(t) = DeTable::parse(text) {
        let root = toml::Spanned::new(t.span(), DeValue::Table(t.into_inner()));
        walk(&root, "", &line, &mut out);
    }
    out
}

/// Reads and validates a configuration file.
pub(crate) fn load(file: &Path) -> Result<Config, ConfigErrors> {
    load_with(Some(file), &Flags::default())
}

/// The configuration from a file (if any) with `flags` laid over it.
pub(crate) fn load_with(file: Option<&Path>, flags: &Flags) -> Result<Config, ConfigErrors> {
    let text = match file {
        Some(f) => std::fs::read_to_string(f).map_err(|e| ConfigErrors {
            file: Some(f.to_owned()),
            problems: vec![format!(": cannot read: {e}")],
        })?,
        None => String::new(),
    };
    parse_with(file.unwrap_or(Path::new("")), &text, flags)
}

/// Validates the text of a configuration file.
#[cfg(test)]
pub(crate) fn parse(file: &Path, text: &str) -> Result<Config, ConfigErrors> {
    parse_with(file, text, &Flags::default())
}

fn parse_with(file: &Path, text: &str, flags: &Flags) -> Result<Config, ConfigErrors> {
    let errors = |problems: Vec<String>| ConfigErrors {
        file: (!file.as_os_str().is_empty()).then(|| file.to_owned()),
        problems,
    };
    let mut raw: Raw =
        toml::from_str(text).map_err(|e: toml::de::Error| errors(vec![toml_problem(text, &e)]))?;
    let mut origins = Origins {
        lines: lines_of(text),
        ..Origins::default()
    };
    let mut r = Reader::default();
    let mut flag_problems = Vec::new();
    flags.lay_over(&mut raw, &mut origins.flags, &mut flag_problems);
    let c = validate(&raw, &mut r);
    let mut problems = flag_problems;
    problems.extend(r.problems.iter().map(|p| origins.place(&p.key, &p.message)));
    if problems.is_empty() {
        Ok(c)
    } else {
        Err(errors(problems))
    }
}

/// A section as a table, its unknown keys reported.
fn section<'a>(
    v: &'a Option<Value>,
    name: &str,
    allowed: &[&str],
    r: &mut Reader,
) -> Option<&'a Map<String, Value>> {
    match v.as_ref()? {
        Value::Object(t) => {
            r.unknown_keys(t, name, allowed);
            Some(t)
        }
        _ => {
            r.err(name, "expected a table");
            None
        }
    }
}

fn validate(raw: &Raw, r: &mut Reader) -> Config {
    let mut c = Config::default();
    r.unknown_keys(
        &raw.unknown,
        "",
        &[
            "aws",
            "audit",
            "s3",
            "checks",
            "suppressions",
            "daemon",
            "org",
            "accounts",
            "notify",
        ],
    );
    c.accounts = sections::read_accounts(raw.accounts.as_ref(), r);
    c.notify = sections::read_notify(raw.notify.as_ref(), r);
    if let Some(aws) = section(
        &raw.aws,
        "aws",
        &[
            "profile",
            "endpoint_url",
            "role_name",
            "regions",
            "max_attempts",
            "rate_limits",
            "external_id",
            "session_duration",
        ],
        r,
    ) {
        c.external_id = sections::external_id(aws, "aws.external_id", r);
        if let Some(d) = sections::session_duration(aws, r) {
            c.session_duration = d;
        }
        c.profile = r.string(aws, "profile", "aws");
        c.endpoint_url = r.string(aws, "endpoint_url", "aws");
        if let Some(u) = c
            .endpoint_url
            .as_ref()
            .filter(|u| !u.starts_with("http://") && !u.starts_with("https://"))
        {
            r.err("aws.endpoint_url", format!("'{u}' is not an http(s) URL"));
        }
        if let Some(name) = r.string(aws, "role_name", "aws") {
            if name.contains(['/', ':', ' ']) {
                r.err(
                    "aws.role_name",
                    format!("'{name}' is a role name, not an ARN or path (no '/', ':' or spaces)"),
                );
            }
            c.role_name = name;
        }
        c.regions = r.list(aws, "regions", "aws", region_name);
        if let Some(n) = r.int(aws, "max_attempts", "aws", 1, 20) {
            c.max_attempts = n as u32;
        }
        rate_limits(aws, r, &mut c.rate_limits);
    }
    if let Some(org) = section(
        &raw.org,
        "org",
        &["ous", "tags", "exclude", "concurrency"],
        r,
    ) {
        read_org(org, r, &mut c.org);
    }
    if let Some(audit) = section(
        &raw.audit,
        "audit",
        &["services", "concurrency", "fail_on", "deadline"],
        r,
    ) {
        c.services = r.list(audit, "services", "audit", |s| {
            let svc = s.parse::<Service>().map_err(|e| e.0)?;
            if Service::IMPLEMENTED.contains(&svc) {
                Ok(svc)
            } else {
                let have: Vec<&str> = Service::IMPLEMENTED.iter().map(|s| s.as_str()).collect();
                Err(format!(
                    "service '{svc}' is not available in this build yet (available: {})",
                    have.join(", ")
                ))
            }
        });
        if c.services.as_ref().is_some_and(Vec::is_empty) {
            r.err("audit.services", "is empty");
        }
        if let Some(n) = r.int(audit, "concurrency", "audit", 1, 256) {
            c.concurrency = n as usize;
        }
        if let Some(s) = r.string(audit, "fail_on", "audit") {
            match parse_fail_on(&s) {
                Ok(v) => c.fail_on = v,
                Err(e) => r.err("audit.fail_on", e),
            }
        }
        if let Some(s) = r.string(audit, "deadline", "audit") {
            match parse_deadline(&s) {
                Ok(v) => c.deadline = v,
                Err(e) => r.err("audit.deadline", e),
            }
        }
    }
    if let Some(s3) = section(
        &raw.s3,
        "s3",
        &[
            "state_buckets",
            "discover",
            "discovery_max_keys",
            "state_max_keys",
            "scan_state_secrets",
            "scan_max_objects",
            "scan_max_object_bytes",
        ],
        r,
    ) {
        read_s3(s3, r, &mut c.s3);
    }
    let today = time::OffsetDateTime::now_utc().date();
    let (settings, warnings) =
        auditor_checks::config::read(raw.checks.as_ref(), raw.suppressions.as_ref(), today, r);
    c.settings = settings;
    c.warnings = warnings;
    // Opt-in checks that a configuration switch turns on.
    for (code, key) in auditor_checks::OPT_IN_CHECKS {
        let (table, name) = key.split_once('.').unwrap_or(("", key));
        let on = match table {
            "s3" => &raw.s3,
            "aws" => &raw.aws,
            "audit" => &raw.audit,
            _ => &None,
        };
        if on
            .as_ref()
            .and_then(|t| t.get(name))
            .and_then(Value::as_bool)
            == Some(true)
        {
            c.settings.opt_in.push((*code).to_owned());
        }
    }
    if let Some(t) = section(&raw.daemon, "daemon", daemon::KEYS, r) {
        c.daemon = daemon::section(r, t);
    }
    c
}

/// `audit.deadline`: a duration (`45m`, `2h`), or `none` for no deadline.
pub(crate) fn parse_deadline(s: &str) -> Result<Option<std::time::Duration>, String> {
    if s.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    match sections::duration(s)? {
        d if d.is_zero() => Err(format!(
            "'{s}' is zero: give a duration such as 1h, or none for no deadline"
        )),
        d => Ok(Some(d)),
    }
}

/// `--fail-on` / `audit.fail_on`: a severity or `none`.
pub(crate) fn parse_fail_on(s: &str) -> Result<Option<Severity>, String> {
    if s.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        s.parse::<Severity>()
            .map(Some)
            .map_err(|e| format!("{e}, or none"))
    }
}
