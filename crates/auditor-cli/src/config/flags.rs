//! The command line's settings, laid over the file's tables before the one validation: a
//! flag wins over the file, and a problem with its value names the flag.

use super::Raw;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What `audit`'s flags set (each `None` or empty when not given).
#[derive(Debug, Default, Clone)]
pub(crate) struct Flags {
    pub(crate) profile: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) role_name: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) regions: Option<Vec<String>>,
    pub(crate) services: Option<Vec<String>>,
    pub(crate) concurrency: Option<usize>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) fail_on: Option<String>,
    /// `SERVICE=REQUESTS_PER_SECOND`.
    pub(crate) rate_limit: Vec<String>,
    pub(crate) ous: Option<Vec<String>>,
    /// `KEY=VALUE`.
    pub(crate) account_tags: Vec<String>,
    pub(crate) exclude_accounts: Option<Vec<String>>,
    pub(crate) account_concurrency: Option<usize>,
}

fn table(slot: &mut Option<Value>) -> &mut Map<String, Value> {
    if !matches!(slot, Some(Value::Object(_))) {
        *slot = Some(Value::Object(Map::new()));
    }
    match slot {
        Some(Value::Object(m)) => m,
        _ => unreachable!("just made a table"),
    }
}

impl Flags {
    /// Sets each given flag's key in `raw`, recording which flag set it; a flag whose
    /// text cannot be a value at all (`--rate-limit iam`) is a problem here.
    pub(super) fn lay_over(
        &self,
        raw: &mut Raw,
        origin: &mut BTreeMap<String, &'static str>,
        problems: &mut Vec<String>,
    ) {
        let mut set = |slot: &mut Option<Value>, section: &str, key: &str, v: Value, flag| {
            table(slot).insert(key.to_owned(), v);
            origin.insert(format!("{section}.{key}"), flag);
        };
        let strings =
            |l: &[String]| Value::Array(l.iter().map(|s| Value::from(s.trim())).collect());
        if let Some(p) = &self.profile {
            set(
                &mut raw.aws,
                "aws",
                "profile",
                p.clone().into(),
                "--profile",
            );
        }
        if let Some(u) = &self.endpoint_url {
            set(
                &mut raw.aws,
                "aws",
                "endpoint_url",
                u.clone().into(),
                "--endpoint-url",
            );
        }
        if let Some(r) = &self.role_name {
            set(
                &mut raw.aws,
                "aws",
                "role_name",
                r.clone().into(),
                "--role-name",
            );
        }
        if let Some(x) = &self.external_id {
            set(
                &mut raw.aws,
                "aws",
                "external_id",
                x.clone().into(),
                "--external-id",
            );
        }
        if let Some(r) = &self.regions {
            set(&mut raw.aws, "aws", "regions", strings(r), "--regions");
        }
        if let Some(n) = self.max_attempts {
            set(
                &mut raw.aws,
                "aws",
                "max_attempts",
                i64::from(n).into(),
                "--max-attempts",
            );
        }
        if let Some(s) = &self.services {
            let list: Vec<String> = s.iter().filter(|x| !x.trim().is_empty()).cloned().collect();
            set(
                &mut raw.audit,
                "audit",
                "services",
                strings(&list),
                "--services",
            );
        }
        if let Some(n) = self.concurrency {
            set(
                &mut raw.audit,
                "audit",
                "concurrency",
                (n as i64).into(),
                "--concurrency",
            );
        }
        if let Some(f) = &self.fail_on {
            set(
                &mut raw.audit,
                "audit",
                "fail_on",
                f.clone().into(),
                "--fail-on",
            );
        }
        if let Some(o) = &self.ous {
            set(&mut raw.org, "org", "ous", strings(o), "--ou");
        }
        if let Some(e) = &self.exclude_accounts {
            set(
                &mut raw.org,
                "org",
                "exclude",
                strings(e),
                "--exclude-account",
            );
        }
        if let Some(n) = self.account_concurrency {
            set(
                &mut raw.org,
                "org",
                "concurrency",
                (n as i64).into(),
                "--account-concurrency",
            );
        }
        if !self.account_tags.is_empty() {
            let mut tags = Map::new();
            for t in &self.account_tags {
                match t.split_once('=') {
                    Some((k, v)) if !k.trim().is_empty() => {
                        tags.insert(k.trim().to_owned(), v.trim().into());
                    }
                    _ => problems.push(format!("--account-tag '{t}': expected KEY=VALUE")),
                }
            }
            set(
                &mut raw.org,
                "org",
                "tags",
                Value::Object(tags),
                "--account-tag",
            );
        }
        let known = auditor_aws::counting::RateLimits::known_services();
        for spec in &self.rate_limit {
            let Some((service, rate)) = spec.split_once('=') else {
                problems.push(format!(
                    "--rate-limit '{spec}': expected SERVICE=REQUESTS_PER_SECOND, e.g. iam=5"
                ));
                continue;
            };
            let service = service.trim();
            if service != "default"
                && !known.contains(&service)
                && !auditor_aws::counting::RateLimits::is_api_key(service)
            {
                problems.push(format!(
                    "--rate-limit '{spec}': unknown API family '{service}' (expected one of: {}, default, or SERVICE:Api such as ecr:DescribeImages)",
                    known.join(", ")
                ));
                continue;
            }
            match rate.trim().parse::<f64>().ok().filter(|r| *r >= 0.0 && r.is_finite()) {
                Some(n) => {
                    let aws = table(&mut raw.aws);
                    let limits = match aws.get_mut("rate_limits") {
                        Some(Value::Object(m)) => m,
                        _ => {
                            aws.insert("rate_limits".into(), Value::Object(Map::new()));
                            match aws.get_mut("rate_limits") {
                                Some(Value::Object(m)) => m,
                                _ => unreachable!("just made a table"),
                            }
                        }
                    };
                    limits.insert(service.to_owned(), Value::from(n));
                    origin.insert(format!("aws.rate_limits.{service}"), "--rate-limit");
                }
                None => problems.push(format!(
                    "--rate-limit '{spec}': '{rate}' is not a number of requests per second (0 for no limit)"
                )),
            }
        }
    }
}
