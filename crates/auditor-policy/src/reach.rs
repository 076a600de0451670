//! Who outside can get in: a decision, with a witness.
//!
//! Trust policies and resource policies are judged by evaluating them against the
//! requests an outsider can make, not by reading their conditions' text. This is the idea
//! behind IAM Access Analyzer's automated reasoning: a condition compares a request key
//! with the policy's values, so the values that decide it are finitely many: each value
//! written in the policy, a value the policy does not name, the key's absence, and for
//! patterns a value they match. Trying every combination of those for the keys the
//! policy tests, with every principal an outsider can be, decides the question exactly
//! for the keys an outsider controls.
//!
//! What an outsider controls, and what not:
//! - **Who it is**: any principal of an account that is neither the audited account nor a
//!   trusted one (a fresh account, or an account the policy names); `aws:PrincipalArn`,
//!   `aws:PrincipalAccount` and `aws:PrincipalType` follow from it. Its organisation is
//!   none, or another one: `aws:PrincipalOrgID` is absent or differs from the audited
//!   account's organisation (when that is known; an unknown one is assumed to be the
//!   value the policy names, and the evidence says so). Anonymous callers are outsiders
//!   where the resource can be reached without credentials (S3, ECR).
//! - **What it sends**: any value, or none, for keys such as `aws:SourceIp` beyond the
//!   ranges AWS calls public (`/8` and wider, outside RFC 1918), `aws:UserAgent`,
//!   `aws:SecureTransport`, its own principal tags, request tags, times, and
//!   `sts:ExternalId` (which AWS does not treat as a secret; a confused-deputy check may
//!   ask instead whether it can do without the value agreed with the third party).
//! - **Not**: the audited account's VPC endpoints and VPCs (`aws:SourceVpce`,
//!   `aws:SourceVpc`), its fixed addresses, and the `aws:Source*` keys that AWS services
//!   set when they act for a resource (absent for a direct caller): the values of S3's
//!   definition of a non-public policy ("The meaning of public", S3 User Guide).
//! - **Tokens** (`Federated` principals): the holder of a token from the provider chooses
//!   its audience, and its subject within its own namespace: a GitHub organisation, a
//!   GitLab group, a Kubernetes service account. A subject pattern lets outsiders in when
//!   the part that names the owner can match more than one.

use crate::context::{Context, ContextValue};
use crate::document::{Condition, PolicyDocument};
use crate::evaluate::{condition_holds, decide, scope_matches, Decision, Named, PolicySet};
use crate::request::{Action, Request};
use crate::values::{self, IpRange};
use std::collections::BTreeMap;

/// Who is inside: the audited account, accounts trusted like it, its organisation.
#[derive(Debug, Clone, Copy)]
pub struct Inside<'a> {
    /// The audited account.
    pub account: &'a str,
    /// Its partition (`aws`).
    pub partition: &'a str,
    /// Accounts that count as inside (configured as trusted).
    pub trusted: &'a [String],
    /// The organisation the account belongs to, when known.
    pub org_id: Option<&'a str>,
}

impl Inside<'_> {
    fn is_inside(&self, account: &str) -> bool {
        account == self.account || self.trusted.iter().any(|t| t == account)
    }

    /// A 12-digit account that is neither the audited one nor trusted.
    fn fresh_account(&self) -> String {
        (0..100u64)
            .map(|i| format!("{:012}", 999_999_999_999u64 - i))
            .find(|a| !self.is_inside(a))
            .unwrap_or_else(|| "999999999000".into())
    }
}

/// Which outsiders a check asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outsiders {
    /// Anyone in the world: principals of an account the policy does not name, and
    /// anonymous callers where [`Question::anonymous`] says they can call.
    Anyone,
    /// Principals of the foreign, untrusted accounts the policy names (in `Principal` or
    /// in an `aws:PrincipalAccount`/`aws:PrincipalArn` condition).
    NamedAccounts,
    /// Both.
    OtherAccounts,
    /// Holders of tokens from the identity providers the policy trusts (`Federated`),
    /// other than the subjects it names.
    TokenHolders,
}

