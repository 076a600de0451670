//! Reading principals and conditions of resource and trust policies, shared by the checks
//! that ask "who outside this account can get in".

/// Condition keys that tie a grant to an organization, account or source.
pub(crate) const RESTRICTING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
];

/// The account of an AWS principal: a bare 12-digit id, or the account field of an ARN.
pub(crate) fn account_of(principal: &str) -> Option<&str> {
    if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        Some(principal)
    } else {
        principal.split(':').nth(4).filter(|a| !a.is_empty())
    }
}

/// Whether a condition on one of `keys` restricts the statement: a positive operator (not
/// `...Not...`) whose values are not all a bare `*`.
pub(crate) fn restricted_by(st: &auditor_policy::StatementView, keys: &[&str]) -> Option<String> {
    st.conditions
        .iter()
        .find(|c| {
            keys.iter().any(|k| c.key_is(k))
                && !c.base_operator().contains("Not")
                && c.base_operator() != "Null"
                && c.values.iter().any(|v| v != "*")
        })
        .map(|c| format!("{} {} {}", c.operator, c.key, c.values.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::account_of;

    #[test]
    fn accounts_of_principals() {
        assert_eq!(account_of("123456789012"), Some("123456789012"));
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/x"),
            Some("123456789012")
        );
        assert_eq!(account_of("*"), None);
        assert_eq!(account_of("arn:aws:iam::aws:policy/x"), Some("aws"));
    }
}
