//! Who outside can get in: a decision, with a witness.
//!
//! Trust policies and resource policies are judged by deciding whether any request an
//! outsider can make is allowed, not by reading their conditions' text. The question is
//! put as constraints on the parts of a request (see `model`): who the caller is, its
//! unique id and organisation, the action, the resource, and each condition key the
//! policy tests. The search either finds values for all of them that the policy allows (a
//! witness request, then confirmed by evaluating it with the engine, as any request is), or
//! proves that none exists, and says why: the conditions of a statement that no outsider
//! meets, or the Deny statements that refuse every outsider it would let in. When the
//! search cannot decide (a budget runs out, a condition mixes kinds of values it does not
//! combine), the answer says so and the check reports the resource as not assessed.
//!
//! What an outsider is, and what it controls:
//! - **Who it is**: a role session, an IAM user, the root user or a federated user of an
//!   account that is neither the audited account nor a trusted one (any such account, the
//!   accounts the policy names, or both, as [`Outsiders`] asks), with any name, path and
//!   session name; `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
//!   `aws:username` and `aws:userid` follow from it (a role's unique id is none of those the
//!   policy names, which are taken to be the account's own). Its organisation is none, or
//!   one other than the audited account's: one the policy names, or another. Where the
//!   resource takes requests without credentials (S3, ECR), anonymous callers too.
//! - **What it sends**: any value, or none, of every other key: its own principal tags,
//!   request tags, `sts:ExternalId` (AWS does not treat it as a secret; the confused-deputy
//!   question asks instead whether it gets in without the value agreed), `aws:CalledVia`
//!   (an outsider chooses the service it goes through), `aws:SourceArn` and
//!   `aws:SourceAccount` naming its own resources and account.
//! - **Not**: the audited account's own network (the VPC endpoints, VPCs and addresses the
//!   policy names under `aws:SourceVpce`, `aws:SourceVpc`, `aws:VpcSourceIp`, and
//!   `aws:SourceIp` ranges S3 does not count as public: IPv4 `/8` or narrower, IPv6 `/32` or narrower), resources and account under
//!   `aws:Source*`, the time (`aws:CurrentTime` is when the account was read), and the
//!   resource's own account and tags.
//! - **Tokens** (`Federated` principals): the holder of a token from the provider chooses
//!   its audience, and its subject within its own namespace (a GitHub repository, a GitLab
//!   or HCP Terraform project, a Kubernetes service account): an outsider's subject names
//!   a repository or project the policy does not name ([`subject_owner`]).
//!
//! The actions tried on S3 and ECR resources are the service's own ([`actions`]), so a
//! witness names a real request.

pub mod actions;
mod model;
mod nfa;

use crate::context::{Context, ContextValue};
use crate::document::PolicyDocument;
use crate::evaluate::{condition_holds, decide, scope_matches, Decision, Named, PolicySet};
use crate::request::Request;
use model::{Accounts, Orgs, Search, Shape, Space, Value, Var};
use std::collections::{BTreeMap, BTreeSet};

/// Who is inside: the audited account, accounts trusted like it, its organisation.
#[derive(Debug, Clone, Copy)]
pub struct Inside<'a> {
    /// The audited account.
    pub account: &'a str,
    /// Its partition (`aws`).
    pub partition: &'a str,
    /// Accounts that count as inside (configured as trusted).
    pub trusted: &'a [String],
    /// The organisation the account belongs to.
    pub org: Org<'a>,
    /// When the account was read (RFC 3339): the value of `aws:CurrentTime`.
    pub now: Option<&'a str>,
}

/// What is known of the audited account's organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Org<'a> {
    /// It belongs to none: every organisation a policy names is another.
    None,
    /// It belongs to this one.
    Known(&'a str),
    /// It could not be read: a verdict that depends on it is not given.
    Unknown,
}

impl Inside<'_> {
    fn is_inside(&self, account: &str) -> bool {
        account == self.account || self.trusted.iter().any(|t| t == account)
    }
}

/// Which outsiders a check asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outsiders {
    /// Anyone in the world: principals of an account the policy does not name, and
    /// anonymous callers where [`Question::anonymous`] says they can call.
    Anyone,
    /// Principals of the foreign, untrusted accounts the policy names (in a principal, or
    /// in a condition on `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`,
    /// in any statement).
    NamedAccounts,
    /// Both.
    OtherAccounts,
    /// Holders of tokens from the identity providers the policy trusts (`Federated`),
    /// other than the subjects it names.
    TokenHolders,
}

