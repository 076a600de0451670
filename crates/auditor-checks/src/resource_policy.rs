//! Reading a resource policy for grants to outsiders: anyone (`*`) or another account,
//! without a condition that restricts who can use it. A static reading of the statements
//! parsed by `auditor-policy` (who is named, under which conditions), not an evaluation of
//! requests.

use crate::principals::{account_of, restricted_by, RESTRICTING_KEYS};
use auditor_policy::PolicyDocument;

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

/// The statements of `text` that allow `*` or an account other than `own` (and not in
/// `trusted`) without a restricting condition. A policy that is not a policy document is an
/// error with the reason, for a "not assessed" finding.
pub(crate) fn outsider_grants(
    text: &str,
    own: &str,
    trusted: &[String],
) -> Result<Vec<OutsiderGrant>, String> {
    let doc = PolicyDocument::parse(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for st in doc.statements().into_iter().filter(|s| s.allow) {
        if restricted_by(&st, RESTRICTING_KEYS).is_some() {
            continue;
        }
        let actions = if st.action.is_empty() {
            "(NotAction)".to_owned()
        } else {
            st.action.join(", ")
        };
        // An Allow with NotPrincipal allows everyone but the listed principals.
        let principals: Vec<String> = match (&st.principal, &st.not_principal) {
            (_, Some(_)) => vec!["* (NotPrincipal)".into()],
            (Some(p), None) if p.any => vec!["*".into()],
            (Some(p), None) => p.aws.clone(),
            (None, None) => Vec::new(),
        };
        for p in principals {
            let outsider = p.starts_with('*')
                || account_of(&p).is_some_and(|a| a != own && !trusted.iter().any(|t| t == a));
            if outsider {
                out.push(OutsiderGrant {
                    statement: st.label(),
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
    fn negated_null_or_star_conditions_do_not_restrict() {
        for cond in [
            r#"{"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}"#,
            r#"{"Null": {"aws:PrincipalOrgID": "false"}}"#,
            r#"{"StringLike": {"aws:PrincipalOrgID": "*"}}"#,
        ] {
            let p = format!(
                r#"{{"Statement": {{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Condition": {cond}}}}}"#
            );
            assert_eq!(
                outsider_grants(&p, OWN, &[]).unwrap().len(),
                1,
                "{cond} restricted the grant"
            );
        }
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
