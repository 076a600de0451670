//! Finding plain-text secrets in a Terraform state file, without keeping them.
//!
//! A state file (format version 4) holds `resources[].instances[].attributes` and
//! `outputs`. A string value is a hit when:
//! - its attribute name says it is a secret (`password`, `secret`, `token`, `private_key`,
//!   `api_key`, `secret_key`, ...; not names that only refer to one, like `secret_arn` or
//!   `password_length`);
//! - Terraform marks it sensitive (`sensitive_attributes`, or a sensitive output): the
//!   mark hides it in plans, but the state still holds it in plain text;
//! - it is a PEM private key, whatever its name.
//!
//! The result names the key, the attribute path and the kind. Values are never copied out
//! of this module; the test `values_never_leave` checks the serialized hits.

use auditor_model::s3::SecretHit;
use serde_json::Value;
use std::collections::BTreeSet;

/// Words that make an attribute name a secret.
const SECRET_WORDS: &[&str] = &["password", "passwd", "secret", "token", "passphrase"];
/// Word pairs that do.
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("private", "key"),
    ("api", "key"),
    ("secret", "key"),
    ("access", "key"),
    ("auth", "string"),
    ("master", "password"),
];
/// Last words that make a name a reference to, or a property of, a secret.
const NOT_A_VALUE: &[&str] = &[
    "arn", "id", "ids", "name", "names", "length", "version", "versions", "type", "types",
    "enabled", "required", "policy", "rotation", "reset", "wo", "count", "age", "set", "stage",
    "stages", "kms", "file", "path", "prefix", "url",
];

/// Scans one state object. `Err` when it is not a JSON state file.
pub fn scan(key: &str, bytes: &[u8]) -> Result<Vec<SecretHit>, String> {
    let state: Value = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "not a JSON state file: {}",
            e.to_string().replace('\n', " ")
        )
    })?;
    let Some(obj) = state.as_object() else {
        return Err("not a JSON state file: the top level is not an object".into());
    };
    let mut hits = BTreeSet::new();
    if let Some(resources) = obj.get("resources").and_then(Value::as_array) {
        for r in resources {
            let label = resource_label(r);
            let instances = r.get("instances").and_then(Value::as_array);
            for (i, inst) in instances.into_iter().flatten().enumerate() {
                let sensitive = sensitive_paths(inst);
                if let Some(attrs) = inst.get("attributes") {
                    let base = format!("resources[{label}].instances[{i}].attributes");
                    walk(key, attrs, &base, &mut Vec::new(), &sensitive, &mut hits);
                }
            }
        }
    }
    if let Some(outputs) = obj.get("outputs").and_then(Value::as_object) {
        for (name, out) in outputs {
            let marked = out.get("sensitive").and_then(Value::as_bool) == Some(true);
            let Some(v) = out.get("value") else { continue };
            let base = format!("outputs.{name}.value");
            let mut found = BTreeSet::new();
            walk(key, v, &base, &mut Vec::new(), &BTreeSet::new(), &mut found);
            if marked && is_secret_value(v) && !found.iter().any(|h| h.path == base) {
                hits.insert(SecretHit {
                    key: key.to_owned(),
                    path: base.clone(),
                    kind: kind_of(name).unwrap_or("sensitive").to_owned(),
                    marked_sensitive: true,
                });
            }
            for mut h in found {
                h.marked_sensitive |= marked;
                hits.insert(h);
            }
            if !marked {
                if let Some(kind) = kind_of(name).filter(|_| is_secret_value(v)) {
                    hits.insert(SecretHit {
                        key: key.to_owned(),
                        path: base,
                        kind: kind.to_owned(),
                        marked_sensitive: false,
                    });
                }
            }
        }
    }
    Ok(hits.into_iter().collect())
}

fn is_secret_value(v: &Value) -> bool {
    matches!(v, Value::String(s) if !s.is_empty())
}

/// `module.db.aws_db_instance.main`, or `data.aws_secretsmanager_secret_version.x`.
fn resource_label(r: &Value) -> String {
    let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
    let mut parts = Vec::new();
    if !s("module").is_empty() {
        parts.push(s("module").to_owned());
    }
    if s("mode") == "data" {
        parts.push("data".to_owned());
    }
    parts.push(s("type").to_owned());
    parts.push(s("name").to_owned());
    parts.join(".")
}

