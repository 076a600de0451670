//! Reading a resource policy for grants to outsiders: anyone (`*`) or another account,
//! without a condition that restricts who can use it.
//!
//! This is a deliberately small reading (Allow statements, their principals, the presence of
//! restricting condition keys); the IAM policy engine of `auditor-policy` replaces it when
//! it lands, with full wildcard and condition evaluation.

use serde_json::Value;

/// Condition keys that tie a grant to an organization, account or source.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

/// One statement that grants outsiders access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutsiderGrant {
    /// `Statement[Sid=...]` or `Statement[i]`.
    pub(crate) statement: String,
    /// The principal as written, e.g. `*` or `arn:aws:iam::444455556666:root`.
    pub(crate) principal: String,
    /// The actions it allows, as written.
    pub(crate) actions: String,
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn account_of(principal: &str) -> Option<&str> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        Some(principal)
    } else {
        principal.split(':').nth(4).filter(|a| !a.is_empty())
    }
}

/// The statements of `text` that allow `*` or an account other than `own` (and not in
/// `trusted`) without a restricting condition. A policy that is not a JSON policy document
/// is an error with the reason, for a "not assessed" finding.
pub(crate) fn outsider_grants(
    text: &str,
    own: &str,
    trusted: &[String],
) -> Result<Vec<OutsiderGrant>, String> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| format!("the policy is not valid JSON: {e}"))?;
    let statements = doc
        .get("Statement")
        .ok_or_else(|| "the policy has no Statement".to_owned())?;
    let mut out = Vec::new();
    for (i, st) in as_list(statements).into_iter().enumerate() {
        let Some(st) = st.as_object() else {
            return Err(format!("Statement[{i}] is not an object"));
        };
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let restricted = st
            .get("Condition")
            .and_then(Value::as_object)
            .is_some_and(|ops| {
                ops.values()
                    .filter_map(Value::as_object)
                    .flat_map(|keys| keys.keys())
                    .any(|k| RESTRICTING_KEYS.contains(&k.to_ascii_lowercase().as_str()))
            });
        if restricted {
            continue;
        }
        let name = match st.get("Sid").and_then(Value::as_str) {
            Some(sid) if !sid.is_empty() => format!("Statement[Sid={sid}]"),
            _ => format!("Statement[{i}]"),
        };
        let actions = st
            .get("Action")
            .map(|a| {
                as_list(a)
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_else(|| "(NotAction)".into());
        // An Allow with NotPrincipal allows everyone but the listed principals.
        let principals: Vec<String> = if st.contains_key("NotPrincipal") {
            vec!["* (NotPrincipal)".into()]
        } else {
            match st.get("Principal") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Object(m)) => m
                    .get("AWS")
                    .map(|v| {
                        as_list(v)
                            .iter()
                            .filter_map(|p| p.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            }
        };
        for p in principals {
            let outsider = p.starts_with('*')
                || account_of(&p).is_some_and(|a| a != own && !trusted.iter().any(|t| t == a));
            if outsider {
                out.push(OutsiderGrant {
                    statement: name.clone(),
                    principal: p,
                    actions: actions.clone(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWN: &str = "111122223333";

    #[test]
    fn star_without_condition_is_an_outsider() {
        let p = r#"{"Statement": {"Sid": "Pull", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}}"#;
        let g = outsider_grants(p, OWN, &[]).unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].statement, "Statement[Sid=Pull]");
        assert_eq!(g[0].principal, "*");
    }

    #[test]
    fn org_condition_restricts() {
        let p = r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["ecr:BatchGetImage"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}"#;
        assert!(outsider_grants(p, OWN, &[]).unwrap().is_empty());
    }

    #[test]
    fn other_accounts_unless_own_or_trusted() {
        let p = r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root",
            "arn:aws:iam::444455556666:role/ci", "777788889999"]}, "Action": "ecr:*"}]}"#;
        let g = outsider_grants(p, OWN, &["777788889999".into()]).unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].principal, "arn:aws:iam::444455556666:role/ci");
        assert_eq!(g[0].statement, "Statement[0]");
    }

    #[test]
    fn denies_services_and_not_principal() {
        let deny = r#"{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "ecr:*"},
            {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "ecr:BatchGetImage"}]}"#;
        assert!(outsider_grants(deny, OWN, &[]).unwrap().is_empty());
        let np = r#"{"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "ecr:*"}]}"#;
        assert_eq!(
            outsider_grants(np, OWN, &[]).unwrap()[0].principal,
            "* (NotPrincipal)"
        );
    }

    #[test]
    fn malformed_policies_are_errors_not_panics() {
        for bad in [
            "",
            "{",
            "[]",
            r#"{"Statement": 3}"#,
            r#"{"Statement": [3]}"#,
            "null",
            r#"{"Version": "2012-10-17"}"#,
        ] {
            assert!(outsider_grants(bad, OWN, &[]).is_err(), "{bad}");
        }
    }
}
