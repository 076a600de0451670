//! The IAM collector: the whole account in few calls.
//!
//! - `GetAccountAuthorizationDetails`, paginated, for roles (with trust policies), users,
//!   groups and customer managed policies with their inline and attached policies and
//!   boundaries. No per-role call.
//! - For the AWS managed policies that are attached to something (or used as a boundary),
//!   `GetPolicy` + `GetPolicyVersion` once per distinct policy, to read its document.
//!   Asking GAAD for every AWS managed policy instead returns over a thousand of them (MBs).
//! - The credential report (`GenerateCredentialReport`, then `GetCredentialReport`), the
//!   password policy, OIDC providers, and the account summary.
//!
//! Architecture invariant: the only non-`Get`/`List` call is `GenerateCredentialReport`,
//! which creates no resource (it asks IAM to refresh a report).
#![deny(missing_docs)]

use auditor_model::iam::{
    AccountSummary, CredentialReportRow, Group, IamAccount, InlinePolicy, ManagedPolicy,
    OidcProvider, PasswordPolicy, Role, User,
};
use auditor_model::{Collected, Gap, GapKind};
use aws_config::SdkConfig;
use aws_sdk_iam::types::{EntityType, PolicyDetail, ReportStateType, SummaryKeyType};
use aws_sdk_iam::Client;
use aws_smithy_types::date_time::Format;
use futures::stream::{self, StreamExt};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The service name used in coverage gaps.
pub const SERVICE: &str = "iam";

fn decoded(doc: Option<&str>) -> Option<String> {
    doc.map(|d| auditor_policy::decode(d).into_owned())
}

fn inline(list: &[PolicyDetail]) -> Vec<InlinePolicy> {
    list.iter()
        .filter_map(|p| {
            Some(InlinePolicy {
                name: p.policy_name()?.to_owned(),
                document: decoded(p.policy_document())?,
            })
        })
        .collect()
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    list.iter()
        .filter_map(|a| a.policy_arn().map(str::to_owned))
        .collect()
}

fn date(d: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    d.and_then(|d| d.fmt(Format::DateTime).ok())
}

fn tags(t: &[aws_sdk_iam::types::Tag]) -> BTreeMap<String, String> {
    t.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

/// Collects the account's IAM. Never fails: each API that fails becomes a gap in its part.
pub async fn collect(cfg: &SdkConfig) -> IamAccount {
    collect_with(&Client::new(cfg)).await
}

/// [`collect`] with a given client (tests give a mocked one).
pub async fn collect_with(c: &Client) -> IamAccount {
    let (details, report, password, oidc, summary) = futures::join!(
        auditor_aws::paged(
            SERVICE,
            None,
            "iam:GetAccountAuthorizationDetails",
            c.get_account_authorization_details()
                .filter(EntityType::User)
                .filter(EntityType::Role)
                .filter(EntityType::Group)
                .filter(EntityType::LocalManagedPolicy)
                .max_items(1000)
                .into_paginator()
                .send(),
        ),
        credential_report(c),
        password_policy(c),
        oidc_providers(c),
        account_summary(c),
    );

    let mut account = IamAccount {
        credential_report: Collected::from_result(report),
        password_policy: Collected::from_result(password),
        oidc_providers: Collected::from_result(oidc),
        account_summary: Collected::from_result(summary),
        ..IamAccount::default()
    };
    let pages = match details {
        Ok(p) => p,
        Err(gap) => {
            account.roles = Collected::from_result(Err(gap.clone()));
            account.users = Collected::from_result(Err(gap.clone()));
            account.groups = Collected::from_result(Err(gap.clone()));
            account.managed_policies = Collected::from_result(Err(gap));
            return account;
        }
    };

    let mut roles = Vec::new();
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut policies = Vec::new();
    for page in &pages {
        roles.extend(page.role_detail_list().iter().filter_map(|r| {
            Some(Role {
                role_name: r.role_name()?.to_owned(),
                arn: r.arn()?.to_owned(),
                path: r.path().unwrap_or("/").to_owned(),
                create_date: date(r.create_date()),
                trust_policy: decoded(r.assume_role_policy_document()),
                inline_policies: inline(r.role_policy_list()),
                attached_policies: attached(r.attached_managed_policies()),
                permissions_boundary: r
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_owned),
                last_used: date(r.role_last_used().and_then(|u| u.last_used_date())),
                tags: tags(r.tags()),
                instance_profiles: r
                    .instance_profile_list()
                    .iter()
                    .map(|p| p.arn().to_owned())
                    .collect(),
            })
        }));
        users.extend(page.user_detail_list().iter().filter_map(|u| {
            Some(User {
                user_name: u.user_name()?.to_owned(),
                arn: u.arn()?.to_owned(),
                create_date: date(u.create_date()),
                inline_policies: inline(u.user_policy_list()),
                attached_policies: attached(u.attached_managed_policies()),
                groups: u.group_list().to_vec(),
                permissions_boundary: u
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_owned),
                tags: tags(u.tags()),
            })
        }));
        groups.extend(page.group_detail_list().iter().filter_map(|g| {
            Some(Group {
                group_name: g.group_name()?.to_owned(),
                arn: g.arn()?.to_owned(),
                inline_policies: inline(g.group_policy_list()),
                attached_policies: attached(g.attached_managed_policies()),
            })
        }));
        // GAAD's policies carry no name in some emulators: key by ARN.
        policies.extend(page.policies().iter().filter_map(|p| {
            let document = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .and_then(|v| decoded(v.document()))
                .ok_or_else(|| missing_document(p.arn().unwrap_or_default()));
            Some(ManagedPolicy {
                arn: p.arn()?.to_owned(),
                name: p.policy_name().map(str::to_owned),
                document: Collected::from_result(document),
            })
        }));
    }

    // AWS managed policies in use, read once each.
    let known: BTreeSet<String> = policies.iter().map(|p| p.arn.clone()).collect();
    let in_use: BTreeSet<String> = roles
        .iter()
        .flat_map(|r| r.attached_policies.iter().chain(&r.permissions_boundary))
        .chain(
            users
                .iter()
                .flat_map(|u| u.attached_policies.iter().chain(&u.permissions_boundary)),
        )
        .chain(groups.iter().flat_map(|g| &g.attached_policies))
        .filter(|arn| !known.contains(*arn))
        .cloned()
        .collect();
    let fetched: Vec<ManagedPolicy> =
        stream::iter(in_use.into_iter().map(|arn| aws_managed(c, arn)))
            .buffer_unordered(8)
            .collect()
            .await;
    policies.extend(fetched);
    policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    account.roles = Collected::Ok(roles);
    account.users = Collected::Ok(users);
    account.groups = Collected::Ok(groups);
    // A policy whose document could not be read stays listed with its gap: the checks
    // that need it report "not assessed", and the report lists the API to grant.
    account.managed_policies = Collected::Ok(policies);
    account
}

