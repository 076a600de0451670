//! Principals as policies see them, shared by the checks: the request context of one of
//! the account's principals, and who counts as inside for the checks that ask "who
//! outside this account can get in".

use auditor_model::Inventory;
use auditor_policy::reach::{Inside, Org};
use auditor_policy::Context;
use std::collections::BTreeMap;

/// The organisation the audited account belongs to, when the inventory says.
pub(crate) fn org_id(inv: &Inventory) -> Option<&str> {
    match inv.organization.get() {
        Ok(Some(o)) => Some(o.id.as_str()),
        _ => None,
    }
}

/// Who is inside for the outsider questions: the account, the trusted accounts, its
/// organisation (none, when the account is in none; unknown when it could not be read),
/// and the time the account was read.
pub(crate) fn inside<'a>(inv: &'a Inventory, trusted: &'a [String]) -> Inside<'a> {
    Inside {
        account: &inv.account_id,
        partition: &inv.partition,
        trusted,
        org: match inv.organization.get() {
            Ok(Some(o)) => Org::Known(o.id.as_str()),
            Ok(None) => Org::None,
            Err(_) => Org::Unknown,
        },
        now: inv.collected_at.as_deref(),
    }
}

/// A principal of the audited account, as its policies see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub(crate) arn: &'a str,
    /// `role` or `user`.
    pub(crate) kind: &'static str,
    pub(crate) name: &'a str,
    pub(crate) tags: &'a BTreeMap<String, String>,
}

/// Condition keys whose values follow from who the principal is; conditions on any other
/// key (the address it calls from, MFA, VPC endpoints, request tags...) are the caller's
/// to meet, and are taken in its favour (see [`Context::assume_unknown`]).
fn known(key: &str) -> bool {
    matches!(
        key,
        "aws:securetransport"
            | "aws:principalarn"
            | "aws:principalaccount"
            | "aws:principaltype"
            | "aws:username"
            | "aws:principalisawsservice"
    ) || key.starts_with("aws:principaltag/")
}

/// [`known`], and the organisation id when the inventory has it.
fn known_with_org(key: &str) -> bool {
    known(key) || key == "aws:principalorgid"
}

/// [`known`], and the keys an escalation request sets: the policy it attaches and the
/// service it passes a role to (`iam:PolicyARN`, `iam:PassedToService`).
fn known_escalation(key: &str) -> bool {
    known(key) || matches!(key, "iam:policyarn" | "iam:passedtoservice")
}

/// [`known_escalation`], and the organisation id.
fn known_escalation_with_org(key: &str) -> bool {
    known_with_org(key) || matches!(key, "iam:policyarn" | "iam:passedtoservice")
}

/// [`principal_context`] for the requests of an escalation path: conditions on
/// `iam:PolicyARN` and `iam:PassedToService` are evaluated against the values the request
/// sets (absent when it sets none), not assumed met.
pub(crate) fn escalation_context(inv: &Inventory, s: Subject<'_>) -> Context {
    let c = principal_context(inv, s);
    if org_id(inv).is_some() {
        c.assume_unknown(known_escalation_with_org)
    } else {
        c.assume_unknown(known_escalation)
    }
}

/// [`known`], and the prefix a listing asks for (`s3:prefix`).
fn known_listing(key: &str) -> bool {
    known(key) || key == "s3:prefix"
}

/// [`known_listing`], and the organisation id.
fn known_listing_with_org(key: &str) -> bool {
    known_with_org(key) || key == "s3:prefix"
}

/// [`principal_context`] for an `s3:ListBucket` request whose `s3:prefix` the caller sets:
/// conditions on it are evaluated against that value, not assumed met.
pub(crate) fn listing_context(inv: &Inventory, s: Subject<'_>, prefix: &str) -> Context {
    let c = principal_context(inv, s).with("s3:prefix", prefix);
    if org_id(inv).is_some() {
        c.assume_unknown(known_listing_with_org)
    } else {
        c.assume_unknown(known_listing)
    }
}

/// The context of a request by `s` over TLS: its ARN, account, type, user name and tags
/// (and organisation when known); everything else assumed in its favour.
pub(crate) fn principal_context(inv: &Inventory, s: Subject<'_>) -> Context {
    let mut c = Context::new()
        .with("aws:SecureTransport", true)
        .with("aws:PrincipalArn", s.arn)
        .with("aws:PrincipalAccount", inv.account_id.as_str())
        .with(
            "aws:PrincipalType",
            if s.kind == "user" {
                "User"
            } else {
                "AssumedRole"
            },
        )
        .with("aws:PrincipalIsAWSService", false);
    if s.kind == "user" {
        c.insert("aws:username", s.name);
    }
    for (k, v) in s.tags {
        c.insert(&format!("aws:PrincipalTag/{k}"), v.as_str());
    }
    match org_id(inv) {
        Some(org) => {
            c.insert("aws:PrincipalOrgID", org);
            c.assume_unknown(known_with_org)
        }
        None => c.assume_unknown(known),
    }
}
