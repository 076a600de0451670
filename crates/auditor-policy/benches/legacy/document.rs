//! Parsing documents and reading their statements.

use serde_json::Value;
use std::borrow::Cow;

/// Why a document is not a usable policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not JSON (after URL-decoding).
    #[error("the policy is not valid JSON: {0}")]
    NotJson(String),
    /// JSON, but not a policy document.
    #[error("the policy is not a valid policy document: {0}")]
    NotAPolicy(String),
    /// The request cannot be evaluated (e.g. a resource that is not an ARN).
    #[error("cannot evaluate: {0}")]
    BadRequest(String),
}

/// URL-decodes a document if it is encoded (RFC 3986 percent-encoding; `+` stays `+`).
pub fn decode(text: &str) -> Cow<'_, str> {
    let t = text.trim_start();
    if t.starts_with('{') || !t.contains('%') {
        return Cow::Borrowed(text);
    }
    match percent_encoding::percent_decode_str(text).decode_utf8() {
        Ok(s) => Cow::Owned(s.into_owned()),
        Err(_) => Cow::Borrowed(text),
    }
}

/// A parsed policy document.
#[derive(Debug, Clone)]
pub struct PolicyDocument {
    pub(crate) json: Value,
    pub(crate) engine: iam_rs::IAMPolicy,
}

/// Principals of a statement, by kind, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"Principal": "*"`.
    pub any: bool,
    /// `AWS`: account ids, account root ARNs, role/user ARNs, or `*`.
    pub aws: Vec<String>,
    /// `Service`: e.g. `eks.amazonaws.com`.
    pub service: Vec<String>,
    /// `Federated`: OIDC/SAML provider ARNs, or `cognito-identity.amazonaws.com`.
    pub federated: Vec<String>,
    /// `CanonicalUser`.
    pub canonical_user: Vec<String>,
}

/// One condition: operator (with its `ForAnyValue:`/`IfExists` parts), key, values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// e.g. `StringEquals`, `ForAnyValue:StringLike`, `StringEqualsIfExists`.
    pub operator: String,
    /// e.g. `oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub` (as written; AWS compares keys
    /// case-insensitively).
    pub key: String,
    /// The values, as strings (booleans and numbers rendered).
    pub values: Vec<String>,
}

impl Condition {
    /// The operator without set prefix and `IfExists` suffix, e.g. `StringLike`.
    pub fn base_operator(&self) -> &str {
        let op = self.operator.rsplit(':').next().unwrap_or(&self.operator);
        op.strip_suffix("IfExists").unwrap_or(op)
    }

    /// Whether the key equals `key`, ignoring ASCII case as AWS does.
    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// A static view of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementView {
    /// Position in the document.
    pub index: usize,
    /// Sid, when present.
    pub sid: Option<String>,
    /// True for `Allow`.
    pub allow: bool,
    /// `Principal`.
    pub principal: Option<Principals>,
    /// `NotPrincipal`.
    pub not_principal: Option<Principals>,
    /// `Action` values.
    pub action: Vec<String>,
    /// `NotAction` values.
    pub not_action: Vec<String>,
    /// `Resource` values.
    pub resource: Vec<String>,
    /// `NotResource` values.
    pub not_resource: Vec<String>,
    /// Every condition.
    pub conditions: Vec<Condition>,
}

impl StatementView {
    /// `Statement[Sid=X]` or `Statement[i]`, for evidence.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => format!("Statement[Sid={s}]"),
            _ => format!("Statement[{}]", self.index),
        }
    }

    /// The conditions on `key` (case-insensitive).
    pub fn conditions_on(&self, key: &str) -> Vec<&Condition> {
        self.conditions.iter().filter(|c| c.key_is(key)).collect()
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().map(render).collect(),
        Some(other) => vec![render(other)],
    }
}

fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn principals(v: Option<&Value>) -> Option<Principals> {
    let v = v?;
    let mut p = Principals::default();
    match v {
        Value::String(s) if s == "*" => p.any = true,
        Value::Object(m) => {
            for (kind, ids) in m {
                let list = strings(Some(ids));
                match kind.as_str() {
                    "AWS" => p.aws = list,
                    "Service" => p.service = list,
                    "Federated" => p.federated = list,
                    "CanonicalUser" => p.canonical_user = list,
                    _ => {}
                }
            }
        }
        other => p.aws = vec![render(other)],
    }
    Some(p)
}

