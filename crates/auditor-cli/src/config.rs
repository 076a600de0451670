//! The configuration file: read raw, then validated into [`Config`] with every problem
//! reported at once, each naming the file, the key and what is wrong.

use auditor_checks::{Settings, StateTeam, SuppressionRule, TagMatch};
use auditor_engine::S3Options;
use auditor_model::{Service, Severity};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The validated configuration (every field has its default when absent).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) profile: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) role_name: String,
    pub(crate) regions: Option<Vec<String>>,
    pub(crate) max_attempts: u32,
    pub(crate) services: Option<Vec<Service>>,
    pub(crate) concurrency: usize,
    pub(crate) fail_on: Option<Severity>,
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

/// `[org]`: the organisation-wide audit.
#[derive(Debug, Clone)]
pub(crate) struct OrgSettings {
    pub(crate) filter: collect_org::OrgFilter,
    /// Accounts audited at once.
    pub(crate) concurrency: usize,
}

impl Default for OrgSettings {
    fn default() -> Self {
        OrgSettings {
            filter: collect_org::OrgFilter::default(),
            concurrency: 4,
        }
    }
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
    pub(crate) store: PathBuf,
    pub(crate) reports_dir: PathBuf,
    pub(crate) upload_to: Option<(String, String)>,
    pub(crate) listen: std::net::SocketAddr,
    pub(crate) token: Option<String>,
    pub(crate) grace_period: std::time::Duration,
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

/// The role the auditor assumes in an account other than the caller's, unless configured.
pub(crate) const DEFAULT_ROLE_NAME: &str = "AuditorReadOnly";

impl Default for Config {
    fn default() -> Self {
        Config {
            profile: None,
            endpoint_url: None,
            role_name: DEFAULT_ROLE_NAME.into(),
            regions: None,
            max_attempts: 5,
            services: None,
            concurrency: 8,
            fail_on: Some(Severity::High),
            settings: Settings::default(),
            s3: S3Options::default(),
            warnings: Vec::new(),
            daemon: None,
            rate_limits: auditor_aws::counting::RateLimits::default(),
            org: OrgSettings::default(),
        }
    }
}

/// Every problem of one configuration file.
#[derive(Debug)]
pub(crate) struct ConfigErrors {
    pub(crate) file: PathBuf,
    pub(crate) problems: Vec<String>,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} has {} problem(s):",
            self.file.display(),
            self.problems.len()
        )?;
        for p in &self.problems {
            write!(f, "\n  {}: {p}", self.file.display())?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Collects problems while walking the raw table.
struct Walk {
    problems: Vec<String>,
}

impl Walk {
    fn err(&mut self, key: &str, msg: impl fmt::Display) {
        self.problems.push(format!("{key}: {msg}"));
    }

    fn table<'a>(
        &mut self,
        t: &'a Table,
        key: &str,
        path: &str,
        allowed: &[&str],
    ) -> Option<&'a Table> {
        let v = t.get(key)?;
        let Some(sub) = v.as_table() else {
            self.err(path, format!("expected a table, found {}", v.type_str()));
            return None;
        };
        self.unknown_keys(sub, path, allowed);
        Some(sub)
    }

    fn unknown_keys(&mut self, t: &Table, path: &str, allowed: &[&str]) {
        for k in t.keys() {
            if !allowed.contains(&k.as_str()) {
                let full = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                self.err(
                    &full,
                    format!("unknown key (expected one of: {})", allowed.join(", ")),
                );
            }
        }
    }

    fn string(&mut self, t: &Table, key: &str, path: &str) -> Option<String> {
        match t.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::String(_) => {
                self.err(&format!("{path}.{key}"), "must not be empty");
                None
            }
            v => {
                self.err(
                    &format!("{path}.{key}"),
                    format!("expected a string, found {}", v.type_str()),
                );
                None
            }
        }
    }

    fn bool(&mut self, t: &Table, key: &str, path: &str) -> Option<bool> {
        match t.get(key)? {
            Value::Boolean(b) => Some(*b),
            v => {
                self.err(
                    &format!("{path}.{key}"),
                    format!("expected true or false, found {}", v.type_str()),
                );
                None
            }
        }
    }

    fn int(&mut self, t: &Table, key: &str, path: &str, min: i64, max: i64) -> Option<i64> {
        match t.get(key)? {
            Value::Integer(i) if (min..=max).contains(i) => Some(*i),
            Value::Integer(i) => {
                self.err(
                    &format!("{path}.{key}"),
                    format!("{i} is out of range ({min} to {max})"),
                );
                None
            }
            v => {
                self.err(
                    &format!("{path}.{key}"),
                    format!("expected an integer, found {}", v.type_str()),
                );
                None
            }
        }
    }

    /// A list of strings, each parsed by `parse`; problems name the element's index.
    fn list<T>(
        &mut self,
        t: &Table,
        key: &str,
        path: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Vec<T>> {
        let full = format!("{path}.{key}");
        let v = t.get(key)?;
        let Some(arr) = v.as_array() else {
            self.err(
                &full,
                format!("expected a list of strings, found {}", v.type_str()),
            );
            return None;
        };
        let mut out = Vec::new();
        let before = self.problems.len();
        for (i, item) in arr.iter().enumerate() {
            match item.as_str() {
                Some(s) => match parse(s) {
                    Ok(x) => out.push(x),
                    Err(e) => self.err(&format!("{full}[{i}]"), e),
                },
                None => self.err(
                    &format!("{full}[{i}]"),
                    format!("expected a string, found {}", item.type_str()),
                ),
            }
        }
        (self.problems.len() == before).then_some(out)
    }

    fn ports(&mut self, t: &Table, key: &str, path: &str) -> Option<Vec<u16>> {
        let full = format!("{path}.{key}");
        let v = t.get(key)?;
        let Some(arr) = v.as_array() else {
            self.err(
                &full,
                format!("expected a list of port numbers, found {}", v.type_str()),
            );
            return None;
        };
        let mut out = Vec::new();
        let before = self.problems.len();
        for (i, item) in arr.iter().enumerate() {
            match item
                .as_integer()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n > 0)
            {
                Some(p) => out.push(p),
                None => self.err(
                    &format!("{full}[{i}]"),
                    format!("{item} is not a port number (1 to 65535)"),
                ),
            }
        }
        (self.problems.len() == before).then_some(out)
    }
}