/// A resource the requests act on, with the actions that act on it.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The resource's ARN; with `any_suffix`, a prefix any name completes
    /// (`arn:aws:s3:::bucket/` for every object of a bucket).
    pub arn: &'a str,
    /// Whether `arn` is a prefix.
    pub any_suffix: bool,
    /// The actions (`s3:GetObject`).
    pub actions: &'a [&'a str],
}

/// The question.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// Which outsiders.
    pub who: Outsiders,
    /// What they ask for.
    pub targets: &'a [Target<'a>],
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
    /// The resource's tags (`aws:ResourceTag/...`), when known; otherwise any.
    pub resource_tags: Option<&'a BTreeMap<String, String>>,
}

impl Default for Question<'_> {
    fn default() -> Self {
        Question {
            who: Outsiders::Anyone,
            targets: &[],
            anonymous: false,
            secret_external_id: false,
            issuers: None,
            other_audience: false,
            resource_tags: None,
        }
    }
}

/// A concrete request that gets in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    /// Who asks: an ARN, a provider, or `an anonymous caller`.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The context keys the policy tests, with the values sent (`absent` when not sent).
    pub context: Vec<(String, String)>,
    /// The Allow statements that let it in.
    pub granted_by: Vec<String>,
    /// The request as evaluated: the caller (`None`: anonymous; a provider's ARN for a token
    /// holder) and every context key sent.
    pub caller: Option<String>,
    /// Every context key of the request, lowercase.
    pub values: Vec<(String, ContextValue)>,
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
    /// Statements name outsiders, and no outsider request is allowed: why.
    Closed {
        /// For each statement that names outsiders, what stops them.
        stopped_by: Vec<String>,
        /// What was taken as the account's own (addresses, endpoints, unique ids).
        assumed: Vec<String>,
    },
    /// No Allow statement names an outsider of this kind.
    Nobody,
    /// The question could not be decided: why.
    Undecided(String),
}

const ABSENT: &str = "(absent)";
/// A value an outsider sets to meet a condition that compares two of its keys.
const OUTSIDER_VALUE: &str = "auditor-outsider";

/// The part of a token subject that names what it comes from (a repository, a project, a
/// service account): what an outsider cannot choose. A subject pattern that can match
/// another one is unscoped, whatever wildcards it holds.
///
/// - EKS: the whole subject (one service account).
/// - GitHub Actions: the repository, `repo:owner/name` (owner and repository names hold
///   neither `:` nor `/`). A customised subject names it as `repository_id:N` after the
///   owner (`repository_owner_id:N:repository_id:M`); one that names only the owner, or
///   starts with anything else (a `job_workflow_ref` names a reusable workflow that
///   anyone's workflow may call), names no repository: `None`.
/// - GitLab: the project, `project_path:group/subgroup/project`.
/// - HCP Terraform: the project, `organization:O:project:P` (or a workspace or module in
///   the older forms).
/// - CircleCI: the project, `org/O/project/P`.
/// - Bitbucket: the repository, `{uuid}`.
/// - Any other provider: the first path segment.
pub(crate) fn subject_owner<'s>(issuer: &str, sub: &'s str, stem: bool) -> Option<&'s str> {
    let cut = |s: &'s str, sep: char, n: usize| -> &'s str {
        match s.match_indices(sep).nth(n) {
            Some((i, _)) => &s[..i],
            None => s,
        }
    };
    // GitHub's issuers: github.com's, an enterprise's own (`.../<slug>`), GitHub
    // Enterprise Server's (`<host>/_services/token`).
    let github = issuer.starts_with("token.actions.githubusercontent.com")
        || issuer.ends_with("/_services/token")
        || (issuer.starts_with("token.actions.") && issuer.ends_with(".ghe.com"));
    Some(
        if issuer.starts_with("oidc.eks.") || sub.starts_with("system:serviceaccount:") {
            sub
        } else if issuer.contains("app.terraform.io") || sub.starts_with("organization:") {
            cut(sub, ':', 3)
        } else if issuer.contains("circleci") {
            cut(sub, '/', 3)
        } else if issuer.contains("bitbucket") {
            cut(sub, ':', 0)
        } else if sub.starts_with("project_path:")
            || sub.starts_with("repo:")
            || (github && sub.starts_with("repository_id:"))
        {
            cut(sub, ':', 1)
        } else if github
            && (sub.starts_with("repository_owner:") || sub.starts_with("repository_owner_id:"))
        {
            // The owner, then the repository's id; or nothing that names one. A stem (a
            // pattern's literal part before its wildcard) that stops inside this part names
            // no more than it spells out; a whole value that names only the owner
            // (`repository_owner:acme`, a customised subject) names no repository.
            match sub.split(':').nth(2) {
                Some("repository_id") => cut(sub, ':', 3),
                None if stem => sub,
                Some(t) if stem && "repository_id".starts_with(t) => sub,
                _ => return None,
            }
        } else if github {
            return None;
        } else {
            cut(sub, '/', 0)
        },
    )
}

