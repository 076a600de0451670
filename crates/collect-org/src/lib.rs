//! AWS Organizations: which accounts an organisation-wide audit covers.
//!
//! [`discover`] lists the organisation's accounts (`ListAccounts`, or, when organizational
//! units are given, a walk of `ListOrganizationalUnitsForParent` and
//! `ListAccountsForParent` below each), reads their tags only when a tag filter asks for
//! them (`ListTagsForResource`, the one per-account call; Organizations has no batch form),
//! and keeps the accounts the filter selects. Accounts that are not `ACTIVE` (suspended,
//! pending closure) are kept with their status, so that the audit can report them as not
//! assessed instead of leaving them out silently.
//!
//! Architecture invariant: calls are `Describe*`/`List*` only, through the caller's own
//! credentials (the management account or a delegated administrator). SDK types stop here.
#![deny(missing_docs)]

use auditor_aws::AwsError;
use aws_config::SdkConfig;
use aws_sdk_organizations::Client;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Organizations' largest page for every list call used here.
const PAGE: i32 = 20;
/// Tag reads in flight at once (Organizations' rate limits are strict).
const TAG_CONCURRENCY: usize = 4;

/// Which accounts of the organisation to audit. Empty parts select everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgFilter {
    /// Organizational unit ids (`ou-...`) or the root id (`r-...`): accounts anywhere below
    /// any of them.
    pub ous: Vec<String>,
    /// Tags every selected account must carry, key → value.
    pub tags: BTreeMap<String, String>,
    /// Account ids never audited.
    pub exclude: Vec<String>,
}