fn principal_arn(s: &str) -> Result<String, String> {
    if s.starts_with("arn:") && s.contains(":iam::") {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "'{s}' is not an IAM principal ARN (arn:aws:iam::123456789012:role/NAME; * wildcards allowed)"
        ))
    }
}

fn bucket_name(s: &str) -> Result<String, String> {
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

fn account_id(s: &str) -> Result<String, String> {
    s.parse::<auditor_model::AccountId>()
        .map(|a| a.to_string())
        .map_err(|e| e.0)
}

fn region_name(s: &str) -> Result<String, String> {
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

/// Parses `--fail-on` / `audit.fail_on`: a severity or `none`.
pub(crate) fn parse_fail_on(s: &str) -> Result<Option<Severity>, String> {
    if s.eq_ignore_ascii_case("none") {
        Ok(None)
    } else {
        s.parse::<Severity>()
            .map(Some)
            .map_err(|e| format!("{e}, or none"))
    }
}

/// Validates the text of a configuration file.
pub(crate) fn parse(file: &Path, text: &str) -> Result<Config, ConfigErrors> {
    let errors = |problems| ConfigErrors {
        file: file.to_owned(),
        problems,
    };
    let root: Table = text.parse().map_err(|e: toml::de::Error| {
        errors(vec![format!("not valid TOML: {}", e.message().trim())])
    })?;
    let mut w = Walk {
        problems: Vec::new(),
    };
    let mut c = Config::default();
    w.unknown_keys(
        &root,
        "",
        &[
            "aws",
            "audit",
            "s3",
            "checks",
            "suppressions",
            "daemon",
            "org",
        ],
    );

    if let Some(aws) = w.table(
        &root,
        "aws",
        "aws",
        &[
            "profile",
            "endpoint_url",
            "role_name",
            "regions",
            "max_attempts",
            "rate_limits",
        ],
    ) {
        c.profile = w.string(aws, "profile", "aws");
        c.endpoint_url = w.string(aws, "endpoint_url", "aws");
        if let Some(u) = &c.endpoint_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                w.err("aws.endpoint_url", format!("'{u}' is not an http(s) URL"));
            }
        }
        if let Some(r) = w.string(aws, "role_name", "aws") {
            if r.contains(['/', ':', ' ']) {
                w.err(
                    "aws.role_name",
                    format!("'{r}' is a role name, not an ARN or path (no '/', ':' or spaces)"),
                );
            }
            c.role_name = r;
        }
        c.regions = w.list(aws, "regions", "aws", region_name);
        if let Some(n) = w.int(aws, "max_attempts", "aws", 1, 20) {
            c.max_attempts = n as u32;
        }
        rate_limits(&mut w, aws, &mut c.rate_limits);
    }

    if let Some(org) = w.table(
        &root,
        "org",
        "org",
        &["ous", "tags", "exclude", "concurrency"],
    ) {
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
        c.org.filter.ous = w.list(org, "ous", "org", ou).unwrap_or_default();
        c.org.filter.exclude = w
            .list(org, "exclude", "org", account_id)
            .unwrap_or_default();
        match org.get("tags") {
            None => {}
            Some(Value::Table(t)) => {
                for (k, v) in t {
                    match v.as_str() {
                        Some(v) => {
                            c.org.filter.tags.insert(k.clone(), v.to_owned());
                        }
                        None => w.err(
                            &format!("org.tags.{k}"),
                            format!(
                                "expected a string (the tag's value), found {}",
                                v.type_str()
                            ),
                        ),
                    }
                }
            }
            Some(v) => w.err(
                "org.tags",
                format!(
                    "expected a table of tag = \"value\", found {}",
                    v.type_str()
                ),
            ),
        }
        if let Some(n) = w.int(org, "concurrency", "org", 1, 64) {
            c.org.concurrency = n as usize;
        }
    }

    if let Some(audit) = w.table(
        &root,
        "audit",
        "audit",
        &["services", "concurrency", "fail_on"],
    ) {
        c.services = w.list(audit, "services", "audit", |s| {
            s.parse::<Service>().map_err(|e| e.0)
        });
        if let Some(n) = w.int(audit, "concurrency", "audit", 1, 256) {
            c.concurrency = n as usize;
        }
        if let Some(s) = w.string(audit, "fail_on", "audit") {
            match parse_fail_on(&s) {
                Ok(v) => c.fail_on = v,
                Err(e) => w.err("audit.fail_on", e),
            }
        }
    }

    if let Some(s3) = w.table(
        &root,
        "s3",
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
    ) {
        if let Some(b) = w.list(s3, "state_buckets", "s3", bucket_name) {
            c.s3.state_buckets = b;
        }
        if let Some(d) = w.bool(s3, "discover", "s3") {
            c.s3.discover = d;
        }
        if let Some(n) = w.int(s3, "discovery_max_keys", "s3", 1, 1_000_000) {
            c.s3.discovery_max_keys = n as usize;
        }
        if let Some(n) = w.int(s3, "state_max_keys", "s3", 1, 10_000_000) {
            c.s3.state_max_keys = n as usize;
        }
        if let Some(on) = w.bool(s3, "scan_state_secrets", "s3") {
            c.s3.scan_secrets = on;
        }
        if let Some(n) = w.int(s3, "scan_max_objects", "s3", 1, 100_000) {
            c.s3.scan_max_objects = n as usize;
        }
        if let Some(n) = w.int(s3, "scan_max_object_bytes", "s3", 1, 1 << 32) {
            c.s3.scan_max_object_bytes = n;
        }
    }
    if c.s3.scan_secrets {
        c.settings.opt_in.push("S3-009".into());
    }

    if let Some(checks) = w.table(
        &root,
        "checks",
        "checks",
        &["disabled", "severity", "ec2", "eks", "ecr", "iam", "s3"],
    ) {
        let known = |s: &str| {
            auditor_checks::by_code(s)
                .map(|c| c.meta().code.to_owned())
                .ok_or_else(|| format!("no check has code '{s}' (see `auditor checks`)"))
        };
        if let Some(d) = w.list(checks, "disabled", "checks", known) {
            c.settings.disabled = d;
        }
        match checks.get("severity") {
            None => {}
            Some(Value::Table(t)) => {
                let mut map = BTreeMap::new();
                for (code, v) in t {
                    let key = format!("checks.severity.{code}");
                    let code = match known(code) {
                        Ok(c) => c,
                        Err(e) => {
                            w.err(&key, e);
                            continue;
                        }
                    };
                    match v.as_str().map(str::parse::<Severity>) {
                        Some(Ok(s)) => {
                            map.insert(code, s);
                        }
                        Some(Err(e)) => w.err(&key, e),
                        None => w.err(
                            &key,
                            format!("expected a severity string, found {}", v.type_str()),
                        ),
                    }
                }
                c.settings.severity_overrides = map;
            }
            Some(v) => w.err(
                "checks.severity",
                format!(
                    "expected a table of CODE = \"severity\", found {}",
                    v.type_str()
                ),
            ),
        }
        if let Some(ec2) = w.table(
            checks,
            "ec2",
            "checks.ec2",
            &["admin_ports", "database_ports", "isolated_subnet_tags"],
        ) {
            if let Some(p) = w.ports(ec2, "admin_ports", "checks.ec2") {
                c.settings.admin_ports = p;
            }
            if let Some(p) = w.ports(ec2, "database_ports", "checks.ec2") {
                c.settings.database_ports = p;
            }
            if let Some(t) = w.list(ec2, "isolated_subnet_tags", "checks.ec2", TagMatch::parse) {
                c.settings.isolated_subnet_tags = t;
            }
        }
        if let Some(iam) = w.table(
            checks,
            "iam",
            "checks.iam",
            &[
                "trusted_accounts",
                "break_glass_roles",
                "access_key_max_age_days",
                "role_unused_days",
            ],
        ) {
            if let Some(a) = w.list(iam, "trusted_accounts", "checks.iam", account_id) {
                c.settings.iam_trusted_accounts = a;
            }
            let role = |s: &str| {
                if s.is_empty() || s.contains([':', ' ']) {
                    Err(format!("'{s}' is not a role name (no ARN, no spaces)"))
                } else {
                    Ok(s.to_owned())
                }
            };
            if let Some(r) = w.list(iam, "break_glass_roles", "checks.iam", role) {
                c.settings.break_glass_roles = r;
            }
            if let Some(n) = w.int(iam, "access_key_max_age_days", "checks.iam", 1, 3650) {
                c.settings.access_key_max_age_days = n;
            }
            if let Some(n) = w.int(iam, "role_unused_days", "checks.iam", 1, 3650) {
                c.settings.role_unused_days = n;
            }
        }
        if let Some(ecr) = w.table(
            checks,
            "ecr",
            "checks.ecr",
            &["trusted_accounts", "allowed_upstream_registries"],
        ) {
            if let Some(a) = w.list(ecr, "trusted_accounts", "checks.ecr", account_id) {
                c.settings.ecr_trusted_accounts = a;
            }
            let host = |s: &str| {
                if s.is_empty() || s.contains(['/', ' ', ':']) {
                    Err(format!(
                        "'{s}' is not a registry host name (e.g. public.ecr.aws)"
                    ))
                } else {
                    Ok(s.to_owned())
                }
            };
            if let Some(h) = w.list(ecr, "allowed_upstream_registries", "checks.ecr", host) {
                c.settings.allowed_upstream_registries = h;
            }
        }
        if let Some(eks) = w.table(
            checks,
            "eks",
            "checks.eks",
            &["cluster_admins", "node_role_policies"],
        ) {
            if let Some(a) = w.list(eks, "cluster_admins", "checks.eks", principal_arn) {
                c.settings.eks_cluster_admins = a;
            }
            let policy = |s: &str| {
                if s.is_empty() || s.contains([':', '/', ' ']) {
                    Err(format!(
                        "'{s}' is not an AWS managed policy name (e.g. AmazonEKSWorkerNodePolicy)"
                    ))
                } else {
                    Ok(s.to_owned())
                }
            };
            if let Some(p) = w.list(eks, "node_role_policies", "checks.eks", policy) {
                c.settings.eks_node_role_policies = p;
            }
        }
        if let Some(s3) = w.table(
            checks,
            "s3",
            "checks.s3",
            &[
                "team_layout",
                "team_tag",
                "state_admins",
                "trusted_accounts",
                "teams",
            ],
        ) {
            let st = &mut c.settings.s3;
            if let Some(l) = w.string(s3, "team_layout", "checks.s3") {
                if l.matches("{team}").count() != 1 {
                    w.err(
                        "checks.s3.team_layout",
                        format!(
                            "'{l}' must hold `{{team}}` exactly once, e.g. \"services/{{team}}/\""
                        ),
                    );
                } else {
                    st.team_layout = l;
                }
            }
            if let Some(t) = w.string(s3, "team_tag", "checks.s3") {
                st.team_tag = t;
            }
            if let Some(a) = w.list(s3, "state_admins", "checks.s3", principal_arn) {
                st.state_admins = a;
            }
            if let Some(a) = w.list(s3, "trusted_accounts", "checks.s3", account_id) {
                st.trusted_accounts = a;
            }
            match s3.get("teams") {
                None => {}
                Some(Value::Table(teams)) => {
                    for (name, v) in teams {
                        let path = format!("checks.s3.teams.{name}");
                        let Some(t) = v.as_table() else {
                            w.err(
                                &path,
                                format!(
                                    "expected a table with prefixes and principals, found {}",
                                    v.type_str()
                                ),
                            );
                            continue;
                        };
                        w.unknown_keys(t, &path, &["prefixes", "principals"]);
                        let prefix = |s: &str| {
                            if s.is_empty() || s.starts_with('/') {
                                Err(format!(
                                    "'{s}' is not a key prefix (e.g. \"services/crm/\")"
                                ))
                            } else {
                                Ok(s.to_owned())
                            }
                        };
                        let prefixes = w.list(t, "prefixes", &path, prefix);
                        if t.get("prefixes").is_none() {
                            w.err(
                                &format!("{path}.prefixes"),
                                "missing: the team's state key prefixes",
                            );
                        }
                        let principals = w.list(t, "principals", &path, principal_arn);
                        if let Some(prefixes) = prefixes {
                            st.teams.push(StateTeam {
                                name: name.clone(),
                                prefixes,
                                principals: principals.unwrap_or_default(),
                            });
                        }
                    }
                }
                Some(v) => w.err(
                    "checks.s3.teams",
                    format!("expected a table of teams, found {}", v.type_str()),
                ),
            }
        }
    }

    if let Some(d) = w.table(
        &root,
        "daemon",
        "daemon",
        &[
            "accounts",
            "interval",
            "cron",
            "jitter",
            "store",
            "reports_dir",
            "upload_to",
            "listen",
            "token",
            "token_env",
            "grace_period",
        ],
    ) {
        c.daemon = daemon_section(&mut w, d);
    }

    match root.get("suppressions") {
        None => {}
        Some(Value::Array(list)) => {
            let today = time::OffsetDateTime::now_utc().date();
            for (i, v) in list.iter().enumerate() {
                let path = format!("suppressions[{i}]");
                let Some(t) = v.as_table() else {
                    w.err(&path, format!("expected a table, found {}", v.type_str()));
                    continue;
                };
                w.unknown_keys(
                    t,
                    &path,
                    &["code", "resource", "reason", "owner", "expires"],
                );
                let before = w.problems.len();
                let mut need = |key: &str| {
                    let got = w.string(t, key, &path);
                    if t.get(key).is_none() {
                        w.err(
                            &format!("{path}.{key}"),
                            "missing (code, resource, reason, owner and expires are all required)",
                        );
                    }
                    got
                };
                let (code, resource, reason, owner, expires) = (
                    need("code"),
                    need("resource"),
                    need("reason"),
                    need("owner"),
                    need("expires"),
                );
                let code = code.and_then(|c| match auditor_checks::by_code(&c) {
                    Some(k) => Some(k.meta().code.to_owned()),
                    None => {
                        w.err(
                            &format!("{path}.code"),
                            format!("no check has code '{c}' (see `auditor checks`)"),
                        );
                        None
                    }
                });
                if let Some(r) = &resource {
                    if !r.starts_with("arn:") {
                        w.err(
                            &format!("{path}.resource"),
                            format!(
                                "'{r}' is not an ARN pattern (arn:aws:...; * wildcards allowed)"
                            ),
                        );
                    }
                }
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                let expires = expires.and_then(|e| match time::Date::parse(&e, &fmt) {
                    Ok(d) => Some(d),
                    Err(_) => {
                        w.err(
                            &format!("{path}.expires"),
                            format!("'{e}' is not a date (YYYY-MM-DD)"),
                        );
                        None
                    }
                });
                if w.problems.len() != before {
                    continue;
                }
                if let (Some(code), Some(resource), Some(reason), Some(owner), Some(expires)) =
                    (code, resource, reason, owner, expires)
                {
                    if expires < today {
                        c.warnings.push(format!(
                            "{}: {path} ({code} on {resource}, owner {owner}) expired on {expires}: it no longer applies",
                            file.display()
                        ));
                    }
                    c.settings.suppressions.push(SuppressionRule {
                        code,
                        resource,
                        reason,
                        owner,
                        expires,
                    });
                }
            }
        }
        Some(v) => w.err(
            "suppressions",
            format!(
                "expected a list of [[suppressions]] tables, found {}",
                v.type_str()
            ),
        ),
    }

    if w.problems.is_empty() {
        Ok(c)
    } else {
        Err(errors(w.problems))
    }
}