/// What follows the part [`subject_owner`] names, when something can.
pub(crate) fn subject_separator(issuer: &str, owner: &str) -> Option<char> {
    if issuer.starts_with("oidc.eks.") {
        None
    } else if issuer.contains("circleci") {
        Some('/')
    } else if issuer.contains("app.terraform.io")
        || issuer.contains("bitbucket")
        || owner.starts_with("repo:")
        || owner.starts_with("project_path:")
        || owner.starts_with("organization:")
        || owner.starts_with("repository_owner")
        || owner.starts_with("repository_id")
    {
        Some(':')
    } else {
        Some('/')
    }
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The accounts the policy names: in principals, and as literal values of conditions on
/// the caller's account or ARN, or a source account, in any statement.
fn named_accounts(doc: &PolicyDocument) -> Vec<String> {
    let mut out = BTreeSet::new();
    let of = |v: &str| -> Option<String> {
        if is_account(v) {
            return Some(v.to_owned());
        }
        let acct = v.split(':').nth(4)?;
        (v.starts_with("arn:") && is_account(acct)).then(|| acct.to_owned())
    };
    for s in doc.statements() {
        for p in [&s.principal, &s.not_principal].into_iter().flatten() {
            out.extend(p.aws.iter().filter_map(|a| of(a)));
        }
        for c in &s.conditions {
            let k = c.key.to_ascii_lowercase();
            if matches!(
                k.as_str(),
                "aws:principalaccount"
                    | "aws:principalarn"
                    | "aws:sourceaccount"
                    | "aws:sourceowner"
            ) {
                out.extend(c.values.iter().filter_map(|v| of(v)));
            }
        }
    }
    out.into_iter().collect()
}

/// The organisation ids the policy names.
fn named_orgs(doc: &PolicyDocument) -> Vec<String> {
    let mut out = BTreeSet::new();
    for c in doc.statements().iter().flat_map(|s| &s.conditions) {
        let k = c.key.to_ascii_lowercase();
        for v in &c.values {
            let id = match k.as_str() {
                "aws:principalorgid" | "aws:sourceorgid" | "aws:resourceorgid" => v.as_str(),
                "aws:principalorgpaths" | "aws:sourceorgpaths" | "aws:resourceorgpaths" => {
                    v.split('/').next().unwrap_or_default()
                }
                _ => continue,
            };
            if id.starts_with("o-") && !id.contains(['*', '?', '$']) {
                out.insert(id.to_owned());
            }
        }
    }
    out.into_iter().collect()
}

/// Unique ids (`AROA...`, `AIDA...`) the policy names: taken to be the account's own.
fn named_ids(doc: &PolicyDocument, inside: &Inside<'_>) -> Vec<String> {
    let mut out = BTreeSet::new();
    // Only where the statement may admit this account's principals: ids named beside a
    // principal of another account are that account's.
    let own = |p: &crate::document::Principals| {
        p.is_everyone()
            || p.aws
                .iter()
                .any(|a| a == inside.account || a.split(':').nth(4) == Some(inside.account))
    };
    for c in doc
        .statements()
        .iter()
        .filter(|s| s.not_principal.is_some() || s.principal.as_ref().is_some_and(own))
        .flat_map(|s| &s.conditions)
    {
        if !c.key.eq_ignore_ascii_case("aws:userid") {
            continue;
        }
        for v in &c.values {
            let id = v.split(':').next().unwrap_or_default();
            if (id.starts_with("AROA") || id.starts_with("AIDA"))
                && id.len() > 4
                && id.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                out.insert(id.to_owned());
            }
        }
    }
    out.into_iter().collect()
}

