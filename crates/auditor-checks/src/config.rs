//! The checks' part of a configuration: the `[checks]` table and the `[[suppressions]]`
//! list, as written (any self-describing format: the CLI's TOML file, a fixture's JSON),
//! read into [`Settings`] with every problem reported at once, each naming its key. The
//! settings are defined and checked here, beside the checks that honour them; the CLI and
//! the fixture test read them through the same function.

use crate::{Settings, StateTeam, SuppressionRule, TagMatch};
use auditor_model::Severity;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A problem: the key (`checks.iam.trusted_accounts[1]`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted path, list elements as `[i]`.
    pub key: String,
    /// One line.
    pub message: String,
}

/// Collects problems while reading tables.
#[derive(Default)]
pub struct Reader {
    /// What was found wrong, in reading order.
    pub problems: Vec<Problem>,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "table",
    }
}

impl Reader {
    /// Records a problem with `key`.
    pub fn err(&mut self, key: &str, message: impl std::fmt::Display) {
        self.problems.push(Problem {
            key: key.to_owned(),
            message: message.to_string(),
        });
    }

    /// The table at `key` of `t`, its unknown keys reported.
    pub fn table<'a>(
        &mut self,
        t: &'a Map<String, Value>,
        key: &str,
        path: &str,
        allowed: &[&str],
    ) -> Option<&'a Map<String, Value>> {
        let v = t.get(key)?;
        let Some(sub) = v.as_object() else {
            self.err(path, format!("expected a table, found {}", kind(v)));
            return None;
        };
        self.unknown_keys(sub, path, allowed);
        Some(sub)
    }

    /// Reports every key of `t` not in `allowed`.
    pub fn unknown_keys(&mut self, t: &Map<String, Value>, path: &str, allowed: &[&str]) {
        for k in t.keys().filter(|k| !allowed.contains(&k.as_str())) {
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

    /// A non-empty string.
    pub fn string(&mut self, t: &Map<String, Value>, key: &str, path: &str) -> Option<String> {
        match t.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::String(_) => {
                self.err(&format!("{path}.{key}"), "must not be empty");
                None
            }
            v => {
                self.err(
                    &format!("{path}.{key}"),
                    format!("expected a string, found {}", kind(v)),
                );
                None
            }
        }
    }

    /// `true` or `false`.
    pub fn bool(&mut self, t: &Map<String, Value>, key: &str, path: &str) -> Option<bool> {
        match t.get(key)? {
            Value::Bool(b) => Some(*b),
            v => {
                self.err(
                    &format!("{path}.{key}"),
                    format!("expected true or false, found {}", kind(v)),
                );
                None
            }
        }
    }

    /// An integer from `min` to `max`.
    pub fn int(
        &mut self,
        t: &Map<String, Value>,
        key: &str,
        path: &str,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let v = t.get(key)?;
        match v.as_i64() {
            Some(i) if (min..=max).contains(&i) => Some(i),
            Some(i) => {
                self.err(
                    &format!("{path}.{key}"),
                    format!("{i} is out of range ({min} to {max})"),
                );
                None
            }
            None => {
                self.err(
                    &format!("{path}.{key}"),
                    format!("expected an integer, found {}", kind(v)),
                );
                None
            }
        }
    }

    /// A list of strings, each read by `parse`; problems name the element's index.
    pub fn list<T>(
        &mut self,
        t: &Map<String, Value>,
        key: &str,
        path: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<Vec<T>> {
        let full = format!("{path}.{key}");
        let v = t.get(key)?;
        let Some(arr) = v.as_array() else {
            self.err(
                &full,
                format!("expected a list of strings, found {}", kind(v)),
            );
            return None;
        };
        let before = self.problems.len();
        let mut out = Vec::new();
        for (i, item) in arr.iter().enumerate() {
            match item.as_str() {
                Some(s) => match parse(s) {
                    Ok(x) => out.push(x),
                    Err(e) => self.err(&format!("{full}[{i}]"), e),
                },
                None => self.err(
                    &format!("{full}[{i}]"),
                    format!("expected a string, found {}", kind(item)),
                ),
            }
        }
        (self.problems.len() == before).then_some(out)
    }

    fn ports(&mut self, t: &Map<String, Value>, key: &str, path: &str) -> Option<Vec<u16>> {
        let full = format!("{path}.{key}");
        let v = t.get(key)?;
        let Some(arr) = v.as_array() else {
            self.err(
                &full,
                format!("expected a list of port numbers, found {}", kind(v)),
            );
            return None;
        };
        let before = self.problems.len();
        let mut out = Vec::new();
        for (i, item) in arr.iter().enumerate() {
            match item
                .as_i64()
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

/// An IAM principal ARN pattern.
pub fn principal_arn(s: &str) -> Result<String, String> {
    if s.starts_with("arn:") && s.contains(":iam::") {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "'{s}' is not an IAM principal ARN (arn:aws:iam::123456789012:role/NAME; * wildcards allowed)"
        ))
    }
}

/// A 12-digit account id.
pub fn account_id(s: &str) -> Result<String, String> {
    s.parse::<auditor_model::AccountId>()
        .map(|a| a.to_string())
        .map_err(|e| e.0)
}

fn known_check(s: &str) -> Result<String, String> {
    crate::by_code(s)
        .map(|c| c.meta().code.to_owned())
        .ok_or_else(|| format!("no check has code '{s}' (see `auditor checks`)"))
}

fn name_without(s: &str, forbidden: &[char], what: &str) -> Result<String, String> {
    if s.is_empty() || s.contains(forbidden) {
        Err(format!("'{s}' is not {what}"))
    } else {
        Ok(s.to_owned())
    }
}

/// Reads `[checks]` (`checks`) and `[[suppressions]]` (`suppressions`) over the defaults.
/// `today` decides which suppressions have expired (they are kept, and reported in the
/// returned warnings).
pub fn read(
    checks: Option<&Value>,
    suppressions: Option<&Value>,
    today: time::Date,
    r: &mut Reader,
) -> (Settings, Vec<String>) {
    let mut s = Settings::default();
    let mut warnings = Vec::new();
    match checks {
        None => {}
        Some(Value::Object(c)) => {
            r.unknown_keys(
                c,
                "checks",
                &["disabled", "severity", "ec2", "eks", "ecr", "iam", "s3"],
            );
            read_checks(c, &mut s, r);
        }
        Some(v) => r.err("checks", format!("expected a table, found {}", kind(v))),
    }
    match suppressions {
        None => {}
        Some(Value::Array(list)) => {
            for (i, v) in list.iter().enumerate() {
                if let Some(rule) = suppression(i, v, r) {
                    if rule.expires < today {
                        warnings.push(format!(
                            "suppressions[{i}] ({} on {}, owner {}) expired on {}: it no longer applies",
                            rule.code, rule.resource, rule.owner, rule.expires
                        ));
                    }
                    s.suppressions.push(rule);
                }
            }
        }
        Some(v) => r.err(
            "suppressions",
            format!(
                "expected a list of [[suppressions]] tables, found {}",
                kind(v)
            ),
        ),
    }
    (s, warnings)
}

fn read_checks(c: &Map<String, Value>, s: &mut Settings, r: &mut Reader) {
    if let Some(d) = r.list(c, "disabled", "checks", known_check) {
        s.disabled = d;
    }
    match c.get("severity") {
        None => {}
        Some(Value::Object(t)) => {
            let mut map = BTreeMap::new();
            for (code, v) in t {
                let key = format!("checks.severity.{code}");
                let code = match known_check(code) {
                    Ok(c) => c,
                    Err(e) => {
                        r.err(&key, e);
                        continue;
                    }
                };
                match v.as_str().map(str::parse::<Severity>) {
                    Some(Ok(sev)) => {
                        map.insert(code, sev);
                    }
                    Some(Err(e)) => r.err(&key, e),
                    None => r.err(
                        &key,
                        format!("expected a severity string, found {}", kind(v)),
                    ),
                }
            }
            s.severity_overrides = map;
        }
        Some(v) => r.err(
            "checks.severity",
            format!("expected a table of CODE = \"severity\", found {}", kind(v)),
        ),
    }
    if let Some(t) = r.table(
        c,
        "ec2",
        "checks.ec2",
        &["admin_ports", "database_ports", "isolated_subnet_tags"],
    ) {
        if let Some(p) = r.ports(t, "admin_ports", "checks.ec2") {
            s.admin_ports = p;
        }
        if let Some(p) = r.ports(t, "database_ports", "checks.ec2") {
            s.database_ports = p;
        }
        if let Some(x) = r.list(t, "isolated_subnet_tags", "checks.ec2", TagMatch::parse) {
            s.isolated_subnet_tags = x;
        }
    }
    if let Some(t) = r.table(
        c,
        "iam",
        "checks.iam",
        &[
            "trusted_accounts",
            "break_glass_roles",
            "access_key_max_age_days",
            "role_unused_days",
        ],
    ) {
        if let Some(a) = r.list(t, "trusted_accounts", "checks.iam", account_id) {
            s.iam_trusted_accounts = a;
        }
        let role = |x: &str| name_without(x, &[':', ' '], "a role name (no ARN, no spaces)");
        if let Some(x) = r.list(t, "break_glass_roles", "checks.iam", role) {
            s.break_glass_roles = x;
        }
        if let Some(n) = r.int(t, "access_key_max_age_days", "checks.iam", 1, 3650) {
            s.access_key_max_age_days = n;
        }
        if let Some(n) = r.int(t, "role_unused_days", "checks.iam", 1, 3650) {
            s.role_unused_days = n;
        }
    }
    if let Some(t) = r.table(
        c,
        "ecr",
        "checks.ecr",
        &["trusted_accounts", "allowed_upstream_registries"],
    ) {
        if let Some(a) = r.list(t, "trusted_accounts", "checks.ecr", account_id) {
            s.ecr_trusted_accounts = a;
        }
        let host = |x: &str| {
            name_without(
                x,
                &['/', ' ', ':'],
                "a registry host name (e.g. public.ecr.aws)",
            )
        };
        if let Some(h) = r.list(t, "allowed_upstream_registries", "checks.ecr", host) {
            s.allowed_upstream_registries = h;
        }
    }
    if let Some(t) = r.table(
        c,
        "eks",
        "checks.eks",
        &["cluster_admins", "node_role_policies", "required_log_types"],
    ) {
        if let Some(a) = r.list(t, "cluster_admins", "checks.eks", principal_arn) {
            s.eks_cluster_admins = a;
        }
        let policy = |x: &str| {
            name_without(
                x,
                &[':', '/', ' '],
                "an AWS managed policy name (e.g. AmazonEKSWorkerNodePolicy)",
            )
        };
        if let Some(p) = r.list(t, "node_role_policies", "checks.eks", policy) {
            s.eks_node_role_policies = p;
        }
        let log_type = |x: &str| {
            crate::settings::EKS_LOG_TYPES
                .iter()
                .find(|t| **t == x)
                .map(|t| (*t).to_owned())
                .ok_or_else(|| {
                    format!(
                        "'{x}' is not an EKS control-plane log type ({})",
                        crate::settings::EKS_LOG_TYPES.join(", ")
                    )
                })
        };
        if let Some(types) = r.list(t, "required_log_types", "checks.eks", log_type) {
            let mut unique: Vec<String> = Vec::new();
            for t in types {
                if !unique.contains(&t) {
                    unique.push(t);
                }
            }
            if !unique.iter().any(|t| t == "audit") {
                // An empty list would pass every cluster; EKS-003 is Security Hub's EKS.8.
                r.err(
                    "checks.eks.required_log_types",
                    "must include 'audit' (to stop EKS-003, disable it in checks.disabled)"
                        .to_owned(),
                );
            } else {
                s.eks_required_log_types = unique;
            }
        }
    }
    if let Some(t) = r.table(
        c,
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
        read_state(t, s, r);
    }
}

fn read_state(t: &Map<String, Value>, s: &mut Settings, r: &mut Reader) {
    let st = &mut s.s3;
    if let Some(l) = r.string(t, "team_layout", "checks.s3") {
        if l.matches("{team}").count() == 1 {
            st.team_layout = l;
        } else {
            r.err(
                "checks.s3.team_layout",
                format!("'{l}' must hold `{{team}}` exactly once, e.g. \"services/{{team}}/\""),
            );
        }
    }
    if let Some(x) = r.string(t, "team_tag", "checks.s3") {
        st.team_tag = x;
    }
    if let Some(a) = r.list(t, "state_admins", "checks.s3", principal_arn) {
        st.state_admins = a;
    }
    if let Some(a) = r.list(t, "trusted_accounts", "checks.s3", account_id) {
        st.trusted_accounts = a;
    }
    match t.get("teams") {
        None => {}
        Some(Value::Object(teams)) => {
            for (name, v) in teams {
                let path = format!("checks.s3.teams.{name}");
                let Some(team) = v.as_object() else {
                    r.err(
                        &path,
                        format!(
                            "expected a table with prefixes and principals, found {}",
                            kind(v)
                        ),
                    );
                    continue;
                };
                r.unknown_keys(team, &path, &["prefixes", "principals"]);
                let prefix = |x: &str| {
                    if x.is_empty() || x.starts_with('/') {
                        Err(format!(
                            "'{x}' is not a key prefix (e.g. \"services/crm/\")"
                        ))
                    } else {
                        Ok(x.to_owned())
                    }
                };
                let prefixes = r.list(team, "prefixes", &path, prefix);
                if !team.contains_key("prefixes") {
                    r.err(
                        &format!("{path}.prefixes"),
                        "missing: the team's state key prefixes",
                    );
                }
                let principals = r.list(team, "principals", &path, principal_arn);
                if let Some(prefixes) = prefixes {
                    st.teams.push(StateTeam {
                        name: name.clone(),
                        prefixes,
                        principals: principals.unwrap_or_default(),
                    });
                }
            }
        }
        Some(v) => r.err(
            "checks.s3.teams",
            format!("expected a table of teams, found {}", kind(v)),
        ),
    }
}

fn suppression(i: usize, v: &Value, r: &mut Reader) -> Option<SuppressionRule> {
    let path = format!("suppressions[{i}]");
    let Some(t) = v.as_object() else {
        r.err(&path, format!("expected a table, found {}", kind(v)));
        return None;
    };
    r.unknown_keys(
        t,
        &path,
        &["code", "resource", "reason", "owner", "expires"],
    );
    let before = r.problems.len();
    let mut need = |key: &str| {
        let got = r.string(t, key, &path);
        if !t.contains_key(key) {
            r.err(
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
    let code = code.and_then(|c| match known_check(&c) {
        Ok(k) => Some(k),
        Err(e) => {
            r.err(&format!("{path}.code"), e);
            None
        }
    });
    if let Some(res) = resource.as_ref().filter(|x| !x.starts_with("arn:")) {
        r.err(
            &format!("{path}.resource"),
            format!("'{res}' is not an ARN pattern (arn:aws:...; * wildcards allowed)"),
        );
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let expires = expires.and_then(|e| match time::Date::parse(&e, &fmt) {
        Ok(d) => Some(d),
        Err(_) => {
            r.err(
                &format!("{path}.expires"),
                format!("'{e}' is not a date (YYYY-MM-DD)"),
            );
            None
        }
    });
    if r.problems.len() != before {
        return None;
    }
    Some(SuppressionRule {
        code: code?,
        resource: resource?,
        reason: reason?,
        owner: owner?,
        expires: expires?,
    })
}