fn daemon_section(w: &mut Walk, d: &Table) -> Option<DaemonConfig> {
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
    let store = w
        .string(d, "store", "daemon")
        .unwrap_or_else(|| "auditor.db".into());
    let reports_dir = w
        .string(d, "reports_dir", "daemon")
        .unwrap_or_else(|| "reports".into());
    let upload_to = w.string(d, "upload_to", "daemon").and_then(|u| {
        match u
            .strip_prefix("s3://")
            .map(|r| r.split_once('/').unwrap_or((r, "")))
        {
            Some((b, p)) if bucket_name(b).is_ok() => {
                Some((b.to_owned(), p.trim_end_matches('/').to_owned()))
            }
            _ => {
                w.err(
                    "daemon.upload_to",
                    format!("'{u}' is not s3://bucket[/prefix]"),
                );
                None
            }
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
    if let Some(a) = listen {
        if !a.ip().is_loopback() && token.is_none() {
            w.err(
                "daemon.listen",
                format!("{a} is not a loopback address: set daemon.token or the {token_env} environment variable so the API requires a bearer token"),
            );
        }
    }
    if w.problems.len() != before {
        return None;
    }
    Some(DaemonConfig {
        accounts: accounts?,
        schedule: schedule?,
        jitter: jitter?,
        store: PathBuf::from(store),
        reports_dir: PathBuf::from(reports_dir),
        upload_to,
        listen: listen?,
        token,
        grace_period: grace?,
    })
}

/// Reads and validates a configuration file.
pub(crate) fn load(file: &Path) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(file).map_err(|e| ConfigErrors {
        file: file.to_owned(),
        problems: vec![format!("cannot read: {e}")],
    })?;
    parse(file, &text)
}

/// Parses a rate limit the user wrote: a number of requests per second, or `{ per_second,
/// burst }`. Zero turns the limit off.
pub(crate) fn rate_limit(v: &Value) -> Result<auditor_aws::counting::RateLimit, String> {
    use auditor_aws::counting::RateLimit;
    let num = |v: &Value| match v {
        Value::Integer(i) if *i >= 0 => Some(*i as f64),
        Value::Float(f) if *f >= 0.0 && f.is_finite() => Some(*f),
        _ => None,
    };
    let what =
        "expected requests per second (a number, 0 for no limit) or { per_second = N, burst = M }";
    match v {
        Value::Table(t) => {
            if let Some(k) = t.keys().find(|k| *k != "per_second" && *k != "burst") {
                return Err(format!("unknown key '{k}': {what}"));
            }
            let per_second = t.get("per_second").and_then(num).ok_or(what)?;
            let burst = match t.get("burst") {
                None => RateLimit::per_second(per_second).burst,
                Some(Value::Integer(b)) if (1..=10_000).contains(b) => *b as u32,
                Some(_) => return Err("burst: expected an integer from 1 to 10000".into()),
            };
            Ok(RateLimit { per_second, burst })
        }
        v => num(v)
            .map(RateLimit::per_second)
            .ok_or_else(|| what.to_owned()),
    }
}

fn rate_limits(w: &mut Walk, aws: &Table, out: &mut auditor_aws::counting::RateLimits) {
    let mut allowed = auditor_aws::counting::RateLimits::known_services();
    allowed.push("default");
    let Some(t) = w.table(aws, "rate_limits", "aws.rate_limits", &allowed) else {
        return;
    };
    for (k, v) in t {
        if !allowed.contains(&k.as_str()) {
            continue;
        }
        match rate_limit(v) {
            Ok(l) if k == "default" => out.default = l,
            Ok(l) => {
                out.by_service.insert(k.clone(), l);
            }
            Err(e) => w.err(&format!("aws.rate_limits.{k}"), e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/auditor.example.toml");
        let c = load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.role_name, "AuditorReadOnly");
        assert_eq!(c.services, Some(Service::IMPLEMENTED.to_vec()));
        // Every documented S3 default is the program's default.
        let d = auditor_engine::S3Options::default();
        assert_eq!(
            (c.s3.discover, c.s3.discovery_max_keys, c.s3.state_max_keys),
            (d.discover, d.discovery_max_keys, d.state_max_keys)
        );
        assert_eq!(
            (
                c.s3.scan_secrets,
                c.s3.scan_max_objects,
                c.s3.scan_max_object_bytes
            ),
            (d.scan_secrets, d.scan_max_objects, d.scan_max_object_bytes)
        );
        assert_eq!(c.settings.s3, auditor_checks::StateSettings::default());
        // Every documented rate limit is the program's default, and so is [org].
        assert_eq!(c.rate_limits, auditor_aws::counting::RateLimits::default());
        assert_eq!(c.org.filter, collect_org::OrgFilter::default());
        assert_eq!(c.org.concurrency, OrgSettings::default().concurrency);
        let d = c.daemon.expect("the example has a [daemon] section");
        assert_eq!(d.accounts, Accounts::List(vec!["123456789012".into()]));
        assert!(matches!(d.schedule, Schedule::Every(i) if i.as_secs() == 6 * 3600));
        assert_eq!(d.listen.to_string(), "127.0.0.1:9477");
        assert_eq!(d.grace_period.as_secs(), 300);
        assert!(d.upload_to.is_none(), "uploading is off by default");
        assert_eq!(c.settings.break_glass_roles, ["BreakGlassAdmin"]);
        assert_eq!(c.settings.allowed_upstream_registries, ["public.ecr.aws"]);
        assert_eq!(
            c.settings.eks_node_role_policies,
            auditor_checks::DEFAULT_NODE_ROLE_POLICIES
        );
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_key() {
        let text = r#"
            colour = "blue"
            [aws]
            role_name = "arn:aws:iam::1:role/x"
            regions = ["eu-west-1", "Europe", 3]
            max_attempts = 0
            [audit]
            services = ["ec2", "lambda"]
            fail_on = "severe"
            [checks]
            disabled = ["EC2-999"]
            severity = { "EC2-001" = "huge", "XYZ-1" = "low" }
            [checks.ec2]
            admin_ports = [22, 70000]
            isolated_subnet_tags = ["=x"]
            [checks.iam]
            break_glass_roles = ["arn:aws:iam::1:role/x"]
            [checks.ecr]
            trusted_accounts = ["12345"]
            allowed_upstream_registries = ["https://quay.io/"]
            [checks.eks]
            cluster_admins = ["platform-admin"]
            node_role_policies = ["arn:aws:iam::aws:policy/AdministratorAccess"]
        "#;
        let err = parse(Path::new("cfg.toml"), text).unwrap_err();
        let msg = err.to_string();
        for want in [
            "cfg.toml: colour: unknown key",
            "cfg.toml: aws.role_name: 'arn:aws:iam::1:role/x' is a role name",
            "cfg.toml: aws.regions[1]: 'Europe' is not a region name",
            "cfg.toml: aws.regions[2]: expected a string, found integer",
            "cfg.toml: aws.max_attempts: 0 is out of range",
            "cfg.toml: audit.services[1]: unknown service 'lambda'",
            "cfg.toml: audit.fail_on: unknown severity 'severe'",
            "cfg.toml: checks.disabled[0]: no check has code 'EC2-999'",
            "cfg.toml: checks.severity.EC2-001: unknown severity 'huge'",
            "cfg.toml: checks.severity.XYZ-1: no check has code 'XYZ-1'",
            "cfg.toml: checks.ec2.admin_ports[1]: 70000 is not a port number",
            "cfg.toml: checks.ec2.isolated_subnet_tags[0]: '=x' has an empty tag key",
            "cfg.toml: checks.iam.break_glass_roles[0]: 'arn:aws:iam::1:role/x' is not a role name",
            "cfg.toml: checks.ecr.trusted_accounts[0]: '12345' is not an AWS account id",
            "cfg.toml: checks.ecr.allowed_upstream_registries[0]: 'https://quay.io/' is not a registry host name",
            "cfg.toml: checks.eks.cluster_admins[0]: 'platform-admin' is not an IAM principal ARN",
            "cfg.toml: checks.eks.node_role_policies[0]: 'arn:aws:iam::aws:policy/AdministratorAccess' is not an AWS managed policy name",
        ] {
            assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
        }
        assert_eq!(err.problems.len(), 17, "{msg}");
    }

    #[test]
    fn org_rate_limits_and_org_accounts_parse_and_their_problems_are_named() {
        let text = r#"
            [aws.rate_limits]
            iam = 2.5
            ec2 = { per_second = 50, burst = 200 }
            s3 = 0
            [org]
            ous = ["ou-ab12-cdef3456", "r-ab12"]
            tags = { env = "prod" }
            exclude = ["111122223333"]
            concurrency = 2
            [daemon]
            accounts = "org"
            interval = "1h"
        "#;
        let c = parse(Path::new("cfg.toml"), text).unwrap_or_else(|e| panic!("{e}"));
        let l = &c.rate_limits;
        assert_eq!(l.of("iam").per_second, 2.5);
        assert_eq!(l.of("iam").burst, 3);
        assert_eq!((l.of("ec2").per_second, l.of("ec2").burst), (50.0, 200));
        assert_eq!(l.of("s3").per_second, 0.0, "0 turns the limit off");
        assert_eq!(
            l.of("organizations"),
            auditor_aws::counting::RateLimits::default().of("organizations"),
            "unset families keep their defaults"
        );
        assert_eq!(c.org.filter.ous, ["ou-ab12-cdef3456", "r-ab12"]);
        assert_eq!(c.org.filter.tags["env"], "prod");
        assert_eq!(c.org.filter.exclude, ["111122223333"]);
        assert_eq!(c.org.concurrency, 2);
        assert_eq!(c.daemon.unwrap().accounts, Accounts::Org);

        let text = r#"
            [aws.rate_limits]
            iam = -1
            lambda = 5
            ec2 = { per_second = 5, burst = 0 }
            [org]
            ous = ["engineering"]
            tags = { env = 3 }
            exclude = ["42"]
            [daemon]
            accounts = "all"
            interval = "1h"
        "#;
        let err = parse(Path::new("cfg.toml"), text).unwrap_err();
        let msg = err.to_string();
        for want in [
            "cfg.toml: aws.rate_limits.iam: expected requests per second",
            "cfg.toml: aws.rate_limits.lambda: unknown key",
            "cfg.toml: aws.rate_limits.ec2: burst: expected an integer from 1 to 10000",
            "cfg.toml: org.ous[0]: 'engineering' is not an organizational unit id",
            "cfg.toml: org.tags.env: expected a string",
            "cfg.toml: org.exclude[0]: '42'",
            "cfg.toml: daemon.accounts: 'all': expected a list of account ids, or \"org\"",
        ] {
            assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
        }
        assert_eq!(err.problems.len(), 7, "{msg}");
    }

    #[test]
    fn suppressions_need_every_field_and_valid_values() {
        let err = parse(
            Path::new("cfg.toml"),
            r#"
            [[suppressions]]
            code = "EC2-999"
            resource = "sg-123"
            reason = "legacy"
            expires = "next week"
            ticket = "SEC-1"

            [[suppressions]]
            code = "EC2-002"
            resource = "arn:aws:ec2:*"
            reason = "lab"
            owner = "me"
            expires = "2099-01-01"
            "#,
        )
        .unwrap_err();
        let msg = err.to_string();
        for want in [
            "cfg.toml: suppressions[0].ticket: unknown key",
            "cfg.toml: suppressions[0].owner: missing",
            "cfg.toml: suppressions[0].code: no check has code 'EC2-999'",
            "cfg.toml: suppressions[0].resource: 'sg-123' is not an ARN pattern",
            "cfg.toml: suppressions[0].expires: 'next week' is not a date (YYYY-MM-DD)",
        ] {
            assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
        }
        assert_eq!(err.problems.len(), 5, "{msg}");
    }

    #[test]
    fn s3_options_and_teams_are_read_and_checked() {
        let ok = parse(
            Path::new("cfg.toml"),
            r#"
            [s3]
            state_buckets = ["mercury-terraform-us-east-2"]
            discovery_max_keys = 50
            scan_state_secrets = true
            [checks.s3]
            team_layout = "teams/{team}/"
            state_admins = ["arn:aws:iam::*:role/atlantis"]
            [checks.s3.teams.crm]
            prefixes = ["services/crm/"]
            principals = ["arn:aws:iam::*:role/crm-*"]
            "#,
        )
        .unwrap();
        assert_eq!(ok.s3.state_buckets, ["mercury-terraform-us-east-2"]);
        assert_eq!(ok.s3.discovery_max_keys, 50);
        assert!(ok.s3.scan_secrets);
        assert_eq!(ok.settings.opt_in, ["S3-009"]);
        assert_eq!(ok.settings.s3.team_layout, "teams/{team}/");
        assert_eq!(ok.settings.s3.teams.len(), 1);
        assert_eq!(ok.settings.s3.teams[0].name, "crm");
        assert_eq!(
            ok.settings.s3.teams[0].principals,
            ["arn:aws:iam::*:role/crm-*"]
        );

        let err = parse(
            Path::new("cfg.toml"),
            r#"
            [s3]
            state_buckets = ["s3://my-state"]
            discover = "yes"
            scan_max_objects = 0
            [checks.s3]
            team_layout = "services/"
            state_admins = ["atlantis"]
            [checks.s3.teams.crm]
            principals = ["crm-deployer"]
            owner = "x"
            "#,
        )
        .unwrap_err();
        let msg = err.to_string();
        for want in [
            "cfg.toml: s3.state_buckets[0]: 's3://my-state' is not an S3 bucket name",
            "cfg.toml: s3.discover: expected true or false, found string",
            "cfg.toml: s3.scan_max_objects: 0 is out of range",
            "cfg.toml: checks.s3.team_layout: 'services/' must hold `{team}` exactly once",
            "cfg.toml: checks.s3.state_admins[0]: 'atlantis' is not an IAM principal ARN",
            "cfg.toml: checks.s3.teams.crm.owner: unknown key",
            "cfg.toml: checks.s3.teams.crm.prefixes: missing",
            "cfg.toml: checks.s3.teams.crm.principals[0]: 'crm-deployer' is not an IAM principal ARN",
        ] {
            assert!(msg.contains(want), "missing `{want}` in:\n{msg}");
        }
        assert_eq!(err.problems.len(), 8, "{msg}");
    }

    #[test]
    fn malformed_toml_names_the_file_and_place() {
        let err = parse(Path::new("bad.toml"), "[aws\nrole_name = 1").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bad.toml has 1 problem(s):"), "{msg}");
        assert!(msg.contains("not valid TOML"), "{msg}");
    }

    #[test]
    fn fail_on_accepts_none() {
        assert_eq!(parse_fail_on("none"), Ok(None));
        assert_eq!(parse_fail_on("medium"), Ok(Some(Severity::Medium)));
        assert!(parse_fail_on("x").is_err());
    }
}
