//! The cases of `auditor policy simulate`: an offline policy simulator, like
//! `aws iam simulate-custom-policy` without AWS.
//!
//! A case is one request with the policies that apply to it (the format is documented in
//! the README, section "Simulating policies"):
//!
//! ```json
//! {"id": "tls", "principal": "arn:aws:iam::111122223333:role/deployer",
//!  "action": "s3:GetObject", "resource": "arn:aws:s3:::tf-state/prod.tfstate",
//!  "resourceAccount": "111122223333", "context": {"aws:SecureTransport": "false"},
//!  "identity": [{"Version": "2012-10-17", "Statement": [...]}],
//!  "boundary": null, "resourcePolicy": {"Version": "2012-10-17", "Statement": [...]}}
//! ```
//!
//! `"principal": null` is an anonymous request (it needs `resourceAccount`; its
//! `aws:PrincipalAccount` and `aws:userid` are `anonymous`, its `aws:PrincipalType`
//! `Anonymous`). Context
//! values are strings (numbers and booleans are accepted and read as text, as AWS does), or
//! lists for multivalued keys. Keys the principal's ARN determines
//! (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username` for a
//! user, `aws:userid` for an account root) are added when the case does not give them.
//! Policies are JSON objects or the text AWS returns (plain or URL-encoded).

use crate::context::{Context, ContextValue};
use crate::document::{PolicyDocument, PolicyKind};
use crate::evaluate::{decide, evaluate, Decision, Layer, Named, PolicySet};
use crate::request::{Action, Request};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A case as read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawCase {
    #[serde(default)]
    id: Option<String>,
    /// `null`: an anonymous request (no credentials).
    principal: Option<String>,
    action: String,
    resource: String,
    #[serde(default)]
    resource_account: Option<String>,
    #[serde(default)]
    context: serde_json::Map<String, Value>,
    #[serde(default)]
    identity: Vec<Value>,
    #[serde(default)]
    boundary: Option<Value>,
    #[serde(default)]
    resource_policy: Option<Value>,
    #[serde(default)]
    same_account: Option<bool>,
}

/// A statement that decided a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decider {
    /// `identity[0]`, `boundary` or `resourcePolicy`.
    pub policy: String,
    /// `Statement[Sid=X]` or `Statement[i]`.
    pub statement: String,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
}

/// The answer to one case: a decision, or why the case cannot be decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// Decided.
    Decided {
        /// The case's id.
        id: String,
        /// `Allowed`, `ExplicitlyDenied` or `ImplicitlyDenied`.
        decision: &'static str,
        /// The statements that decided it.
        #[serde(rename = "decidedBy")]
        decided_by: Vec<Decider>,
    },
    /// Not decidable: a malformed document or field.
    Failed {
        /// The case's id.
        id: String,
        /// One line naming the field and the problem.
        error: String,
    },
}

impl Answer {
    /// The decision, if the case was decided.
    pub fn decision(&self) -> Option<&'static str> {
        match self {
            Answer::Decided { decision, .. } => Some(decision),
            Answer::Failed { .. } => None,
        }
    }
}

/// Reads the input: a JSON array of cases, or JSON lines (one case per line).
pub fn read_cases(text: &str) -> Result<Vec<Value>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        return serde_json::from_str::<Vec<Value>>(text)
            .map_err(|e| format!("not a JSON array of cases: {e}"));
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str::<Value>(l).map_err(|e| format!("line {}: not JSON: {e}", i + 1))
        })
        .collect()
}

fn document(v: &Value, field: &str, kind: PolicyKind) -> Result<PolicyDocument, String> {
    let doc = match v {
        Value::String(text) => PolicyDocument::parse(text),
        Value::Object(_) => PolicyDocument::from_json(v),
        _ => {
            return Err(format!(
                "{field}: a policy must be a JSON object or its text"
            ))
        }
    }
    .map_err(|e| format!("{field}: {e}"))?;
    doc.check_kind(kind).map_err(|e| format!("{field}: {e}"))?;
    Ok(doc)
}