fn missing_document(arn: &str) -> Gap {
    Gap {
        resource: None,
        service: SERVICE.into(),
        region: None,
        api: "iam:GetAccountAuthorizationDetails".into(),
        kind: GapKind::Other,
        message: format!("no default version document for {arn} in the answer"),
    }
}

/// Reads an AWS managed policy's default document. Never fails: a refusal is the
/// policy's gap.
async fn aws_managed(c: &Client, arn: String) -> ManagedPolicy {
    let document = async {
        let p = c
            .get_policy()
            .policy_arn(&arn)
            .send()
            .await
            .map_err(|e| auditor_aws::gap(SERVICE, None, "iam:GetPolicy", &e))?;
        let version = p
            .policy()
            .and_then(|p| p.default_version_id())
            .ok_or_else(|| missing_document(&arn))?;
        let v = c
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| auditor_aws::gap(SERVICE, None, "iam:GetPolicyVersion", &e))?;
        decoded(v.policy_version().and_then(|v| v.document())).ok_or_else(|| missing_document(&arn))
    }
    .await;
    let name = arn.rsplit('/').next().map(str::to_owned);
    ManagedPolicy {
        arn,
        name,
        document: Collected::from_result(document),
    }
}

async fn credential_report(c: &Client) -> Result<Vec<CredentialReportRow>, Gap> {
    const GEN: &str = "iam:GenerateCredentialReport";
    // IAM builds the report asynchronously; it is usually ready within seconds.
    for attempt in 0..15 {
        let out = c
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| auditor_aws::gap(SERVICE, None, GEN, &e))?;
        if out.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if attempt == 14 {
            return Err(Gap {
                resource: None,
                service: SERVICE.into(),
                region: None,
                api: GEN.into(),
                kind: GapKind::Other,
                message: "the credential report was not ready after 30 s".into(),
            });
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let out = c
        .get_credential_report()
        .send()
        .await
        .map_err(|e| auditor_aws::gap(SERVICE, None, "iam:GetCredentialReport", &e))?;
    let bytes = out
        .content()
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default();
    parse_credential_report(&bytes).map_err(|message| Gap {
        resource: None,
        service: SERVICE.into(),
        region: None,
        api: "iam:GetCredentialReport".into(),
        kind: GapKind::Other,
        message,
    })
}

/// Parses the credential report CSV. Values other than dates (`N/A`, `no_information`,
/// `not_supported`) become `None`/`false`.
pub fn parse_credential_report(bytes: &[u8]) -> Result<Vec<CredentialReportRow>, String> {
    let mut rdr = csv::Reader::from_reader(bytes);
    let headers = rdr
        .headers()
        .map_err(|e| format!("unreadable credential report: {e}"))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(user), Some(arn)) = (col("user"), col("arn")) else {
        return Err("the credential report has no user/arn columns".into());
    };
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("unreadable credential report: {e}"))?;
        let get = |name: &str| col(name).and_then(|i| rec.get(i)).unwrap_or("");
        let flag = |name: &str| get(name).eq_ignore_ascii_case("true");
        let when = |name: &str| {
            let v = get(name);
            (v.len() >= 10 && v.as_bytes()[0].is_ascii_digit()).then(|| v.to_owned())
        };
        rows.push(CredentialReportRow {
            user: rec.get(user).unwrap_or_default().to_owned(),
            arn: rec.get(arn).unwrap_or_default().to_owned(),
            password_enabled: flag("password_enabled"),
            mfa_active: flag("mfa_active"),
            access_key_1_active: flag("access_key_1_active"),
            access_key_1_last_rotated: when("access_key_1_last_rotated"),
            access_key_1_last_used_date: when("access_key_1_last_used_date"),
            access_key_2_active: flag("access_key_2_active"),
            access_key_2_last_rotated: when("access_key_2_last_rotated"),
            access_key_2_last_used_date: when("access_key_2_last_used_date"),
        });
    }
    Ok(rows)
}