/// The question.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// Which outsiders.
    pub who: Outsiders,
    /// The actions to try; empty: the actions the policy's Allow statements name.
    pub actions: &'a [&'a str],
    /// The resources the requests act on (a role ARN, a bucket and an object ARN).
    pub resources: &'a [String],
    /// Whether anonymous requests can reach the resource (S3 and ECR; not STS).
    pub anonymous: bool,
    /// Whether an outsider lacks the `sts:ExternalId` values the policy names (the
    /// confused-deputy question); otherwise they are known, as AWS does not keep them
    /// secret.
    pub secret_external_id: bool,
    /// For token holders: the issuers (`oidc.eks...`, `token.actions.githubusercontent.com`)
    /// to ask about; `None`: every one the policy trusts.
    pub issuers: Option<fn(&str) -> bool>,
    /// For token holders: ask whether a token minted for another audience than
    /// `sts.amazonaws.com` gets in (by any subject the policy admits), instead of whether
    /// another subject does.
    pub other_audience: bool,
}

impl Default for Question<'_> {
    fn default() -> Self {
        Question {
            who: Outsiders::Anyone,
            actions: &[],
            resources: &[],
            anonymous: false,
            secret_external_id: false,
            issuers: None,
            other_audience: false,
        }
    }
}

/// A concrete request that gets in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// Who asks: an ARN, a provider, or `anonymous`.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The context keys the policy tests, with the values sent (`absent` when not sent).
    pub context: Vec<(String, String)>,
    /// The Allow statements that let it in.
    pub granted_by: Vec<String>,
}