/// The outsiders to try, plainest first.
fn shapes(doc: &PolicyDocument, q: &Question<'_>) -> Vec<Shape> {
    let mut out = Vec::new();
    match q.who {
        Outsiders::TokenHolders => {
            let mut seen = BTreeSet::new();
            for s in doc.statements().iter().filter(|s| s.allow) {
                let Some(p) = &s.principal else { continue };
                for f in &p.federated {
                    // An OIDC provider of the account, or a web identity provider IAM
                    // names directly (Cognito, Google, Facebook, Login with Amazon).
                    let issuer = match f.split_once(":oidc-provider/") {
                        Some((_, issuer)) => issuer.to_ascii_lowercase(),
                        None if model::web_identity_owner_claim(&f.to_ascii_lowercase())
                            .is_some() =>
                        {
                            f.to_ascii_lowercase()
                        }
                        None => continue,
                    };
                    if q.issuers.is_some_and(|keep| !keep(&issuer)) {
                        continue;
                    }
                    if seen.insert(issuer.clone()) {
                        out.push(Shape::Token {
                            issuer,
                            provider: f.clone(),
                        });
                    }
                }
            }
        }
        who => {
            if q.anonymous && who != Outsiders::NamedAccounts {
                out.push(Shape::Anonymous);
            }
            out.extend([
                Shape::Session,
                Shape::User,
                Shape::Root,
                Shape::FederatedUser,
            ]);
            if who != Outsiders::NamedAccounts {
                let mut seen = BTreeSet::new();
                for s in doc.statements() {
                    for p in [&s.principal, &s.not_principal].into_iter().flatten() {
                        for c in &p.canonical_user {
                            if seen.insert(c.clone()) {
                                out.push(Shape::Canonical(c.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Decides whether outsiders get in through `doc` (a resource-based policy of a resource
/// in `inside.account`).
pub fn reach(doc: &PolicyDocument, q: &Question<'_>, inside: &Inside<'_>) -> Reach {
    let named = named_orgs(doc);
    match inside.org {
        Org::None => run(
            doc,
            q,
            inside,
            Orgs {
                named,
                excluded: Vec::new(),
            },
        ),
        Org::Known(own) => run(
            doc,
            q,
            inside,
            Orgs {
                named: named.into_iter().filter(|o| o != own).collect(),
                excluded: vec![own.to_owned()],
            },
        ),
        Org::Unknown if named.is_empty() => run(
            doc,
            q,
            inside,
            Orgs {
                named,
                excluded: Vec::new(),
            },
        ),
        Org::Unknown => {
            // The account's organisation is one of those the policy names, or another:
            // the answer is given when it is the same whichever it is.
            let mut answers: Vec<(Option<&String>, Reach)> = named
                .iter()
                .map(|own| {
                    let orgs = Orgs {
                        named: named.iter().filter(|o| *o != own).cloned().collect(),
                        excluded: vec![own.clone()],
                    };
                    (Some(own), run(doc, q, inside, orgs))
                })
                .collect();
            answers.push((
                None,
                run(
                    doc,
                    q,
                    inside,
                    Orgs {
                        named: named.clone(),
                        excluded: Vec::new(),
                    },
                ),
            ));
            let open = |r: &Reach| matches!(r, Reach::Open(_));
            let closed = |r: &Reach| matches!(r, Reach::Closed { .. } | Reach::Nobody);
            if let Some((_, r)) = answers
                .iter()
                .find(|(_, r)| matches!(r, Reach::Undecided(_)))
            {
                return r.clone();
            }
            if answers.iter().all(|(_, r)| open(r)) || answers.iter().all(|(_, r)| closed(r)) {
                return answers.swap_remove(0).1;
            }
            let unless: Vec<&str> = answers
                .iter()
                .filter(|(_, r)| closed(r))
                .map(|(own, _)| own.map_or("none of these", |o| o.as_str()))
                .collect();
            let witness = answers
                .iter()
                .find_map(|(_, r)| match r {
                    Reach::Open(w) => Some(w.describe()),
                    _ => None,
                })
                .unwrap_or_default();
            Reach::Undecided(format!(
                "{witness} gets in unless this account's organisation is {} (organizations:DescribeOrganization could not be read)",
                unless.join(" or ")
            ))
        }
    }
}

fn run(doc: &PolicyDocument, q: &Question<'_>, inside: &Inside<'_>, orgs: Orgs) -> Reach {
    let shapes = shapes(doc, q);
    let named = named_accounts(doc);
    let mut excluded: Vec<String> = vec![inside.account.to_owned()];
    excluded.extend(inside.trusted.iter().cloned());
    let accounts = match q.who {
        Outsiders::Anyone => {
            excluded.extend(named.iter().cloned());
            Accounts::Except(excluded)
        }
        Outsiders::OtherAccounts | Outsiders::TokenHolders => Accounts::Except(excluded),
        Outsiders::NamedAccounts => {
            let only: Vec<String> = named
                .iter()
                .filter(|a| !inside.is_inside(a))
                .cloned()
                .collect();
            if only.is_empty() {
                return Reach::Nobody;
            }
            Accounts::Only(only)
        }
    };
    let own_ids = named_ids(doc, inside);
    let allows: Vec<usize> = (0..doc.compiled.len())
        .filter(|i| doc.compiled[*i].allow)
        .collect();
    let denies: Vec<usize> = (0..doc.compiled.len())
        .filter(|i| !doc.compiled[*i].allow)
        .collect();
    let everything = match PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    ) {
        Ok(d) => d,
        Err(e) => return Reach::Undecided(e.to_string()),
    };
    let mut spaces: Vec<Space<'_>> = Vec::new();
    for target in q.targets {
        // "You cannot assume a role when you are signed in as the AWS account root user",
        // and federated user sessions cannot call STS but GetCallerIdentity.
        let sts = target
            .actions
            .iter()
            .all(|a| a.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("sts:")));
        for shape in &shapes {
            if sts && matches!(shape, Shape::Root | Shape::FederatedUser) {
                continue;
            }
            spaces.push(Space::new(
                doc,
                q,
                inside,
                shape.clone(),
                target,
                &accounts,
                orgs.clone(),
                &own_ids,
            ));
        }
    }
    let mut undecided: Option<String> = None;
    // Per Allow statement, the spaces in which it names outsiders.
    let mut naming: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (si, space) in spaces.iter_mut().enumerate() {
        for &s in &allows {
            match space.search(&space.scope[s].clone()) {
                Search::Found(_) => naming.entry(s).or_default().push(si),
                Search::Unknown => {
                    undecided.get_or_insert_with(|| too_hard(doc, s));
                    continue;
                }
                Search::None => continue,
            }
            let goal = space.allowed_by(s, &denies);
            match space.search(&goal) {
                Search::Found(model) => {
                    match confirm(space, &model, doc, &everything, inside, q.resource_tags) {
                        Ok(w) => return Reach::Open(w),
                        Err(why) => {
                            undecided.get_or_insert(why);
                        }
                    }
                }
                Search::Unknown => {
                    undecided.get_or_insert_with(|| too_hard(doc, s));
                }
                Search::None => {}
            }
        }
    }
    if let Some(why) = undecided {
        return Reach::Undecided(why);
    }
    if naming.is_empty() {
        return Reach::Nobody;
    }
    // Why each statement that names outsiders lets none in.
    let views = doc.statements();
    let mut stopped_by = Vec::new();
    for (s, in_spaces) in &naming {
        let label = views[*s].label();
        let alone = |spaces: &mut Vec<Space<'_>>, conds: &[usize]| -> Option<bool> {
            // Whether the statement's scope with these conditions is unsatisfiable in
            // every space; None when undecided.
            for si in in_spaces {
                let sp = &mut spaces[*si];
                let mut all = vec![sp.scope[*s].clone()];
                all.extend(conds.iter().map(|c| sp.conds[*s][*c].clone()));
                match sp.search(&model::F::and(all)) {
                    Search::Found(_) => return Some(false),
                    Search::Unknown => return None,
                    Search::None => {}
                }
            }
            Some(true)
        };
        let all_conds: Vec<usize> = (0..doc.compiled[*s].conditions.len()).collect();
        match alone(&mut spaces, &all_conds) {
            None => return Reach::Undecided(too_hard(doc, *s)),
            Some(true) => {
                // A smallest set of its conditions that no outsider meets.
                let mut core = all_conds.clone();
                let mut i = 0;
                while i < core.len() {
                    let mut fewer = core.clone();
                    fewer.remove(i);
                    if alone(&mut spaces, &fewer) == Some(true) {
                        core = fewer;
                    } else {
                        i += 1;
                    }
                }
                let compiled = &doc.compiled[*s].conditions;
                let text: Vec<String> = core
                    .iter()
                    .map(|c| views[*s].conditions[compiled[*c].view].describe())
                    .collect();
                stopped_by.push(format!(
                    "{label}: no outsider request meets {}",
                    text.join("; ")
                ));
            }
            Some(false) => {
                // A smallest set of Deny statements that refuses every outsider it lets in.
                let refused = |spaces: &mut Vec<Space<'_>>, ds: &[usize]| -> Option<bool> {
                    for si in in_spaces {
                        let sp = &mut spaces[*si];
                        match sp.search(&sp.allowed_by(*s, ds)) {
                            Search::Found(_) => return Some(false),
                            Search::Unknown => return None,
                            Search::None => {}
                        }
                    }
                    Some(true)
                };
                let mut core = denies.clone();
                let mut i = 0;
                while i < core.len() {
                    let mut fewer = core.clone();
                    fewer.remove(i);
                    if refused(&mut spaces, &fewer) == Some(true) {
                        core = fewer;
                    } else {
                        i += 1;
                    }
                }
                let labels: Vec<String> = core.iter().map(|d| views[*d].label()).collect();
                stopped_by.push(format!(
                    "{label}: every outsider request it allows is denied by {}",
                    labels.join(", ")
                ));
            }
        }
    }
    Reach::Closed {
        stopped_by,
        assumed: assumptions(doc, inside, &own_ids),
    }
}

fn too_hard(doc: &PolicyDocument, s: usize) -> String {
    format!(
        "the conditions of {} could not be decided for every outsider (they mix kinds of values, or too many combinations)",
        doc.statements()[s].label()
    )
}

/// What the answer takes as the account's own, among what the policy tests.
fn assumptions(doc: &PolicyDocument, inside: &Inside<'_>, own_ids: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if !own_ids.is_empty() {
        out.push(format!(
            "taking the unique ids {} to be this account's principals'",
            own_ids.join(", ")
        ));
    }
    let mut seen = BTreeSet::new();
    for c in doc.statements().iter().flat_map(|s| &s.conditions) {
        let k = c.key.to_ascii_lowercase();
        if !seen.insert((k.clone(), c.values.clone())) {
            continue;
        }
        match k.as_str() {
            "aws:sourcevpce" | "aws:sourcevpc" | "aws:vpcsourceip" | "aws:sourcevpcarn" => {
                let fixed: Vec<&str> = c
                    .values
                    .iter()
                    .filter(|v| !v.contains(['*', '?']))
                    .map(String::as_str)
                    .collect();
                if !fixed.is_empty() {
                    out.push(format!(
                        "taking {} ({}) to be this account's own",
                        fixed.join(", "),
                        c.key
                    ));
                }
            }
            "aws:sourceip" => {
                let narrow: Vec<&str> = c
                    .values
                    .iter()
                    .filter(|v| {
                        crate::values::IpRange::parse(v).is_some_and(|r| !r.is_public_wide())
                    })
                    .map(String::as_str)
                    .collect();
                if !narrow.is_empty() {
                    out.push(format!(
                        "taking the addresses {} to be this account's (S3 counts IPv4 ranges of /8 or narrower, and IPv6 ranges of /32 or narrower, as not public)",
                        narrow.join(", ")
                    ));
                }
            }
            "aws:currenttime" | "aws:epochtime" => {
                if let Some(now) = inside.now {
                    out.push(format!("{} is the time the account was read, {now}", c.key));
                }
            }
            _ => {}
        }
    }
    out.dedup();
    out
}

/// A Resource pattern with its policy variables put in from `ctx` (defaults where a key has
/// no value) and its wildcards filled; `None` when a variable has no value.
fn render(pattern: &str, ctx: &Context) -> Option<String> {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i].replace('*', OUTSIDER_VALUE).replace('?', "x"));
        let after = &rest[i + 2..];
        let end = after.find('}')?;
        let inner = &after[..end];
        rest = &after[end + 1..];
        if matches!(inner, "*" | "?" | "$") {
            out.push_str(inner);
            continue;
        }
        let (name, default) = match inner.split_once(',') {
            Some((n, d)) => (n.trim(), Some(d.trim().trim_matches('\''))),
            None => (inner.trim(), None),
        };
        match ctx.value(name) {
            Some(ContextValue::One(v)) if !v.is_empty() => out.push_str(v),
            _ => out.push_str(default?),
        }
    }
    out.push_str(&rest.replace('*', OUTSIDER_VALUE).replace('?', "x"));
    Some(out)
}

/// Builds the request the search found, evaluates it with the engine, and describes it.
fn confirm(
    space: &Space<'_>,
    model: &BTreeMap<Var, Value>,
    doc: &PolicyDocument,
    everything: &PolicyDocument,
    inside: &Inside<'_>,
    resource_tags: Option<&BTreeMap<String, String>>,
) -> Result<Witness, String> {
    let text = |v: Var| match model.get(&v) {
        Some(Value::Str(s)) => s.clone(),
        _ => String::new(),
    };
    let x = text(Var::Principal);
    let userid = text(Var::UserId);
    let account = x.split(':').nth(4).unwrap_or_default().to_owned();
    let name = x.rsplit('/').next().unwrap_or_default().to_owned();
    let session = userid.split_once(':').map(|(_, s)| s).unwrap_or_default();
    let p = inside.partition;
    let mut ctx = Context::new();
    let principal_keys = |ctx: &mut Context, kind: &str| {
        ctx.insert("aws:PrincipalArn", x.as_str());
        ctx.insert("aws:PrincipalAccount", account.as_str());
        ctx.insert("aws:PrincipalType", kind);
        ctx.insert("aws:PrincipalIsAWSService", "false");
    };
    let caller: Option<String> = match &space.shape {
        Shape::Session => {
            principal_keys(&mut ctx, "AssumedRole");
            ctx.insert("aws:userid", userid.as_str());
            Some(format!("arn:{p}:sts::{account}:assumed-role/{name}/{session}"))
        }
        Shape::User => {
            principal_keys(&mut ctx, "User");
            ctx.insert("aws:userid", userid.as_str());
            ctx.insert("aws:username", name.as_str());
            Some(x.clone())
        }
        Shape::Root => {
            principal_keys(&mut ctx, "Account");
            ctx.insert("aws:userid", account.as_str());
            Some(x.clone())
        }
        Shape::FederatedUser => {
            principal_keys(&mut ctx, "FederatedUser");
            ctx.insert("aws:userid", format!("{account}:{name}"));
            Some(x.clone())
        }
        Shape::Anonymous => {
            ctx.insert("aws:PrincipalType", "Anonymous");
            ctx.insert("aws:userid", "anonymous");
            ctx.insert("aws:PrincipalAccount", "anonymous");
            None
        }
        Shape::Token { provider, .. } => Some(provider.clone()),
        Shape::Canonical(id) => {
            return Err(format!(
                "the policy grants the canonical user {id}, and whether that is this account's is not known"
            ))
        }
    };
    if let Some(Value::Org(Some((id, path)))) = model.get(&Var::Org) {
        ctx.insert("aws:PrincipalOrgID", id.as_str());
        ctx.insert("aws:PrincipalOrgPaths", vec![path.clone()]);
    }
    for (v, value) in model {
        if let (Var::Key(k), Value::Key(Some(cv))) = (v, value) {
            ctx.insert(&space.keys[*k].name, cv.clone());
        }
    }
    let Some(Value::Action(a)) = model.get(&Var::Action) else {
        return Err("no action was found".into());
    };
    let action = &space.domain[*a];
    let mut resource = text(Var::Resource);
    let account_shape = matches!(
        space.shape,
        Shape::Session | Shape::User | Shape::Root | Shape::FederatedUser
    );
    let identity = [Named::new("the outsider's own policies", everything)];
    let set = PolicySet {
        identity: if account_shape {
            identity.to_vec()
        } else {
            Vec::new()
        },
        boundary: None,
        resource: Some(Named::new("policy", doc)),
    };
    let decide_with = |ctx: &Context, resource: &str| {
        decide(
            &set,
            &Request {
                principal: caller.as_deref(),
                action,
                resource,
                resource_account: Some(inside.account),
                context: ctx,
            },
        )
    };
    let mut decision = decide_with(&ctx, &resource);
    if decision != Decision::Allow {
        // Conditions that compare with a policy variable were taken as met: meet them,
        // with the resource's tags as they are and the outsider's own keys set to match.
        if let Some(tags) = resource_tags {
            for (k, v) in tags {
                ctx.insert(&format!("aws:ResourceTag/{k}"), v.as_str());
            }
        }
        for c in doc.statements().iter().flat_map(|s| &s.conditions) {
            let op = c.base_operator().to_ascii_lowercase();
            if op.contains("not") || !(op.starts_with("string") || op.starts_with("arn")) {
                continue;
            }
            let [v] = c.values.as_slice() else { continue };
            let Some(var) = v
                .strip_prefix("${")
                .and_then(|x| x.strip_suffix('}'))
                .filter(|x| !x.contains(['$', '{', '}', ',']))
            else {
                continue;
            };
            match (ctx.value(&c.key).cloned(), ctx.value(var).cloned()) {
                (None, Some(value)) => ctx.insert(&c.key, value),
                (Some(value), None) if !var.to_ascii_lowercase().starts_with("aws:resource") => {
                    ctx.insert(var, value)
                }
                (None, None) if !var.to_ascii_lowercase().starts_with("aws:resource") => {
                    ctx.insert(&c.key, OUTSIDER_VALUE);
                    ctx.insert(var, OUTSIDER_VALUE);
                }
                _ => {}
            }
        }
        decision = decide_with(&ctx, &resource);
        // A Resource with a policy variable (`.../${aws:username}/*`) was taken as
        // matching: the resource it names for this request.
        if decision != Decision::Allow {
            for r in doc
                .statements()
                .iter()
                .filter(|s| s.allow)
                .flat_map(|s| &s.resource)
                .filter(|r| r.contains("${"))
            {
                let Some(named) = render(r, &ctx) else {
                    continue;
                };
                let t = space.target;
                let inside_target = if t.any_suffix {
                    named.len() > t.arn.len() && named.starts_with(t.arn)
                } else {
                    named == t.arn
                };
                if inside_target && decide_with(&ctx, &named) == Decision::Allow {
                    resource = named;
                    decision = Decision::Allow;
                    break;
                }
            }
        }
    }
    if decision != Decision::Allow {
        return Err(format!(
            "the request found for an outsider ({}) is not allowed when evaluated: a condition compares with a policy variable, or the analysis has a gap",
            caller.as_deref().unwrap_or("anonymous")
        ));
    }
    let req = Request {
        principal: caller.as_deref(),
        action,
        resource: &resource,
        resource_account: Some(inside.account),
        context: &ctx,
    };
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
    // The keys the policy tests, as it writes them, but those the caller's ARN shows.
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    for c in doc.statements().iter().flat_map(|s| &s.conditions) {
        let k = c.key.to_ascii_lowercase();
        if matches!(
            k.as_str(),
            "aws:principalarn" | "aws:principalaccount" | "aws:principaltype"
        ) || !seen.insert(k.clone())
        {
            continue;
        }
        let v = match ctx.value(&k) {
            None => ABSENT.to_owned(),
            Some(ContextValue::One(s)) => s.clone(),
            Some(ContextValue::Many(l)) => format!("[{}]", l.join(", ")),
        };
        shown.push((c.key.clone(), v));
    }
    let values = ctx.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
    Ok(Witness {
        caller: caller.clone(),
        values,
        principal: match (&space.shape, caller) {
            (Shape::Anonymous, _) | (_, None) => "an anonymous caller".to_owned(),
            (Shape::Token { .. }, Some(p)) => format!("a token holder of {p}"),
            (_, Some(c)) => c,
        },
        action: space.shown[*a].to_owned(),
        resource,
        context: shown,
        granted_by,
    })
}