async fn password_policy(c: &Client) -> Result<Option<PasswordPolicy>, Gap> {
    match c.get_account_password_policy().send().await {
        Ok(o) => Ok(o.password_policy().map(|p| PasswordPolicy {
            minimum_password_length: p.minimum_password_length(),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase_characters: p.require_uppercase_characters(),
            require_lowercase_characters: p.require_lowercase_characters(),
            max_password_age: p.max_password_age(),
            password_reuse_prevention: p.password_reuse_prevention(),
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(auditor_aws::gap(
            SERVICE,
            None,
            "iam:GetAccountPasswordPolicy",
            &e,
        )),
    }
}

async fn oidc_providers(c: &Client) -> Result<Vec<OidcProvider>, Gap> {
    let list = c
        .list_open_id_connect_providers()
        .send()
        .await
        .map_err(|e| auditor_aws::gap(SERVICE, None, "iam:ListOpenIDConnectProviders", &e))?;
    let mut out = Vec::new();
    for arn in list
        .open_id_connect_provider_list()
        .iter()
        .filter_map(|p| p.arn())
    {
        let p = c
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(arn)
            .send()
            .await
            .map_err(|e| auditor_aws::gap(SERVICE, None, "iam:GetOpenIDConnectProvider", &e))?;
        let url = p.url().unwrap_or_default();
        out.push(OidcProvider {
            arn: arn.to_owned(),
            url: url.trim_start_matches("https://").to_owned(),
            client_ids: p.client_id_list().to_vec(),
        });
    }
    Ok(out)
}

async fn account_summary(c: &Client) -> Result<AccountSummary, Gap> {
    let out = c
        .get_account_summary()
        .send()
        .await
        .map_err(|e| auditor_aws::gap(SERVICE, None, "iam:GetAccountSummary", &e))?;
    let get = |k: SummaryKeyType| {
        out.summary_map()
            .and_then(|m| m.get(&k))
            .copied()
            .unwrap_or(0)
    };
    Ok(AccountSummary {
        account_mfa_enabled: get(SummaryKeyType::AccountMfaEnabled) > 0,
        account_access_keys_present: get(SummaryKeyType::AccountAccessKeysPresent) > 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_report_rows() {
        let csv = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n\
<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
alice,arn:aws:iam::1:user/alice,2021-01-01T00:00:00+00:00,true,no_information,2021-01-01T00:00:00+00:00,N/A,false,true,2021-02-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n";
        let rows = parse_credential_report(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].mfa_active && !rows[0].password_enabled);
        assert_eq!(rows[1].user, "alice");
        assert!(rows[1].password_enabled && !rows[1].mfa_active && rows[1].access_key_1_active);
        assert_eq!(
            rows[1].access_key_1_last_rotated.as_deref(),
            Some("2021-02-01T00:00:00+00:00")
        );
        assert_eq!(rows[1].access_key_1_last_used_date, None);
        assert!(parse_credential_report(b"garbage").is_err());
    }
}