impl Witness {
    /// `arn:... to s3:GetObject on arn:... with aws:PrincipalOrgID absent`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} to {} on {}", self.principal, self.action, self.resource);
        if !self.context.is_empty() {
            let ctx: Vec<String> = self
                .context
                .iter()
                .map(|(k, v)| {
                    if v == ABSENT {
                        format!("{k} absent")
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            s.push_str(" with ");
            s.push_str(&ctx.join(", "));
        }
        s
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// An outsider gets in: this request.
    Open(Witness),
    /// Statements name outsiders, and every outsider request is refused: what stops them.
    Closed {
        /// For each statement that names outsiders, what stops them.
        stopped_by: Vec<String>,
        /// What was assumed (an organisation id taken to be the account's own).
        assumed: Vec<String>,
    },
    /// No Allow statement names an outsider of this kind.
    Nobody,
}

const ABSENT: &str = "(absent)";
const FRESH: &str = "auditor-outsider";
const OUTSIDE_ORG: &str = "o-auditoroutsider";
/// The most combinations tried per principal and action.
const MAX_COMBINATIONS: usize = 200_000;

/// A principal an outsider can be.
#[derive(Debug, Clone)]
struct Candidate {
    /// `None`: anonymous.
    arn: Option<String>,
    account: Option<String>,
    /// A token holder (web identity): the provider's ARN, and the issuer (lowercase).
    issuer: Option<String>,
    /// The issuer as the policy writes it.
    issuer_shown: Option<String>,
    /// Whether it is a user (for `aws:username`).
    user: bool,
}

fn instantiate(pattern: &str, outsider_account: &str) -> String {
    // An ARN pattern gets an outsider account in a wildcard account segment.
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && parts[4].contains(['*', '?']) {
        let mut p: Vec<String> = parts.iter().map(|s| (*s).to_owned()).collect();
        p[4] = outsider_account.to_owned();
        return instantiate(&p.join(":"), outsider_account);
    }
    pattern.replace('*', FRESH).replace('?', "x")
}

fn is_pattern(c: &Condition, v: &str) -> bool {
    let op = c.base_operator().to_ascii_lowercase();
    (op.contains("like") || op.starts_with("arn")) && v.contains(['*', '?'])
}

/// Values that decide the conditions on one key: the policy's own, one inside each
/// pattern, and typed neighbours (a number either side, an address outside a range).
struct KeyValues {
    fixed: Vec<String>,
    instances: Vec<String>,
    neighbours: Vec<String>,
    multivalued: bool,
}

fn key_values(conds: &[&Condition], outsider_account: &str) -> KeyValues {
    let mut k = KeyValues {
        fixed: Vec::new(),
        instances: Vec::new(),
        neighbours: Vec::new(),
        multivalued: false,
    };
    for c in conds {
        k.multivalued |= c.operator.contains(':') && is_multivalued(&c.key);
        let op = c.base_operator().to_ascii_lowercase();
        for v in &c.values {
            if v.contains("${") {
                continue;
            }
            if op.starts_with("numeric") {
                if let Some(n) = values::number(v) {
                    for d in [-1.0, 0.0, 1.0] {
                        k.neighbours.push(format!("{}", n + d));
                    }
                }
            } else if op.starts_with("date") {
                if let Some(ms) = values::date_millis(v) {
                    for d in [-1000i128, 0, 1000] {
                        k.neighbours.push(((ms + d) / 1000).to_string());
                    }
                }
            } else if op == "bool" || op == "null" {
                k.neighbours.extend(["true".into(), "false".into()]);
            } else if op.contains("ipaddress") {
                if let Some(r) = IpRange::parse(v) {
                    k.neighbours.extend(r.inside_and_outside());
                }
            } else if is_pattern(c, v) {
                k.instances.push(instantiate(v, outsider_account));
            } else {
                k.fixed.push(v.clone());
            }
        }
    }
    for list in [&mut k.fixed, &mut k.instances, &mut k.neighbours] {
        list.sort();
        list.dedup();
    }
    k
}

/// Keys AWS documents as multivalued (a set in the request, tested with `ForAnyValue:`
/// or `ForAllValues:`); every other key holds one value or none.
fn is_multivalued(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    matches!(
        k.as_str(),
        "aws:tagkeys"
            | "aws:principalorgpaths"
            | "aws:resourceorgpaths"
            | "aws:calledvia"
            | "aws:principalservicenameslist"
    ) || k.ends_with(":amr")
}

/// How a key behaves for an outsider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Follows from who the caller is (set per candidate).
    Principal,
    /// The caller's organisation.
    Org,
    OrgPaths,
    /// Set by AWS services acting for a resource: absent for a direct caller.
    Source,
    /// Fixed values are the audited account's (its VPC endpoints and VPCs): not
    /// producible; patterns and absence are.
    Restricted,
    /// `aws:SourceIp`: addresses outside the fixed ranges, inside the public-wide ones.
    SourceIp,
    /// `sts:ExternalId` when the question keeps it secret.
    SecretExternalId,
    /// A token's subject: the owner part decides.
    Subject,
    /// A token's audience, when the question is about other audiences than STS.
    Audience,
    /// Anything the caller sends.
    Free,
}

fn class(key: &str, q: &Question<'_>, issuers: &[String]) -> Class {
    match key {
        "aws:principalarn"
        | "aws:principalaccount"
        | "aws:principaltype"
        | "aws:principalisawsservice"
        | "aws:principalservicename"
        | "aws:principalservicenameslist"
        | "aws:username"
        | "aws:userid" => Class::Principal,
        "aws:principalorgid" => Class::Org,
        "aws:principalorgpaths" => Class::OrgPaths,
        "aws:sourceaccount" | "aws:sourcearn" | "aws:sourceowner" | "aws:sourceorgid"
        | "aws:sourceorgpaths" | "aws:calledvia" | "aws:calledviafirst" | "aws:calledvialast"
        | "aws:viaawsservice" => Class::Source,
        "aws:sourcevpce" | "aws:sourcevpc" | "aws:vpcsourceip" | "aws:sourcevpcarn" => {
            Class::Restricted
        }
        "aws:sourceip" => Class::SourceIp,
        "sts:externalid" if q.secret_external_id => Class::SecretExternalId,
        k if k.ends_with(":sub")
            && !q.other_audience
            && issuers
                .iter()
                .any(|i| k.len() == i.len() + 4 && k.starts_with(i.as_str())) =>
        {
            Class::Subject
        }
        k if k.ends_with(":aud")
            && q.other_audience
            && issuers
                .iter()
                .any(|i| k.len() == i.len() + 4 && k.starts_with(i.as_str())) =>
        {
            Class::Audience
        }
        _ => Class::Free,
    }
}

/// The owner part of a token subject: what an outsider cannot choose.
fn subject_owner<'s>(issuer: &str, sub: &'s str) -> &'s str {
    let cut = |s: &'s str, sep: char, n: usize| -> &'s str {
        match s.match_indices(sep).nth(n) {
            Some((i, _)) => &s[..i],
            None => s,
        }
    };
    if issuer.starts_with("oidc.eks.") || sub.starts_with("system:serviceaccount:") {
        // One service account: the whole subject.
        sub
    } else if issuer.contains("app.terraform.io") {
        cut(sub, ':', 1)
    } else if issuer.contains("circleci") {
        cut(sub, '/', 1)
    } else if issuer.contains("bitbucket") {
        cut(sub, ':', 0)
    } else {
        cut(sub, '/', 0)
    }
}