fn statement_list(json: &Value) -> Result<Vec<&serde_json::Map<String, Value>>, PolicyError> {
    let Some(doc) = json.as_object() else {
        return Err(PolicyError::NotAPolicy(
            "the document is not a JSON object".into(),
        ));
    };
    let st = doc
        .get("Statement")
        .ok_or_else(|| PolicyError::NotAPolicy("it has no Statement".into()))?;
    let list: Vec<&Value> = match st {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    list.into_iter()
        .enumerate()
        .map(|(i, s)| {
            s.as_object()
                .ok_or_else(|| PolicyError::NotAPolicy(format!("Statement[{i}] is not an object")))
        })
        .collect()
}

impl PolicyDocument {
    /// Parses a document as AWS returns it (plain or URL-encoded JSON).
    pub fn parse(text: &str) -> Result<PolicyDocument, PolicyError> {
        let decoded = decode(text);
        let mut json: Value =
            serde_json::from_str(&decoded).map_err(|e| PolicyError::NotJson(e.to_string()))?;
        let statements = statement_list(&json)?;
        for (i, s) in statements.iter().enumerate() {
            match s.get("Effect").and_then(Value::as_str) {
                Some("Allow" | "Deny") => {}
                other => {
                    let effect = other.map_or_else(|| "none".to_owned(), |e| format!("\"{e}\""));
                    return Err(PolicyError::NotAPolicy(format!(
                        "Statement[{i}] has Effect {effect}, not \"Allow\" or \"Deny\""
                    )));
                }
            }
        }
        // AWS accepts documents without Version (they mean 2008-10-17); the engine wants one.
        if let Some(obj) = json.as_object_mut() {
            obj.entry("Version")
                .or_insert_with(|| Value::String("2008-10-17".into()));
        }
        let engine = guarded(|| iam_rs::IAMPolicy::from_json(&json.to_string()))
            .ok_or_else(|| PolicyError::NotAPolicy("the policy engine could not read it".into()))?
            .map_err(|e| PolicyError::NotAPolicy(e.to_string()))?;
        Ok(PolicyDocument { json, engine })
    }

    /// The statements, in document order.
    pub fn statements(&self) -> Vec<StatementView> {
        statement_list(&self.json)
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(index, s)| StatementView {
                index,
                sid: s.get("Sid").and_then(Value::as_str).map(str::to_owned),
                allow: s.get("Effect").and_then(Value::as_str) == Some("Allow"),
                principal: principals(s.get("Principal")),
                not_principal: principals(s.get("NotPrincipal")),
                action: strings(s.get("Action")),
                not_action: strings(s.get("NotAction")),
                resource: strings(s.get("Resource")),
                not_resource: strings(s.get("NotResource")),
                conditions: s
                    .get("Condition")
                    .and_then(Value::as_object)
                    .map(|ops| {
                        ops.iter()
                            .flat_map(|(op, keys)| {
                                keys.as_object().into_iter().flatten().map(move |(k, v)| {
                                    Condition {
                                        operator: op.clone(),
                                        key: k.clone(),
                                        values: strings(Some(v)),
                                    }
                                })
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect()
    }

    /// The document as JSON (decoded), for evidence and storage.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// The document as a requester who controls every condition key that `known` rejects
    /// would see it: what may be reachable, rather than what a request lacking those keys
    /// gets.
    ///
    /// - In an `Allow`, a condition on an unknown key is taken as met and dropped (access
    ///   from the right network, with the right header, is still access).
    /// - A `Deny` with a condition on an unknown key is taken as avoidable and never
    ///   applies (its statement stays in place, so labels do not shift).
    ///
    /// Conditions on known keys stay, and are evaluated from the request's context. Each
    /// change is returned as a [`Assumption`] so evidence can say what was assumed.
    pub fn resolving(
        &self,
        known: impl Fn(&str) -> bool,
    ) -> Result<(PolicyDocument, Vec<Assumption>), PolicyError> {
        let mut json = self.json.clone();
        let views = self.statements();
        let mut assumed = Vec::new();
        let list: Vec<&mut Value> = match json.get_mut("Statement") {
            Some(Value::Array(a)) => a.iter_mut().collect(),
            Some(other) => vec![other],
            None => Vec::new(),
        };
        for (st, view) in list.into_iter().zip(&views) {
            let unknown: Vec<&Condition> =
                view.conditions.iter().filter(|c| !known(&c.key)).collect();
            if unknown.is_empty() {
                continue;
            }
            let Some(obj) = st.as_object_mut() else {
                continue;
            };
            let text = unknown
                .iter()
                .map(|c| format!("{} {} {}", c.operator, c.key, c.values.join(", ")))
                .collect::<Vec<_>>()
                .join("; ");
            if view.allow {
                if let Some(Value::Object(ops)) = obj.get_mut("Condition") {
                    for keys in ops.values_mut() {
                        if let Value::Object(k) = keys {
                            k.retain(|key, _| known(key));
                        }
                    }
                    ops.retain(|_, keys| keys.as_object().is_none_or(|k| !k.is_empty()));
                    if ops.is_empty() {
                        obj.remove("Condition");
                    }
                }
                assumed.push(Assumption {
                    statement: view.label(),
                    allow: true,
                    conditions: text,
                });
            } else {
                obj.insert(
                    "Condition".into(),
                    serde_json::json!({"StringEquals": {"auditor:never": "avoidable"}}),
                );
                assumed.push(Assumption {
                    statement: view.label(),
                    allow: false,
                    conditions: text,
                });
            }
        }
        let engine = guarded(|| iam_rs::IAMPolicy::from_json(&json.to_string()))
            .ok_or_else(|| PolicyError::NotAPolicy("the policy engine could not read it".into()))?
            .map_err(|e| PolicyError::NotAPolicy(e.to_string()))?;
        // Labels and views stay those of the original document.
        Ok((
            PolicyDocument {
                json: self.json.clone(),
                engine,
            },
            assumed,
        ))
    }
}

/// A condition that [`PolicyDocument::resolving`] could not evaluate and assumed in the
/// requester's favour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumption {
    /// `Statement[Sid=X]` or `Statement[i]`.
    pub statement: String,
    /// `true`: an Allow's conditions taken as met; `false`: a Deny taken as avoidable.
    pub allow: bool,
    /// The conditions, as `operator key values; ...`.
    pub conditions: String,
}

/// Runs `f`, turning a panic inside the policy engine into `None`: a malformed document
/// from AWS must give "not assessed", never abort an audit.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}