fn context(map: &serde_json::Map<String, Value>) -> Result<Context, String> {
    let mut ctx = Context::new();
    for (k, v) in map {
        let value = match v {
            Value::String(s) => ContextValue::One(s.clone()),
            Value::Bool(b) => ContextValue::One(b.to_string()),
            Value::Number(n) => ContextValue::One(n.to_string()),
            Value::Array(a) => ContextValue::Many(
                a.iter()
                    .map(|x| match x {
                        Value::String(s) => Ok(s.clone()),
                        Value::Bool(b) => Ok(b.to_string()),
                        Value::Number(n) => Ok(n.to_string()),
                        _ => Err(format!("context.{k}: list items must be strings")),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => {
                return Err(format!(
                    "context.{k}: must be a string, number, boolean or list of strings"
                ))
            }
        };
        ctx.insert(k, value);
    }
    Ok(ctx)
}

/// Adds the keys the principal's ARN determines, where the case did not give them.
pub fn derive_principal_keys(ctx: &mut Context, principal: &str) {
    let parts: Vec<&str> = principal.splitn(6, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" {
        return;
    }
    let (partition, service, account, resource) = (parts[1], parts[2], parts[4], parts[5]);
    let mut set = |k: &str, v: String| {
        if ctx.value(k).is_none() {
            ctx.insert(k, v);
        }
    };
    set("aws:PrincipalAccount", account.to_owned());
    match (service, resource.split_once('/')) {
        ("sts", Some(("assumed-role", rest))) => {
            let role = rest.split('/').next().unwrap_or_default();
            set(
                "aws:PrincipalArn",
                format!("arn:{partition}:iam::{account}:role/{role}"),
            );
            set("aws:PrincipalType", "AssumedRole".into());
        }
        ("sts", Some(("federated-user", name))) => {
            set("aws:PrincipalArn", principal.to_owned());
            set("aws:PrincipalType", "FederatedUser".into());
            set("aws:userid", format!("{account}:{name}"));
        }
        ("iam", Some(("user", path))) => {
            set("aws:PrincipalArn", principal.to_owned());
            set("aws:PrincipalType", "User".into());
            set(
                "aws:username",
                path.rsplit('/').next().unwrap_or_default().to_owned(),
            );
        }
        ("iam", Some(("role", _))) => {
            set("aws:PrincipalArn", principal.to_owned());
            set("aws:PrincipalType", "AssumedRole".into());
        }
        ("iam", None) if resource == "root" => {
            set("aws:PrincipalArn", principal.to_owned());
            set("aws:PrincipalType", "Account".into());
            set("aws:userid", account.to_owned());
        }
        _ => {}
    }
}

fn label(layer: Layer, name: &str) -> String {
    match layer {
        Layer::Resource => "resourcePolicy".into(),
        Layer::Boundary => "boundary".into(),
        Layer::Identity => name.to_owned(),
    }
}

/// Decides one case (the `index`-th of the input, for its default id).
pub fn run_case(index: usize, case: &Value) -> Answer {
    let fallback = case
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("#{}", index + 1), str::to_owned);
    let fail = |error: String| Answer::Failed {
        id: fallback.clone(),
        error,
    };
    let raw: RawCase = match serde_json::from_value(case.clone()) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    let id = raw.id.clone().unwrap_or_else(|| fallback.clone());
    let fail = |error: String| Answer::Failed {
        id: id.clone(),
        error,
    };
    let Some(action) = Action::new(&raw.action) else {
        return fail(format!("action: \"{}\" is not service:Action", raw.action));
    };
    let mut identity = Vec::new();
    for (i, v) in raw.identity.iter().enumerate() {
        match document(v, &format!("identity[{i}]"), PolicyKind::Identity) {
            Ok(d) => identity.push((format!("identity[{i}]"), d)),
            Err(e) => return fail(e),
        }
    }
    let boundary = match raw.boundary.as_ref().filter(|v| !v.is_null()) {
        Some(v) => match document(v, "boundary", PolicyKind::Identity) {
            Ok(d) => Some(d),
            Err(e) => return fail(e),
        },
        None => None,
    };
    let resource_policy = match raw.resource_policy.as_ref().filter(|v| !v.is_null()) {
        Some(v) => match document(v, "resourcePolicy", PolicyKind::Resource) {
            Ok(d) => Some(d),
            Err(e) => return fail(e),
        },
        None => None,
    };
    let mut ctx = match context(&raw.context) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if let Some(p) = &raw.principal {
        derive_principal_keys(&mut ctx, p);
    } else if raw.resource_account.is_none() {
        return fail(
            "resourceAccount: an anonymous request (principal null) needs the resource's account"
                .into(),
        );
    } else {
        // "For anonymous requests, the request context returns anonymous" (the account and
        // the user id); the principal type is Anonymous.
        for (k, v) in [
            ("aws:PrincipalAccount", "anonymous"),
            ("aws:userid", "anonymous"),
            ("aws:PrincipalType", "Anonymous"),
        ] {
            if ctx.value(k).is_none() {
                ctx.insert(k, v);
            }
        }
    }
    let principal_account = raw
        .principal
        .as_deref()
        .and_then(|p| p.split(':').nth(4))
        .unwrap_or_default();
    let resource_account = match raw.same_account {
        Some(true) => principal_account.to_owned(),
        Some(false) => "000000000000-other".to_owned(),
        None => raw
            .resource_account
            .clone()
            .unwrap_or_else(|| principal_account.to_owned()),
    };
    let set = PolicySet {
        identity: identity.iter().map(|(n, d)| Named::new(n, d)).collect(),
        boundary: boundary.as_ref().map(|d| Named::new("boundary", d)),
        resource: resource_policy
            .as_ref()
            .map(|d| Named::new("resourcePolicy", d)),
    };
    let req = Request {
        principal: raw.principal.as_deref(),
        action: &action,
        resource: &raw.resource,
        resource_account: Some(&resource_account),
        context: &ctx,
    };
    let e = evaluate(&set, &req);
    // The two ways to decide (one request at a time, and through a plan) must agree: the
    // conformance test relies on it to cover both.
    if decide(&set, &req) != e.decision {
        return fail(format!(
            "internal: the engine's two evaluation paths disagree ({} by plan)",
            e.decision.aws_name()
        ));
    }
    let decided_by = match e.decision {
        Decision::ExplicitDeny => e.denied_by,
        Decision::Allow => e.granted_by.into_iter().chain(e.bounded_by).collect(),
        Decision::ImplicitDeny => Vec::new(),
    }
    .into_iter()
    .map(|s| Decider {
        policy: label(s.layer, &s.policy),
        statement: s.statement,
        effect: if s.allow { "Allow" } else { "Deny" },
    })
    .collect();
    Answer::Decided {
        id,
        decision: e.decision.aws_name(),
        decided_by,
    }
}