/// The candidate values of one key: `None` is absence.
fn candidates(
    class: Class,
    conds: &[&Condition],
    kv: &KeyValues,
    inside: &Inside<'_>,
    issuer: Option<&str>,
) -> Vec<Option<ContextValue>> {
    let one = |v: &str| Some(ContextValue::One(v.to_owned()));
    // A token always carries its subject and audience.
    let mut out: Vec<Option<ContextValue>> = match class {
        Class::Subject | Class::Audience => Vec::new(),
        _ => vec![None],
    };
    match class {
        Class::Principal => return Vec::new(),
        Class::Source => {}
        Class::Org => {
            out.push(one(OUTSIDE_ORG));
            out.extend(kv.instances.iter().map(|v| one(v)));
            if let Some(own) = inside.org_id {
                out.extend(kv.fixed.iter().filter(|v| *v != own).map(|v| one(v)));
            }
        }
        Class::OrgPaths => {
            let many = |v: &str| Some(ContextValue::Many(vec![v.to_owned()]));
            out.push(many(&format!("{OUTSIDE_ORG}/r-outsider/")));
            out.extend(kv.instances.iter().map(|v| many(v)));
            if let Some(own) = inside.org_id {
                out.extend(
                    kv.fixed
                        .iter()
                        .filter(|v| v.split('/').next() != Some(own))
                        .map(|v| many(v)),
                );
            }
        }
        Class::Restricted | Class::SecretExternalId => {
            out.push(one(FRESH));
            out.extend(kv.instances.iter().map(|v| one(v)));
        }
        Class::SourceIp => {}
        Class::Subject => {
            let issuer = issuer.unwrap_or_default();
            out.push(one(&if issuer.starts_with("oidc.eks.") {
                format!("system:serviceaccount:{FRESH}:{FRESH}")
            } else {
                format!("repo:{FRESH}/{FRESH}:ref:refs/heads/main")
            }));
            // A pattern lets outsiders in when the owner part it names can vary.
            for c in conds {
                for v in c.values.iter().filter(|v| is_pattern(c, v)) {
                    if subject_owner(issuer, v).contains(['*', '?']) {
                        out.push(one(&instantiate(v, FRESH)));
                    }
                }
            }
        }
        Class::Audience => {
            out.push(one(FRESH));
            out.extend(
                kv.fixed
                    .iter()
                    .chain(&kv.instances)
                    .filter(|v| *v != "sts.amazonaws.com")
                    .map(|v| one(v)),
            );
        }
        Class::Free => {
            out.push(one(FRESH));
            out.extend(kv.fixed.iter().map(|v| one(v)));
            out.extend(kv.instances.iter().map(|v| one(v)));
            out.extend(kv.neighbours.iter().map(|v| one(v)));
        }
    }
    if kv.multivalued && !matches!(class, Class::OrgPaths) {
        let singles: Vec<String> = out
            .iter()
            .filter_map(|v| match v {
                Some(ContextValue::One(s)) => Some(s.clone()),
                _ => None,
            })
            .collect();
        out.push(Some(ContextValue::Many(Vec::new())));
        out.extend(
            singles
                .into_iter()
                .map(|s| Some(ContextValue::Many(vec![s]))),
        );
    }
    out
}

/// The ARN patterns the policy tests `aws:PrincipalArn` against (positive operators).
fn principal_arn_patterns(doc: &PolicyDocument) -> Vec<String> {
    let mut out = Vec::new();
    for s in doc.statements() {
        for c in &s.conditions {
            if c.key.eq_ignore_ascii_case("aws:PrincipalArn") && !c.base_operator().contains("Not")
            {
                out.extend(c.values.iter().filter(|v| v.starts_with("arn:")).cloned());
            }
        }
    }
    out
}