/// One account of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgAccount {
    /// The 12-digit id.
    pub id: String,
    /// Its name in Organizations.
    pub name: String,
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`.
    pub status: String,
}

impl OrgAccount {
    /// Whether the account can be audited at all.
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

/// The organisation and the accounts the filter selected, sorted by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organization {
    /// `o-...`.
    pub id: Option<String>,
    /// The management account's id.
    pub management_account: Option<String>,
    /// Selected accounts, active or not.
    pub accounts: Vec<OrgAccount>,
}

/// The organisation the caller's account belongs to (`organizations:DescribeOrganization`,
/// which any member account may call): `Ok(None)` when it belongs to none, a gap when the
/// call fails otherwise. Policy checks decide `aws:PrincipalOrgID` conditions with it.
pub async fn membership(
    cfg: &SdkConfig,
) -> auditor_model::Collected<Option<auditor_model::Organization>> {
    membership_with(&Client::new(cfg)).await
}

/// [`membership`] with a given client (tests give a mocked one).
pub async fn membership_with(
    c: &Client,
) -> auditor_model::Collected<Option<auditor_model::Organization>> {
    use aws_sdk_organizations::operation::describe_organization::DescribeOrganizationError;
    let r = match c.describe_organization().send().await {
        Ok(out) => Ok(out.organization().and_then(|o| {
            Some(auditor_model::Organization {
                id: o.id()?.to_owned(),
                management_account: o.master_account_id().unwrap_or_default().to_owned(),
            })
        })),
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(DescribeOrganizationError::AwsOrganizationsNotInUseException(_))
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(auditor_aws::gap(
            "organizations",
            None,
            "organizations:DescribeOrganization",
            &e,
        )),
    };
    auditor_model::Collected::from_result(r)
}

/// Lists the organisation's accounts that `filter` selects.
pub async fn discover(cfg: &SdkConfig, filter: &OrgFilter) -> Result<Organization, AwsError> {
    discover_with(&Client::new(cfg), filter).await
}

/// [`discover`] with a given client (tests give a mocked one).
pub async fn discover_with(c: &Client, filter: &OrgFilter) -> Result<Organization, AwsError> {
    let org = c
        .describe_organization()
        .send()
        .await
        .map_err(|e| AwsError::call("organizations:DescribeOrganization", None, &e))?;
    let org = org.organization();
    let mut accounts = if filter.ous.is_empty() {
        c.list_accounts()
            .max_results(PAGE)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::call("organizations:ListAccounts", None, &e))?
            .iter()
            .flat_map(|p| p.accounts())
            .filter_map(account)
            .collect()
    } else {
        below(c, &filter.ous).await?
    };
    let exclude: BTreeSet<&str> = filter.exclude.iter().map(String::as_str).collect();
    accounts.retain(|a| !exclude.contains(a.id.as_str()));
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    if !filter.tags.is_empty() {
        let keep: Vec<bool> = stream::iter(accounts.iter().map(|a| tagged(c, &a.id, &filter.tags)))
            .buffered(TAG_CONCURRENCY)
            .try_collect()
            .await?;
        let mut keep = keep.into_iter();
        accounts.retain(|_| keep.next().unwrap_or(false));
    }
    Ok(Organization {
        id: org.and_then(|o| o.id()).map(str::to_owned),
        management_account: org.and_then(|o| o.master_account_id()).map(str::to_owned),
        accounts,
    })
}

fn account(a: &aws_sdk_organizations::types::Account) -> Option<OrgAccount> {
    Some(OrgAccount {
        id: a.id()?.to_owned(),
        name: a.name().unwrap_or_default().to_owned(),
        status: a
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_else(|| "UNKNOWN".into()),
    })
}

/// Every account below the given parents, walking organizational units breadth first.
async fn below(c: &Client, parents: &[String]) -> Result<Vec<OrgAccount>, AwsError> {
    let mut out = Vec::new();
    let mut queue: Vec<String> = parents.to_vec();
    let mut seen = BTreeSet::new();
    while let Some(parent) = queue.pop() {
        if !seen.insert(parent.clone()) {
            continue;
        }
        let here = c
            .list_accounts_for_parent()
            .parent_id(&parent)
            .max_results(PAGE)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| {
                AwsError::call(
                    "organizations:ListAccountsForParent",
                    Some(&format!("parent {parent}")),
                    &e,
                )
            })?;
        out.extend(here.iter().flat_map(|p| p.accounts()).filter_map(account));
        let children = c
            .list_organizational_units_for_parent()
            .parent_id(&parent)
            .max_results(PAGE)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| {
                AwsError::call(
                    "organizations:ListOrganizationalUnitsForParent",
                    Some(&format!("parent {parent}")),
                    &e,
                )
            })?;
        queue.extend(
            children
                .iter()
                .flat_map(|p| p.organizational_units())
                .filter_map(|ou| ou.id().map(str::to_owned)),
        );
    }
    Ok(out)
}

async fn tagged(
    c: &Client,
    account: &str,
    want: &BTreeMap<String, String>,
) -> Result<bool, AwsError> {
    let tags = c
        .list_tags_for_resource()
        .resource_id(account)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(|e| {
            AwsError::call(
                "organizations:ListTagsForResource",
                Some(&format!("account {account}")),
                &e,
            )
        })?;
    Ok(want.iter().all(|(k, v)| {
        tags.iter()
            .flat_map(|p| p.tags())
            .any(|t| t.key() == k.as_str() && t.value() == v.as_str())
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_organizations::operation::describe_organization::DescribeOrganizationOutput;
    use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
    use aws_sdk_organizations::operation::list_tags_for_resource::ListTagsForResourceOutput;
    use aws_sdk_organizations::types::{Account, AccountStatus, Organization as Org, Tag};
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    fn acct(id: &str, status: AccountStatus) -> Account {
        Account::builder()
            .id(id)
            .name(format!("n{id}"))
            .status(status)
            .build()
    }

    #[tokio::test]
    async fn filters_by_tag_and_exclusion_and_keeps_suspended_accounts() {
        let org = mock!(Client::describe_organization).then_output(|| {
            DescribeOrganizationOutput::builder()
                .organization(
                    Org::builder()
                        .id("o-1")
                        .master_account_id("111111111111")
                        .build(),
                )
                .build()
        });
        let list = mock!(Client::list_accounts).then_output(|| {
            ListAccountsOutput::builder()
                .accounts(acct("333333333333", AccountStatus::Suspended))
                .accounts(acct("111111111111", AccountStatus::Active))
                .accounts(acct("222222222222", AccountStatus::Active))
                .accounts(acct("444444444444", AccountStatus::Active))
                .build()
        });
        let tag = |v: &str| {
            ListTagsForResourceOutput::builder()
                .tags(Tag::builder().key("env").value(v).build().unwrap())
                .build()
        };
        // Tags are read in account-id order: 1 (prod), 2 (dev), 3 (prod).
        let t1 = mock!(Client::list_tags_for_resource)
            .match_requests(|r| r.resource_id() == Some("111111111111"))
            .then_output(move || tag("prod"));
        let t2 = mock!(Client::list_tags_for_resource)
            .match_requests(|r| r.resource_id() == Some("222222222222"))
            .then_output(move || tag("dev"));
        let t3 = mock!(Client::list_tags_for_resource)
            .match_requests(|r| r.resource_id() == Some("333333333333"))
            .then_output(move || tag("prod"));
        let c = mock_client!(
            aws_sdk_organizations,
            RuleMode::MatchAny,
            [&org, &list, &t1, &t2, &t3]
        );
        let filter = OrgFilter {
            tags: [("env".to_owned(), "prod".to_owned())].into(),
            exclude: vec!["444444444444".into()],
            ..OrgFilter::default()
        };
        let got = discover_with(&c, &filter).await.unwrap();
        assert_eq!(got.id.as_deref(), Some("o-1"));
        assert_eq!(got.management_account.as_deref(), Some("111111111111"));
        let ids: Vec<(&str, bool)> = got
            .accounts
            .iter()
            .map(|a| (a.id.as_str(), a.is_active()))
            .collect();
        assert_eq!(ids, [("111111111111", true), ("333333333333", false)]);
        assert_eq!(got.accounts[1].status, "SUSPENDED");
    }

    #[tokio::test]
    async fn a_refusal_is_one_line_naming_the_api() {
        let org = mock!(Client::describe_organization).then_error(|| {
            aws_sdk_organizations::operation::describe_organization::DescribeOrganizationError::AwsOrganizationsNotInUseException(
                aws_sdk_organizations::types::error::AwsOrganizationsNotInUseException::builder()
                    .message("Your account is not a member of an organization.")
                    .meta(
                        aws_sdk_organizations::error::ErrorMetadata::builder()
                            .code("AWSOrganizationsNotInUseException")
                            .message("Your account is not a member of an organization.")
                            .build(),
                    )
                    .build(),
            )
        });
        let c = mock_client!(aws_sdk_organizations, [&org]);
        let err = discover_with(&c, &OrgFilter::default()).await.unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("organizations:DescribeOrganization"),
            "{msg}"
        );
        assert!(msg.contains("not a member of an organization"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
}
