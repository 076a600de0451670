//! IAM inventory types: the whole account (IAM is global).
//!
//! Policy documents are stored decoded (IAM URL-encodes them) and unparsed: checks parse
//! them with `auditor-policy`, and a malformed one makes only that check "not assessed".

use crate::Collected;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything collected from IAM.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IamAccount {
    /// Roles (GetAccountAuthorizationDetails).
    #[serde(default)]
    pub roles: Collected<Vec<Role>>,
    /// Users (GetAccountAuthorizationDetails).
    #[serde(default)]
    pub users: Collected<Vec<User>>,
    /// Groups (GetAccountAuthorizationDetails).
    #[serde(default)]
    pub groups: Collected<Vec<Group>>,
    /// Customer managed policies, and the AWS managed policies attached to anything, with
    /// their default version's document.
    #[serde(default)]
    pub managed_policies: Collected<Vec<ManagedPolicy>>,
    /// The credential report, one row per user (and `<root_account>`).
    #[serde(default)]
    pub credential_report: Collected<Vec<CredentialReportRow>>,
    /// The account password policy, `None` when none is set.
    #[serde(default)]
    pub password_policy: Collected<Option<PasswordPolicy>>,
    /// IAM OIDC identity providers.
    #[serde(default)]
    pub oidc_providers: Collected<Vec<OidcProvider>>,
    /// GetAccountSummary: root MFA and root access keys.
    #[serde(default)]
    pub account_summary: Collected<AccountSummary>,
}

/// An inline policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InlinePolicy {
    /// Its name.
    pub name: String,
    /// The document (decoded JSON text).
    pub document: String,
}

/// A role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// Name.
    pub role_name: String,
    /// ARN.
    pub arn: String,
    /// Path, e.g. `/` or `/aws-service-role/...`.
    #[serde(default)]
    pub path: String,
    /// RFC 3339.
    #[serde(default)]
    pub create_date: Option<String>,
    /// The trust policy (decoded JSON text).
    #[serde(default)]
    pub trust_policy: Option<String>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Attached managed policy ARNs.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Permission boundary policy ARN.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// RFC 3339 of the last use, when AWS reports one.
    #[serde(default)]
    pub last_used: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// ARNs of the instance profiles that carry the role (EC2 can use it through them).
    #[serde(default)]
    pub instance_profiles: Vec<String>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Name.
    pub user_name: String,
    /// ARN.
    pub arn: String,
    /// RFC 3339.
    #[serde(default)]
    pub create_date: Option<String>,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Attached managed policy ARNs.
    #[serde(default)]
    pub attached_policies: Vec<String>,
    /// Group names.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Permission boundary policy ARN.
    #[serde(default)]
    pub permissions_boundary: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Name.
    pub group_name: String,
    /// ARN.
    pub arn: String,
    /// Inline policies.
    #[serde(default)]
    pub inline_policies: Vec<InlinePolicy>,
    /// Attached managed policy ARNs.
    #[serde(default)]
    pub attached_policies: Vec<String>,
}

/// A managed policy and its default version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    /// ARN (`arn:aws:iam::aws:policy/...` for AWS managed policies).
    pub arn: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// The default version's document (decoded JSON text), or the gap that explains why
    /// it could not be read (GetPolicy / GetPolicyVersion refused).
    #[serde(default)]
    pub document: Collected<String>,
}

impl IamAccount {
    /// The groups `user` is a member of. When groups could not be read, their gap, but
    /// only for a user who is in some group: a user in none needs no group data.
    pub fn groups_of(&self, user: &User) -> Result<Vec<&Group>, &crate::Gap> {
        match self.groups.get() {
            Ok(gs) => Ok(gs
                .iter()
                .filter(|g| user.groups.contains(&g.group_name))
                .collect()),
            Err(gap) if !user.groups.is_empty() => Err(gap),
            Err(_) => Ok(Vec::new()),
        }
    }
}

impl ManagedPolicy {
    /// Whether AWS manages it.
    pub fn is_aws_managed(&self) -> bool {
        self.arn.contains(":iam::aws:policy/")
    }
}

/// A row of the credential report (the fields the checks read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialReportRow {
    /// User name (`<root_account>` for root).
    pub user: String,
    /// ARN.
    pub arn: String,
    /// Whether the user has a console password.
    pub password_enabled: bool,
    /// Whether an MFA device is active.
    pub mfa_active: bool,
    /// Access key 1 active.
    pub access_key_1_active: bool,
    /// RFC 3339, or absent.
    #[serde(default)]
    pub access_key_1_last_rotated: Option<String>,
    /// RFC 3339, or absent.
    #[serde(default)]
    pub access_key_1_last_used_date: Option<String>,
    /// Access key 2 active.
    pub access_key_2_active: bool,
    /// RFC 3339, or absent.
    #[serde(default)]
    pub access_key_2_last_rotated: Option<String>,
    /// RFC 3339, or absent.
    #[serde(default)]
    pub access_key_2_last_used_date: Option<String>,
}

/// The account password policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// Minimum length.
    #[serde(default)]
    pub minimum_password_length: Option<i32>,
    /// Requires symbols.
    #[serde(default)]
    pub require_symbols: bool,
    /// Requires numbers.
    #[serde(default)]
    pub require_numbers: bool,
    /// Requires upper case.
    #[serde(default)]
    pub require_uppercase_characters: bool,
    /// Requires lower case.
    #[serde(default)]
    pub require_lowercase_characters: bool,
    /// Days before a password expires.
    #[serde(default)]
    pub max_password_age: Option<i32>,
    /// Previous passwords that cannot be reused.
    #[serde(default)]
    pub password_reuse_prevention: Option<i32>,
}

/// An IAM OIDC identity provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OidcProvider {
    /// ARN, e.g. `arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC`.
    pub arn: String,
    /// Issuer URL without scheme, as IAM keys conditions by it.
    pub url: String,
    /// Audiences.
    #[serde(default)]
    pub client_ids: Vec<String>,
}

/// From GetAccountSummary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// The root user has MFA.
    pub account_mfa_enabled: bool,
    /// The root user has access keys.
    pub account_access_keys_present: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Gap, GapKind};

    fn user(groups: &[&str]) -> User {
        serde_json::from_value(serde_json::json!({
            "user_name": "u",
            "arn": "arn:aws:iam::111122223333:user/u",
            "groups": groups,
        }))
        .unwrap()
    }

    #[test]
    fn groups_of_a_user_or_the_gap_only_when_the_user_has_groups() {
        let group = |name: &str| Group {
            group_name: name.into(),
            arn: format!("arn:aws:iam::111122223333:group/{name}"),
            inline_policies: Vec::new(),
            attached_policies: Vec::new(),
        };
        let mut iam = IamAccount {
            groups: Collected::Ok(vec![group("admins"), group("devs")]),
            ..IamAccount::default()
        };
        let names = |r: Result<Vec<&Group>, &Gap>| {
            r.unwrap()
                .iter()
                .map(|g| g.group_name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(iam.groups_of(&user(&["devs"]))), ["devs"]);
        assert!(names(iam.groups_of(&user(&[]))).is_empty());

        let gap = Gap {
            resource: None,
            service: "iam".into(),
            region: None,
            api: "iam:GetAccountAuthorizationDetails".into(),
            kind: GapKind::AccessDenied,
            message: "no".into(),
        };
        iam.groups = Collected::NotCollected {
            not_collected: gap.clone(),
        };
        assert_eq!(iam.groups_of(&user(&["devs"])).unwrap_err(), &gap);
        assert!(iam.groups_of(&user(&[])).unwrap().is_empty());
    }
}