/// Attribute paths Terraform marks sensitive, as `a.b[0].c` relative to `attributes`.
fn sensitive_paths(inst: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for path in inst
        .get("sensitive_attributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut p = String::new();
        for step in path.as_array().into_iter().flatten() {
            match step.get("value") {
                Some(Value::String(s))
                    if step.get("type").and_then(Value::as_str) == Some("get_attr") =>
                {
                    if !p.is_empty() {
                        p.push('.');
                    }
                    p.push_str(s);
                }
                Some(Value::Number(n)) => p.push_str(&format!("[{n}]")),
                Some(Value::String(s)) => p.push_str(&format!("[{s}]")),
                _ => {}
            }
        }
        if !p.is_empty() {
            out.insert(p);
        }
    }
    out
}

/// What kind of secret a name says, if any.
fn kind_of(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let last = *words.last()?;
    if NOT_A_VALUE.contains(&last) {
        return None;
    }
    // The secret word must end the name or come just before its last word
    // (`private_key_pem`, `secret_string`), not begin a longer one (`token_validity_units`).
    let tail = &words[words.len().saturating_sub(3)..];
    let near_end = |i: usize| i + 2 >= tail.len();
    for (a, b) in SECRET_PAIRS {
        if tail
            .windows(2)
            .enumerate()
            .any(|(i, w)| w[0] == *a && w[1] == *b && near_end(i + 1))
        {
            return Some(match (*a, *b) {
                ("private", _) => "private_key",
                ("api", _) => "api_key",
                ("access", _) => "access_key",
                ("auth", _) => "token",
                ("master", _) => "password",
                _ => "secret",
            });
        }
    }
    // `privatekey`, `apikey` written as one word.
    let tail: Vec<&str> = tail
        .iter()
        .enumerate()
        .filter(|(i, _)| near_end(*i))
        .map(|(_, w)| *w)
        .collect();
    if tail.contains(&"privatekey") {
        return Some("private_key");
    }
    if tail.contains(&"apikey") {
        return Some("api_key");
    }
    for w in &tail {
        for s in SECRET_WORDS {
            if w == s || (w.ends_with(s) && w.len() > s.len() + 2) {
                return Some(match *s {
                    "passwd" | "passphrase" => "password",
                    other => other,
                });
            }
        }
    }
    None
}

fn looks_like_private_key(s: &str) -> bool {
    s.contains("-----BEGIN") && s.contains("PRIVATE KEY-----")
}

fn render(steps: &[String]) -> String {
    let mut p = String::new();
    for s in steps {
        if s.starts_with('[') {
            p.push_str(s);
        } else {
            if !p.is_empty() {
                p.push('.');
            }
            p.push_str(s);
        }
    }
    p
}