/// A principal of `account` that `pattern` (an ARN pattern) admits, when its account
/// segment admits that account.
fn principal_in(pattern: &str, account: &str) -> Option<String> {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() != 6 || !auditor_model::wildcard::matches(parts[4], account) {
        return None;
    }
    let resource = parts[5].replace('*', FRESH).replace('?', "x");
    (resource.starts_with("role/") || resource.starts_with("user/"))
        .then(|| format!("arn:{}:{}::{account}:{resource}", parts[1], parts[2]))
}

fn principal_candidates(
    doc: &PolicyDocument,
    q: &Question<'_>,
    inside: &Inside<'_>,
) -> Vec<Candidate> {
    let fresh = inside.fresh_account();
    let arn_candidate = |arn: String, account: &str| Candidate {
        user: arn.contains(":user/"),
        arn: Some(arn),
        account: Some(account.to_owned()),
        issuer: None,
        issuer_shown: None,
    };
    let mut out: Vec<Candidate> = Vec::new();
    let anyone = matches!(q.who, Outsiders::Anyone | Outsiders::OtherAccounts);
    let named = matches!(q.who, Outsiders::NamedAccounts | Outsiders::OtherAccounts);
    let mut wants_anyone = false;
    let mut accounts: Vec<String> = Vec::new();
    let account_of = |a: &str| -> Option<String> {
        if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) {
            Some(a.to_owned())
        } else {
            a.split(':')
                .nth(4)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
        }
    };
    let foreign = |acct: &str| {
        !inside.is_inside(acct) && acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())
    };
    for s in doc.statements().iter().filter(|s| s.allow) {
        if s.not_principal.is_some() {
            wants_anyone = true;
        }
        let Some(p) = &s.principal else { continue };
        let everyone = p.is_everyone();
        wants_anyone |= everyone;
        if named {
            for a in p.aws.iter().filter(|a| !a.bytes().all(|b| b == b'*')) {
                let Some(acct) = account_of(a).filter(|acct| foreign(acct)) else {
                    continue;
                };
                if a.starts_with("arn:") && !a.ends_with(":root") {
                    out.push(arn_candidate(a.clone(), &acct));
                }
                accounts.push(acct);
            }
            if everyone {
                // Accounts named by condition on a statement open to everyone.
                for c in &s.conditions {
                    let key = c.key.to_ascii_lowercase();
                    if (key != "aws:principalaccount" && key != "aws:principalarn")
                        || c.base_operator().contains("Not")
                    {
                        continue;
                    }
                    for v in c.values.iter().filter(|v| !v.contains(['*', '?'])) {
                        if let Some(acct) = account_of(v).filter(|acct| foreign(acct)) {
                            accounts.push(acct);
                        }
                    }
                }
            }
        }
        if q.who == Outsiders::TokenHolders {
            for f in &p.federated {
                let issuer = f
                    .split_once(":oidc-provider/")
                    .map_or(f.as_str(), |(_, i)| i)
                    .to_ascii_lowercase();
                if q.issuers.is_some_and(|keep| !keep(&issuer)) {
                    continue;
                }
                out.push(Candidate {
                    arn: Some(f.clone()),
                    account: account_of(f),
                    issuer_shown: f.split_once(":oidc-provider/").map(|(_, i)| i.to_owned()),
                    issuer: Some(issuer),
                    user: false,
                });
            }
        }
    }
    if anyone && wants_anyone {
        accounts.push(fresh.clone());
        if q.anonymous {
            // Public access first: the plainest witness.
            out.insert(
                0,
                Candidate {
                    arn: None,
                    account: None,
                    issuer: None,
                    issuer_shown: None,
                    user: false,
                },
            );
        }
    }
    accounts.sort();
    accounts.dedup();
    let patterns = principal_arn_patterns(doc);
    for acct in &accounts {
        out.push(arn_candidate(
            format!("arn:{}:iam::{acct}:role/{FRESH}", inside.partition),
            acct,
        ));
        out.push(arn_candidate(
            format!("arn:{}:iam::{acct}:user/{FRESH}", inside.partition),
            acct,
        ));
        for p in &patterns {
            if let Some(arn) = principal_in(p, acct) {
                out.push(arn_candidate(arn, acct));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert((c.arn.clone(), c.issuer.clone())));
    out
}

fn principal_context(c: &Candidate, ctx: &mut Context) {
    let (Some(arn), Some(acct)) = (&c.arn, &c.account) else {
        if c.arn.is_none() {
            ctx.insert("aws:PrincipalAccount", "anonymous");
            ctx.insert("aws:PrincipalType", "Anonymous");
            ctx.insert("aws:userid", "anonymous");
        }
        return;
    };
    if c.issuer.is_some() {
        return;
    }
    ctx.insert("aws:PrincipalArn", arn.as_str());
    ctx.insert("aws:PrincipalAccount", acct.as_str());
    ctx.insert("aws:PrincipalIsAWSService", "false");
    if c.user {
        ctx.insert("aws:PrincipalType", "User");
        ctx.insert(
            "aws:username",
            arn.rsplit('/').next().unwrap_or(FRESH).to_owned(),
        );
        ctx.insert("aws:userid", "AIDAAUDITOROUTSIDER");
    } else {
        ctx.insert("aws:PrincipalType", "AssumedRole");
        ctx.insert("aws:userid", format!("AROAAUDITOROUTSIDER:{FRESH}"));
    }
}

/// The actions to try: those given, or one instance of each action the policy allows.
fn actions_of(doc: &PolicyDocument, q: &Question<'_>) -> Vec<Action> {
    if !q.actions.is_empty() {
        return q.actions.iter().filter_map(|a| Action::new(a)).collect();
    }
    let mut out: Vec<Action> = Vec::new();
    for s in doc.statements().iter().filter(|s| s.allow) {
        for a in &s.action {
            let inst = if a.bytes().all(|b| b == b'*') {
                "auditorprobe:AuditorProbeAction".to_owned()
            } else {
                a.replace('*', "AuditorProbe").replace('?', "x")
            };
            if let Some(act) = Action::new(&inst) {
                out.push(act);
            }
        }
        if !s.not_action.is_empty() {
            if let Some(act) = Action::new("auditorprobe:AuditorProbeAction") {
                out.push(act);
            }
        }
    }
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    out.dedup();
    out
}

/// Decides whether outsiders get in through `doc` (a resource-based policy of a resource
/// in `inside.account`).
pub fn reach(doc: &PolicyDocument, q: &Question<'_>, inside: &Inside<'_>) -> Reach {
    let candidates_p = principal_candidates(doc, q, inside);
    if candidates_p.is_empty() {
        return Reach::Nobody;
    }
    let fresh = inside.fresh_account();
    let mut by_key: BTreeMap<String, Vec<&Condition>> = BTreeMap::new();
    for s in doc.statements() {
        for c in &s.conditions {
            by_key
                .entry(c.key.to_ascii_lowercase())
                .or_default()
                .push(c);
        }
    }
    let issuers: Vec<String> = candidates_p
        .iter()
        .filter_map(|c| c.issuer.clone())
        .collect();
    let actions = actions_of(doc, q);
    let everything = match PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ) {
        Ok(d) => d,
        Err(_) => return Reach::Nobody,
    };
    let mut assumed = Vec::new();
    if inside.org_id.is_none() {
        if let Some(cs) = by_key.get("aws:principalorgid") {
            for c in cs.iter().filter(|c| {
                c.base_operator().starts_with("String") && !c.base_operator().contains("Not")
            }) {
                for v in c.values.iter().filter(|v| !v.contains(['*', '?'])) {
                    let note = format!(
                        "assuming {v} is this account's organisation (organizations:DescribeOrganization was not read)"
                    );
                    if !assumed.contains(&note) {
                        assumed.push(note);
                    }
                }
            }
        }
    }
    // Per Allow statement and condition: whether the condition ever held for an outsider
    // request in the statement's scope; and whether the statement applied but a Deny won.
    let mut ever_held: BTreeMap<(usize, usize), bool> = BTreeMap::new();
    let mut overridden: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut in_scope: Vec<bool> = vec![false; doc.statements().len()];

    for cand in &candidates_p {
        let issuer = cand.issuer.as_deref();
        // A token always has a subject and an audience: show them even when the policy
        // does not test them.
        let mut by_key = by_key.clone();
        if let Some(i) = issuer {
            for claim in ["sub", "aud"] {
                by_key.entry(format!("{i}:{claim}")).or_default();
            }
        }
        let keys: Vec<(String, Vec<Option<ContextValue>>, Class, KeyValues)> = by_key
            .iter()
            .filter_map(|(k, conds)| {
                let kv = key_values(conds, &fresh);
                let cl = match class(k, q, &issuers) {
                    // An untested audience: STS's, as issued for IRSA and CI tokens.
                    Class::Free if conds.is_empty() && k.ends_with(":aud") => {
                        return Some((
                            k.clone(),
                            vec![Some(ContextValue::One("sts.amazonaws.com".into()))],
                            Class::Free,
                            kv,
                        ));
                    }
                    c => c,
                };
                let mut vals = candidates(cl, conds, &kv, inside, issuer);
                // Anonymous callers and token holders carry no principal keys: no
                // organisation, no tags.
                if (cand.arn.is_none() || cand.issuer.is_some()) && k.starts_with("aws:principal") {
                    vals = vec![None];
                }
                if cl == Class::SourceIp {
                    vals = source_ip_candidates(conds);
                }
                if cl == Class::Subject && !issuer.is_some_and(|i| k.starts_with(i)) {
                    // Another provider's subject: absent from this provider's tokens.
                    vals = vec![None];
                }
                (cl != Class::Principal).then(|| (k.clone(), vals, cl, kv))
            })
            .collect();
        let total: usize = keys
            .iter()
            .map(|(_, v, _, _)| v.len().max(1))
            .try_fold(1usize, |acc, n| acc.checked_mul(n))
            .unwrap_or(usize::MAX);
        let combos = total.min(MAX_COMBINATIONS);
        let mut base = Context::new();
        principal_context(cand, &mut base);
        let identity = [Named::new("outsider's own policies", &everything)];
        let set = PolicySet {
            identity: if cand.arn.is_some() && cand.issuer.is_none() {
                identity.to_vec()
            } else {
                Vec::new()
            },
            boundary: None,
            resource: Some(Named::new("policy", doc)),
        };
        for action in &actions {
            let action_name = action.as_str();
            let web = action_name == "sts:assumerolewithwebidentity"
                || action_name == "sts:assumerolewithsaml";
            if web != cand.issuer.is_some()
                && action.service() == "sts"
                && action_name.starts_with("sts:assumerole")
            {
                continue;
            }
            for resource in q.resources {
                for n in 0..combos {
                    let mut ctx = base.clone();
                    let mut rest = n;
                    for (k, vals, _, _) in &keys {
                        if vals.is_empty() {
                            continue;
                        }
                        let v = &vals[rest % vals.len()];
                        rest /= vals.len();
                        match v {
                            Some(v) => ctx.insert(k, v.clone()),
                            None => ctx.remove(k),
                        }
                    }
                    let req = Request {
                        principal: cand.arn.as_deref(),
                        action,
                        resource,
                        resource_account: Some(inside.account),
                        context: &ctx,
                    };
                    let decision = decide(&set, &req);
                    if decision == Decision::Allow {
                        let granted_by = doc
                            .statements()
                            .iter()
                            .filter(|s| s.allow)
                            .filter(|s| {
                                scope_matches(doc, s.index, &req)
                                    && doc.compiled[s.index]
                                        .conditions
                                        .iter()
                                        .all(|c| condition_holds(c, &ctx))
                            })
                            .map(|s| s.label())
                            .collect();
                        let context = keys
                            .iter()
                            .map(|(k, _, _, _)| {
                                let mut shown = original_key(doc, k);
                                if let (Some(i), Some(is)) = (&cand.issuer, &cand.issuer_shown) {
                                    if shown.starts_with(i.as_str()) {
                                        shown = format!("{is}{}", &shown[i.len()..]);
                                    }
                                }
                                let v = match ctx.value(k) {
                                    None => ABSENT.to_owned(),
                                    Some(ContextValue::One(s)) => s.clone(),
                                    Some(ContextValue::Many(l)) => format!("[{}]", l.join(", ")),
                                };
                                (shown, v)
                            })
                            .collect();
                        return Reach::Open(Witness {
                            principal: cand.arn.clone().map_or_else(
                                || "an anonymous caller".to_owned(),
                                |a| match &cand.issuer {
                                    Some(_) => format!("a token holder of {a}"),
                                    None => a,
                                },
                            ),
                            action: display_action(doc, action),
                            resource: resource.clone(),
                            context,
                            granted_by,
                        });
                    }
                    // Explain: which Allow statements were in scope, which conditions held.
                    for s in doc.statements().iter().filter(|s| s.allow) {
                        if !scope_matches(doc, s.index, &req) {
                            continue;
                        }
                        in_scope[s.index] = true;
                        let mut all = true;
                        for (ci, c) in doc.compiled[s.index].conditions.iter().enumerate() {
                            let held = condition_holds(c, &ctx);
                            all &= held;
                            let e = ever_held.entry((s.index, ci)).or_insert(false);
                            *e |= held;
                        }
                        if all {
                            let denies: Vec<usize> = doc
                                .statements()
                                .iter()
                                .filter(|d| !d.allow)
                                .filter(|d| {
                                    scope_matches(doc, d.index, &req)
                                        && doc.compiled[d.index]
                                            .conditions
                                            .iter()
                                            .all(|c| condition_holds(c, &ctx))
                                })
                                .map(|d| d.index)
                                .collect();
                            let e = overridden.entry(s.index).or_default();
                            for d in denies {
                                if !e.contains(&d) {
                                    e.push(d);
                                }
                            }
                        }
                    }
                }
                if total > MAX_COMBINATIONS {
                    assumed.push(format!(
                        "searched {MAX_COMBINATIONS} of {total} combinations of condition values"
                    ));
                }
            }
        }
    }
    let views = doc.statements();
    let mut stopped_by = Vec::new();
    for (i, s) in views.iter().enumerate().filter(|(_, s)| s.allow) {
        if !in_scope[i] {
            continue;
        }
        let never: Vec<String> = doc.compiled[i]
            .conditions
            .iter()
            .enumerate()
            .filter(|(ci, _)| !ever_held.get(&(i, *ci)).copied().unwrap_or(false))
            .map(|(_, c)| s.conditions[c.view].describe())
            .collect();
        if !never.is_empty() {
            stopped_by.push(format!(
                "{}: {} holds for no outsider",
                s.label(),
                never.join("; ")
            ));
        } else if let Some(denies) = overridden.get(&i).filter(|d| !d.is_empty()) {
            let labels: Vec<String> = denies.iter().map(|d| views[*d].label()).collect();
            stopped_by.push(format!(
                "{}: every outsider request it allows is denied by {}",
                s.label(),
                labels.join(", ")
            ));
        } else {
            stopped_by.push(format!(
                "{}: the conditions together hold for no outsider",
                s.label()
            ));
        }
    }
    if stopped_by.is_empty() {
        return Reach::Nobody;
    }
    assumed.dedup();
    Reach::Closed {
        stopped_by,
        assumed,
    }
}

fn source_ip_candidates(conds: &[&Condition]) -> Vec<Option<ContextValue>> {
    let mut out = vec![
        None,
        Some(ContextValue::One("198.51.100.77".into())),
        Some(ContextValue::One("2001:db8:ffff::77".into())),
    ];
    for c in conds {
        for v in &c.values {
            if let Some(r) = IpRange::parse(v) {
                if r.is_public_wide() {
                    for a in r.inside_and_outside().into_iter().take(1) {
                        out.push(Some(ContextValue::One(a)));
                    }
                }
            }
        }
    }
    out
}

/// The key as the policy writes it (for evidence).
fn original_key(doc: &PolicyDocument, lower: &str) -> String {
    doc.statements()
        .iter()
        .flat_map(|s| &s.conditions)
        .find(|c| c.key.eq_ignore_ascii_case(lower))
        .map_or_else(|| lower.to_owned(), |c| c.key.clone())
}

/// The action as the policy writes it, when it names it.
fn display_action(doc: &PolicyDocument, action: &Action) -> String {
    doc.statements()
        .iter()
        .flat_map(|s| &s.action)
        .find(|a| a.eq_ignore_ascii_case(action.as_str()))
        .cloned()
        .unwrap_or_else(|| action.to_string())
}