fn walk(
    key: &str,
    v: &Value,
    base: &str,
    steps: &mut Vec<String>,
    sensitive: &BTreeSet<String>,
    hits: &mut BTreeSet<SecretHit>,
) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                steps.push(k.clone());
                walk(key, child, base, steps, sensitive, hits);
                steps.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                steps.push(format!("[{i}]"));
                walk(key, child, base, steps, sensitive, hits);
                steps.pop();
            }
        }
        Value::String(s) if !s.is_empty() => {
            let rel = render(steps);
            // Sensitive when the path or any parent of it is marked.
            let marked = sensitive.iter().any(|p| {
                rel == *p || rel.starts_with(&format!("{p}.")) || rel.starts_with(&format!("{p}["))
            });
            let name = steps
                .iter()
                .rev()
                .find(|s| !s.starts_with('['))
                .map(String::as_str)
                .unwrap_or("");
            let kind = if looks_like_private_key(s) {
                Some("private_key")
            } else {
                kind_of(name).or(marked.then_some("sensitive"))
            };
            if let Some(kind) = kind {
                let path = if rel.is_empty() {
                    base.to_owned()
                } else if rel.starts_with('[') {
                    format!("{base}{rel}")
                } else {
                    format!("{base}.{rel}")
                };
                hits.insert(SecretHit {
                    key: key.to_owned(),
                    path,
                    kind: kind.to_owned(),
                    marked_sensitive: marked,
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = r#"{
      "version": 4,
      "resources": [
        {"mode": "managed", "type": "aws_db_instance", "name": "main", "module": "module.db",
         "instances": [{"attributes": {
            "password": "hunter2-very-secret", "username": "admin",
            "master_user_secret": [{"secret_arn": "arn:aws:secretsmanager:x", "kms_key_id": "k"}],
            "manage_master_user_password": false, "password_wo_version": "1",
            "identifier": "crm"},
           "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}]},
        {"mode": "managed", "type": "tls_private_key", "name": "deploy",
         "instances": [{"attributes": {"private_key_pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----",
            "public_key_pem": "-----BEGIN PUBLIC KEY-----\nMII\n-----END PUBLIC KEY-----", "algorithm": "RSA"}}]},
        {"mode": "data", "type": "aws_secretsmanager_secret_version", "name": "api",
         "instances": [{"attributes": {"secret_string": "{\"k\":\"v-value\"}", "arn": "arn:x", "version_stages": ["AWSCURRENT"]}}]},
        {"mode": "managed", "type": "aws_ssm_parameter", "name": "p",
         "instances": [{"attributes": {"value": "plain-but-marked", "name": "/app/x", "type": "SecureString"},
           "sensitive_attributes": [[{"type": "get_attr", "value": "value"}]]}]}
      ],
      "outputs": {
        "db_password": {"value": "hunter2-very-secret", "type": "string", "sensitive": true},
        "endpoint": {"value": "crm.abc.rds.amazonaws.com", "type": "string"},
        "api_token": {"value": "tok-123", "type": "string"}
      }
    }"#;

    fn paths(hits: &[SecretHit]) -> Vec<(String, String, bool)> {
        hits.iter()
            .map(|h| (h.path.clone(), h.kind.clone(), h.marked_sensitive))
            .collect()
    }

    #[test]
    fn finds_secrets_by_name_mark_and_shape() {
        let hits = scan("services/crm/prod/tf.tfstate", STATE.as_bytes()).unwrap();
        let got = paths(&hits);
        let want = [
            ("outputs.api_token.value", "token", false),
            ("outputs.db_password.value", "password", true),
            ("resources[aws_ssm_parameter.p].instances[0].attributes.value", "sensitive", true),
            ("resources[data.aws_secretsmanager_secret_version.api].instances[0].attributes.secret_string", "secret", false),
            ("resources[module.db.aws_db_instance.main].instances[0].attributes.password", "password", true),
            ("resources[tls_private_key.deploy].instances[0].attributes.private_key_pem", "private_key", false),
        ];
        let want: Vec<(String, String, bool)> = want
            .iter()
            .map(|(p, k, m)| ((*p).to_owned(), (*k).to_owned(), *m))
            .collect();
        let mut got_sorted = got.clone();
        got_sorted.sort();
        assert_eq!(got_sorted, want);
        assert!(hits.iter().all(|h| h.key == "services/crm/prod/tf.tfstate"));
    }

    #[test]
    fn values_never_leave() {
        let hits = scan("k.tfstate", STATE.as_bytes()).unwrap();
        let text = serde_json::to_string(&hits).unwrap();
        for secret in [
            "hunter2",
            "MIIabc",
            "v-value",
            "plain-but-marked",
            "tok-123",
        ] {
            assert!(!text.contains(secret), "{secret} leaked into {text}");
        }
    }

    #[test]
    fn names_that_only_refer_to_secrets_are_not_hits() {
        for n in [
            "secret_arn",
            "kms_key_id",
            "password_length",
            "username",
            "public_key_pem",
            "token_validity_units",
            "password_wo_version",
        ] {
            assert_eq!(kind_of(n), None, "{n}");
        }
        for (n, k) in [
            ("password", "password"),
            ("db_password", "password"),
            ("client_secret", "secret"),
            ("private_key_pem", "private_key"),
            ("secret_access_key", "access_key"),
            ("apiKey", "api_key"),
            ("auth_token", "token"),
        ] {
            assert_eq!(kind_of(n), Some(k), "{n}");
        }
    }

    #[test]
    fn not_json_is_an_error_not_a_pass() {
        let e = scan("x.tfstate", b"\x00\x01 not json").unwrap_err();
        assert!(e.starts_with("not a JSON state file"), "{e}");
        assert!(scan("x.tfstate", b"[1]").is_err());
    }
}
