//! The requests one kind of outsider can make, as variables and constraints, and the
//! search for one that a policy allows.
//!
//! A request is a handful of variables: the caller's ARN (for a role session, its role's
//! ARN, which is what `aws:PrincipalArn` holds) and unique id, its organisation, the
//! action, the resource, and each condition key the policy tests. Every element and
//! condition of a statement is a constraint on one of them: principal-derived keys
//! (`aws:PrincipalAccount`, `aws:username`, a root user's `aws:userid`) are rewritten as
//! constraints on the caller's ARN, through automata that read the part of the ARN the key
//! holds. A statement applies when all of its constraints hold; a request is allowed when
//! some Allow applies and no Deny does: a formula over the constraints, searched branch by
//! branch (which Allow, and which constraint of each Deny fails), with each variable's
//! constraints checked for satisfiability as they are added. Strings are solved exactly by
//! the automata; numbers, dates and addresses by trying a value in every interval their
//! thresholds cut; the action over the service's list of actions.

use super::nfa::{self, CharSet, Class, Found, GlobPart, Nfa, Sym};
use super::{Inside, Question, Target};
use crate::context::{Context, ContextValue};
use crate::document::{
    AwsPrincipal, Compiled, Cond, CondValue, Condition, Op, PolicyDocument, PrincipalSet, SetOp,
    Version,
};
use crate::evaluate::{action_applies, condition_holds};
use crate::request::{Action, Caller, CallerKind};
use crate::values::{self, IpRange};
use std::collections::{BTreeMap, HashMap};

/// What an outsider is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A session of an IAM role of the outsider's account.
    Session,
    /// An IAM user.
    User,
    /// The account's root user.
    Root,
    /// A federated user (`GetFederationToken`).
    FederatedUser,
    /// No credentials.
    Anonymous,
    /// A holder of a web identity token from `issuer` (lowercase), trusted through the
    /// provider ARN `provider`.
    Token { issuer: String, provider: String },
    /// An S3 canonical user.
    Canonical(String),
}

/// A variable of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Var {
    /// The caller's ARN (a session's role ARN).
    Principal,
    /// `aws:userid` of a session or user.
    UserId,
    /// `aws:PrincipalOrgID` with `aws:PrincipalOrgPaths`.
    Org,
    Action,
    Resource,
    /// A condition key (index into [`Space::keys`]).
    Key(usize),
    /// Where constraints taken either way live.
    Free,
}

/// A constraint.
#[derive(Debug, Clone)]
pub(crate) enum Atom {
    /// On a string variable.
    Str(Sym),
    /// A condition of a statement, on a key (or the organisation).
    Cond { stmt: usize, cond: usize },
    /// A statement's Action or NotAction element.
    Action { stmt: usize },
    /// Compares with a policy variable: taken either way, in the outsider's favour, and
    /// settled when the request found is evaluated.
    Free,
}

/// A formula over constraints (negation only on constraints).
#[derive(Debug, Clone)]
pub(crate) enum F {
    Const(bool),
    Lit(Var, usize, bool),
    And(Vec<F>),
    Or(Vec<F>),
}

impl F {
    pub(crate) fn not(self) -> F {
        match self {
            F::Const(b) => F::Const(!b),
            F::Lit(v, a, p) => F::Lit(v, a, !p),
            F::And(l) => F::or(l.into_iter().map(F::not).collect()),
            F::Or(l) => F::and(l.into_iter().map(F::not).collect()),
        }
    }

    pub(crate) fn and(l: Vec<F>) -> F {
        let mut out = Vec::new();
        for f in l {
            match f {
                F::Const(true) => {}
                F::Const(false) => return F::Const(false),
                F::And(inner) => out.extend(inner),
                f => out.push(f),
            }
        }
        match out.len() {
            0 => F::Const(true),
            1 => out.pop().unwrap_or(F::Const(true)),
            _ => F::And(out),
        }
    }

    pub(crate) fn or(l: Vec<F>) -> F {
        let mut out = Vec::new();
        for f in l {
            match f {
                F::Const(false) => {}
                F::Const(true) => return F::Const(true),
                F::Or(inner) => out.extend(inner),
                f => out.push(f),
            }
        }
        match out.len() {
            0 => F::Const(false),
            1 => out.pop().unwrap_or(F::Const(false)),
            _ => F::Or(out),
        }
    }
}

/// Whether a key can be absent from a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    Optional,
    Always,
}

/// A condition key as the outsider can set it.
#[derive(Debug, Clone)]
pub(crate) struct KeyInfo {
    /// Lowercase.
    pub(crate) name: String,
    pub(crate) multi: bool,
    pub(crate) presence: Presence,
    /// A value the outsider cannot change (or `Some(None)`: always absent).
    pub(crate) fixed: Option<Option<ContextValue>>,
    /// Automata no value (no element, for a list) may match: values the outsider cannot
    /// send.
    pub(crate) exclude: Vec<usize>,
    /// Addresses the outsider cannot call from.
    pub(crate) exclude_ranges: Vec<IpRange>,
    /// Automata every value must match: the shape of what the source issues.
    pub(crate) require: Vec<usize>,
    /// What AWS puts in the key, when it is not any text.
    pub(crate) kind: Option<Kind>,
}

/// The values AWS gives a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An address (`aws:SourceIp`).
    Ip,
    /// `true` or `false`.
    Bool,
    /// A time, not later than now when `past` (`aws:TokenIssueTime`).
    Date { past: bool },
    /// A number (`aws:MultiFactorAuthAge`).
    Number,
}

impl Kind {
    fn of(key: &str) -> Option<Kind> {
        Some(match key {
            "aws:sourceip" | "aws:vpcsourceip" => Kind::Ip,
            "aws:securetransport"
            | "aws:viaawsservice"
            | "aws:multifactorauthpresent"
            | "aws:principalisawsservice" => Kind::Bool,
            "aws:tokenissuetime" => Kind::Date { past: true },
            "aws:currenttime" => Kind::Date { past: false },
            "aws:multifactorauthage" | "aws:epochtime" => Kind::Number,
            _ => return None,
        })
    }

    /// Whether AWS could send `v` (`now`: milliseconds since the epoch, when known).
    fn admits(self, v: &str, now: Option<i128>) -> bool {
        match self {
            Kind::Ip => v.parse::<std::net::IpAddr>().is_ok(),
            Kind::Bool => v == "true" || v == "false",
            Kind::Date { past } => {
                values::date_millis(v).is_some_and(|d| !past || now.is_none_or(|n| d <= n))
            }
            Kind::Number => values::number(v).is_some_and(|n| n >= 0.0),
        }
    }

    /// Values of this kind worth trying whatever the conditions.
    fn samples(self, now: Option<i128>) -> Vec<String> {
        match self {
            Kind::Ip => vec!["198.51.100.7".into(), "2001:db8::7".into()],
            Kind::Bool => vec!["true".into(), "false".into()],
            Kind::Date { .. } => now
                .and_then(values::format_millis)
                .into_iter()
                .chain(["2020-01-01T00:00:00Z".to_owned()])
                .collect(),
            Kind::Number => vec!["0".into(), "1".into()],
        }
    }
}

/// A variable's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Str(String),
    /// An index into the action domain.
    Action(usize),
    /// The organisation id and its one path, or none.
    Org(Option<(String, String)>),
    Key(Option<ContextValue>),
}

/// Whether a variable's constraints can be met.
#[derive(Debug, Clone)]
enum Outcome {
    Sat(Value),
    Unsat,
    /// The solver ran out of budget, or the constraints mix kinds it does not combine.
    Unknown,
}

/// The answer of a search.
#[derive(Debug, Clone)]
pub(crate) enum Search {
    Found(BTreeMap<Var, Value>),
    None,
    Unknown,
}

/// Accounts the outsider may be of.
#[derive(Debug, Clone)]
pub(crate) enum Accounts {
    /// Any but these.
    Except(Vec<String>),
    /// One of these.
    Only(Vec<String>),
}

/// The organisations the outsider may be in, besides none and a fresh one.
#[derive(Debug, Clone)]
pub(crate) struct Orgs {
    /// Organisation ids the policy names that the outsider may be in.
    pub(crate) named: Vec<String>,
    /// Ids it may not be in (the account's own, or the named ones when they are assumed
    /// to be its own).
    pub(crate) excluded: Vec<String>,
}

/// The most branches one search takes.
const MAX_NODES: usize = 20_000;
/// The most steps the searches of one space take, all told (see `nfa::solve_counted`).
const MAX_WORK: usize = 10_000_000;

/// The request space of one kind of outsider, against one target.
pub(crate) struct Space<'a> {
    pub(crate) doc: &'a PolicyDocument,
    pub(crate) shape: Shape,
    pub(crate) target: &'a Target<'a>,
    partition: &'a str,
    pub(crate) automata: Vec<Nfa>,
    pub(crate) atoms: Vec<Atom>,
    pub(crate) keys: Vec<KeyInfo>,
    key_index: HashMap<String, usize>,
    pub(crate) domain: Vec<Action>,
    /// The actions as the target names them.
    pub(crate) shown: Vec<&'a str>,
    orgs: Orgs,
    /// Constraints that always hold (the shapes of the caller, its id and the resource).
    base: Vec<(Var, Sym)>,
    /// Per statement: principal, action and resource elements.
    pub(crate) scope: Vec<F>,
    /// Per statement, per condition.
    pub(crate) conds: Vec<Vec<F>>,
    memo: HashMap<(Var, Vec<(usize, bool)>), Outcome>,
    /// Strings of one character or more.
    nonempty: usize,
    /// The keys no outsider changes, as policy variables read them: the resource's account,
    /// tags and organisation, the time.
    fixed: Context,
    /// Whether the resource's tags are known (then a tag it lacks has no value).
    tags_known: bool,
    /// Automaton states explored by this space's searches, against [`MAX_WORK`].
    work: usize,
    nodes: usize,
    /// A search met a variable it could not decide.
    pub(crate) unknown: bool,
}

fn lit(text: &str) -> Nfa {
    Nfa::literal(text, false)
}

fn no_colon() -> Nfa {
    Nfa::repeat(CharSet::any_but(':'), 0, None)
}

/// `arn:<p>:<s>:<r>:` then `n` over the account, then `:` and anything.
fn over_account(n: Nfa) -> Nfa {
    lit("arn:")
        .then(&no_colon())
        .then(&lit(":"))
        .then(&no_colon())
        .then(&lit(":"))
        .then(&no_colon())
        .then(&lit(":"))
        .then(&n.without(':'))
        .then(&lit(":"))
        .then(&Nfa::anything())
}

/// A user ARN whose name (after the last `/`) is one of `n`.
fn over_user_name(n: Nfa) -> Nfa {
    Nfa::anything().then(&lit("/")).then(&n.without('/'))
}

/// A root ARN whose account (the root user's `aws:userid`) is one of `n`.
fn over_root_userid(n: Nfa) -> Nfa {
    lit("arn:")
        .then(&no_colon())
        .then(&lit(":"))
        .then(&no_colon())
        .then(&lit("::"))
        .then(&n.without(':'))
        .then(&lit(":root"))
}

/// A federated user's ARN whose `account:name` (its `aws:userid`) is one of `n`.
fn over_federated_userid(n: Nfa) -> Nfa {
    lit("arn:")
        .then(&no_colon())
        .then(&lit(":"))
        .then(&no_colon())
        .then(&lit("::"))
        .then(&n.colon_as(":federated-user/"))
}

fn digits12() -> Nfa {
    Nfa::repeat(CharSet::of(Class::Digit), 12, Some(12))
}

/// How a condition key reaches the variables, for one shape.
enum Route {
    /// A function of the caller's ARN: the automata read the part the key holds.
    Principal(fn(Nfa) -> Nfa),
    UserId,
    Org,
    Const(Option<ContextValue>),
    Key,
}

/// A glob of a policy value: `*` and `?` wildcards, `${*}`, `${?}`, `${$}` literal (in a
/// 2012-10-17 document); `None` when it holds a policy variable.
fn glob_parts(text: &str, version: Version) -> Option<Vec<GlobPart<'_>>> {
    if version == Version::V2008 || !text.contains("${") {
        return Some(vec![GlobPart::Pattern(text)]);
    }
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push(GlobPart::Pattern(&rest[..i]));
        let after = &rest[i..];
        let esc = ["${*}", "${?}", "${$}"]
            .into_iter()
            .find(|e| after.starts_with(e))?;
        out.push(GlobPart::Literal(&after[2..3]));
        rest = &after[esc.len()..];
    }
    out.push(GlobPart::Pattern(rest));
    Some(out)
}

/// A policy value with the variables that name keys no outsider changes put in.
enum Subst {
    /// The value, its other `${...}` only the escapes `${*}`, `${?}`, `${$}`.
    Text(String),
    /// A variable with no value and no default: no value compares equal to it.
    NoValue,
    /// A variable of a key the outsider's request decides.
    Free,
}

/// The text of `parts` with escapes resolved, when it has no wildcard.
fn literal_of(parts: &[GlobPart<'_>]) -> String {
    parts
        .iter()
        .map(|p| match p {
            GlobPart::Pattern(t) | GlobPart::Literal(t) => *t,
        })
        .collect()
}

/// What a condition is, for one value of its key.
enum CondKind {
    /// Holds when the automata say so.
    Sym(Sym),
    /// A number, date or address comparison.
    Typed,
    /// Compares with a policy variable.
    Free,
}

pub(crate) fn is_multivalued(key: &str) -> bool {
    matches!(
        key,
        "aws:tagkeys"
            | "aws:principalorgpaths"
            | "aws:resourceorgpaths"
            | "aws:sourceorgpaths"
            | "aws:calledvia"
            | "aws:principalservicenameslist"
    ) || key.ends_with(":amr")
}

/// Keys set by the identity provider of a web identity token (`<issuer>:sub`).
fn provider_of(key: &str) -> Option<&str> {
    // `accounts.google.com:aud`, `oidc.eks.../id/X:sub`: a host (with a path) and a claim.
    // A service's key with a dotted tag name (`s3:RequestObjectTag/a.example.com:env`) has
    // a colon before it.
    let (prefix, _) = key.rsplit_once(':')?;
    (prefix.contains('.') && !prefix.contains(':')).then_some(prefix)
}

/// The claim that names a web identity provider's application or pool (what an outsider's
/// token differs in), for the providers IAM names without an OIDC provider resource.
pub(crate) fn web_identity_owner_claim(issuer: &str) -> Option<&'static str> {
    match issuer {
        "cognito-identity.amazonaws.com" | "accounts.google.com" => Some("aud"),
        "graph.facebook.com" | "www.amazon.com" => Some("app_id"),
        _ => None,
    }
}

impl<'a> Space<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        doc: &'a PolicyDocument,
        q: &'a Question<'a>,
        inside: &'a Inside<'a>,
        shape: Shape,
        target: &'a Target<'a>,
        accounts: &Accounts,
        orgs: Orgs,
        own_ids: &[String],
    ) -> Space<'a> {
        let mut s = Space {
            doc,
            shape,
            target,
            partition: inside.partition,
            automata: Vec::new(),
            atoms: Vec::new(),
            keys: Vec::new(),
            key_index: HashMap::new(),
            domain: target
                .actions
                .iter()
                .filter_map(|a| Action::new(a))
                .collect(),
            shown: target
                .actions
                .iter()
                .copied()
                .filter(|a| Action::new(a).is_some())
                .collect(),
            orgs,
            base: Vec::new(),
            scope: Vec::new(),
            conds: Vec::new(),
            memo: HashMap::new(),
            nonempty: 0,
            fixed: Context::new(),
            tags_known: q.resource_tags.is_some(),
            work: 0,
            nodes: 0,
            unknown: false,
        };
        s.nonempty = s.automaton(Nfa::repeat(CharSet::of(Class::Any), 1, None));
        s.fixed.insert("aws:ResourceAccount", inside.account);
        if let super::Org::Known(o) = inside.org {
            s.fixed.insert("aws:ResourceOrgID", o);
        }
        if let Some(tags) = q.resource_tags {
            for (k, v) in tags {
                s.fixed.insert(&format!("aws:ResourceTag/{k}"), v.as_str());
            }
        }
        if let Some(ms) = inside.now.and_then(values::date_millis) {
            s.fixed.insert(
                "aws:CurrentTime",
                values::format_millis(ms).unwrap_or_default(),
            );
            s.fixed
                .insert("aws:EpochTime", ms.div_euclid(1000).to_string());
        }
        s.shape_constraints(accounts, own_ids);
        // The resource.
        let resource = if target.any_suffix {
            lit(target.arn).then(&Nfa::repeat(CharSet::of(Class::Any), 1, None))
        } else {
            lit(target.arn)
        };
        let r = s.automaton(resource);
        s.base.push((Var::Resource, Sym::Accepts(r)));
        for i in 0..doc.compiled.len() {
            let scope = s.scope_of(i, q, inside);
            s.scope.push(scope);
            let conds = (0..doc.compiled[i].conditions.len())
                .map(|ci| s.condition(i, ci, q, inside))
                .collect();
            s.conds.push(conds);
        }
        s
    }

    fn automaton(&mut self, n: Nfa) -> usize {
        self.automata.push(n);
        self.automata.len() - 1
    }

    fn atom(&mut self, a: Atom) -> usize {
        self.atoms.push(a);
        self.atoms.len() - 1
    }

    fn shape_constraints(&mut self, accounts: &Accounts, own_ids: &[String]) {
        let p = self.partition;
        let arn = match self.shape {
            Shape::Session => Some(
                lit(&format!("arn:{p}:iam::"))
                    .then(&digits12())
                    .then(&lit(":role/"))
                    .then(&Nfa::names_path()),
            ),
            Shape::User => Some(
                lit(&format!("arn:{p}:iam::"))
                    .then(&digits12())
                    .then(&lit(":user/"))
                    .then(&Nfa::names_path()),
            ),
            Shape::Root => Some(
                lit(&format!("arn:{p}:iam::"))
                    .then(&digits12())
                    .then(&lit(":root")),
            ),
            Shape::FederatedUser => Some(
                lit(&format!("arn:{p}:sts::"))
                    .then(&digits12())
                    .then(&lit(":federated-user/"))
                    .then(&Nfa::repeat(CharSet::of(Class::Name), 2, Some(32))),
            ),
            _ => None,
        };
        let Some(arn) = arn else { return };
        let a = self.automaton(arn);
        self.base.push((Var::Principal, Sym::Accepts(a)));
        let (list, keep) = match accounts {
            Accounts::Except(l) => (l, false),
            Accounts::Only(l) => (l, true),
        };
        let lits: Vec<Nfa> = list.iter().map(|x| lit(x)).collect();
        let n = self.automaton(over_account(Nfa::union(&lits)));
        self.base.push((
            Var::Principal,
            if keep {
                Sym::Accepts(n)
            } else {
                Sym::Accepts(n).not()
            },
        ));
        // Unique ids: the outsider's are none of those the policy names (taken to be the
        // account's own principals').
        let id = match self.shape {
            Shape::Session => Some(
                lit("AROA")
                    .then(&Nfa::repeat(CharSet::of(Class::IdChar), 17, Some(17)))
                    .then(&lit(":"))
                    .then(&Nfa::repeat(CharSet::of(Class::Name), 2, Some(64))),
            ),
            Shape::User => {
                Some(lit("AIDA").then(&Nfa::repeat(CharSet::of(Class::IdChar), 17, Some(17))))
            }
            _ => None,
        };
        if let Some(id) = id {
            let i = self.automaton(id);
            self.base.push((Var::UserId, Sym::Accepts(i)));
            if !own_ids.is_empty() {
                let mine: Vec<Nfa> = own_ids
                    .iter()
                    .map(|x| lit(x).then(&Nfa::anything()))
                    .collect();
                let m = self.automaton(Nfa::union(&mine));
                self.base.push((Var::UserId, Sym::Accepts(m).not()));
            }
        }
    }

    /// Registers a key the outsider sets, with what it cannot send.
    fn key(&mut self, name: &str, q: &Question<'_>, inside: &Inside<'_>) -> usize {
        if let Some(i) = self.key_index.get(name) {
            return *i;
        }
        let mut info = KeyInfo {
            name: name.to_owned(),
            multi: is_multivalued(name),
            presence: Presence::Optional,
            fixed: None,
            exclude: Vec::new(),
            exclude_ranges: Vec::new(),
            require: Vec::new(),
            kind: Kind::of(name),
        };
        let literals = |s: &Self| -> Vec<String> {
            s.doc
                .statements()
                .iter()
                .flat_map(|st| &st.conditions)
                .filter(|c| c.key_is(name) && !c.base_operator().starts_with("Null"))
                .flat_map(|c| c.values.iter().cloned())
                .filter(|v| !v.contains(['*', '?']) && !v.contains("${"))
                .collect()
        };
        let exact = |s: &mut Self, values: &[String]| -> Option<usize> {
            (!values.is_empty()).then(|| {
                let l: Vec<Nfa> = values.iter().map(|v| lit(v)).collect();
                s.automaton(Nfa::union(&l))
            })
        };
        match name {
            "aws:currenttime" | "aws:epochtime" => {
                info.presence = Presence::Always;
                if let Some(ms) = inside.now.and_then(values::date_millis) {
                    info.fixed = Some(Some(ContextValue::One(if name == "aws:epochtime" {
                        (ms.div_euclid(1000)).to_string()
                    } else {
                        values::format_millis(ms).unwrap_or_default()
                    })));
                }
            }
            "aws:securetransport" => info.presence = Presence::Always,
            "aws:resourceaccount" | "s3:resourceaccount" | "ecr:resourceaccount" => {
                info.fixed = Some(Some(ContextValue::One(inside.account.to_owned())));
            }
            "aws:resourceorgid" => match inside.org {
                super::Org::Known(o) => info.fixed = Some(Some(ContextValue::One(o.to_owned()))),
                super::Org::None => info.fixed = Some(None),
                super::Org::Unknown => {}
            },
            k if k.starts_with("aws:resourcetag/") => {
                if let Some(tags) = q.resource_tags {
                    let tag = &k["aws:resourcetag/".len()..];
                    info.fixed = Some(
                        tags.iter()
                            .find(|(t, _)| t.eq_ignore_ascii_case(tag))
                            .map(|(_, v)| ContextValue::One(v.clone())),
                    );
                }
            }
            // The account's own network: its VPC endpoints, VPCs and the addresses in
            // them, as the policy names them.
            "aws:sourcevpce" | "aws:sourcevpc" | "aws:vpcsourceip" | "aws:sourcevpcarn" => {
                let l = literals(self);
                info.exclude.extend(exact(self, &l));
            }
            "aws:sourceip" => {
                for c in self
                    .doc
                    .statements()
                    .iter()
                    .flat_map(|st| &st.conditions)
                    .filter(|c| c.key_is(name))
                {
                    for v in &c.values {
                        if let Some(r) = IpRange::parse(v) {
                            if !r.is_public_wide() {
                                info.exclude_ranges.push(r);
                            }
                        }
                    }
                }
            }
            "aws:sourceaccount" | "aws:sourceowner" => {
                let mut own = vec![inside.account.to_owned()];
                own.extend(inside.trusted.iter().cloned());
                info.exclude.extend(exact(self, &own));
            }
            "aws:sourcearn" => {
                let mut own: Vec<String> = vec![inside.account.to_owned()];
                own.extend(inside.trusted.iter().cloned());
                let l: Vec<Nfa> = own.iter().map(|a| lit(a)).collect();
                let n = self.automaton(over_account(Nfa::union(&l)));
                info.exclude.push(n);
                // A literal ARN without an account (an S3 bucket's) is taken to be the
                // account's own.
                let accountless: Vec<String> = literals(self)
                    .into_iter()
                    .filter(|v| v.split(':').nth(4).is_some_and(str::is_empty))
                    .collect();
                info.exclude.extend(exact(self, &accountless));
            }
            "aws:sourceorgid" => {
                let own = self.orgs.excluded.clone();
                info.exclude.extend(exact(self, &own));
            }
            "aws:sourceorgpaths" => {
                let own: Vec<Nfa> = self
                    .orgs
                    .excluded
                    .iter()
                    .map(|o| lit(&format!("{o}/")).then(&Nfa::anything()))
                    .collect();
                if !own.is_empty() {
                    let n = self.automaton(Nfa::union(&own));
                    info.exclude.push(n);
                }
            }
            "sts:externalid" if q.secret_external_id => {
                // Not the agreed value, in any case (a guess that differs only in case
                // meets a StringEqualsIgnoreCase).
                let l: Vec<Nfa> = literals(self)
                    .iter()
                    .map(|v| Nfa::literal(v, true))
                    .collect();
                if !l.is_empty() {
                    let n = self.automaton(Nfa::union(&l));
                    info.exclude.push(n);
                }
            }
            k => {
                if let Shape::Token { issuer, .. } = self.shape.clone() {
                    let claim = k
                        .strip_prefix(issuer.as_str())
                        .and_then(|r| r.strip_prefix(':'));
                    match (web_identity_owner_claim(&issuer), claim) {
                        // The application or identity pool the token was issued for: an
                        // outsider's is another one.
                        (Some(owner), Some(c)) if c == owner => {
                            info.presence = Presence::Always;
                            if !q.other_audience {
                                let l = literals(self);
                                info.exclude.extend(exact(self, &l));
                            }
                        }
                        (None, Some("sub")) => {
                            info.presence = Presence::Always;
                            // What an EKS cluster issues: a service account's subject.
                            if issuer.starts_with("oidc.eks.") {
                                let name = CharSet::of(Class::Name);
                                let n = self.automaton(
                                    lit("system:serviceaccount:")
                                        .then(&Nfa::repeat(name.clone(), 1, None))
                                        .then(&lit(":"))
                                        .then(&Nfa::repeat(name, 1, None)),
                                );
                                info.require.push(n);
                            }
                            if !q.other_audience {
                                let n = self.named_subjects(&issuer, k);
                                info.exclude.extend(n);
                            }
                        }
                        (None, Some("aud")) => {
                            info.presence = Presence::Always;
                            if q.other_audience {
                                let n = self.automaton(lit("sts.amazonaws.com"));
                                info.exclude.push(n);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        self.keys.push(info);
        let i = self.keys.len() - 1;
        self.key_index.insert(name.to_owned(), i);
        i
    }

    /// The subjects of the repositories and projects the policy names (a GitHub repository, an EKS service
    /// account): an outsider's token has another owner.
    fn named_subjects(&mut self, issuer: &str, key: &str) -> Option<usize> {
        let mut owners: Vec<String> = Vec::new();
        for c in self
            .doc
            .statements()
            .iter()
            .flat_map(|s| &s.conditions)
            .filter(|c| c.key_is(key))
        {
            // Only the `Like` operators read `*` and `?` as wildcards.
            let like = c.base_operator().to_ascii_lowercase().ends_with("like");
            for v in &c.values {
                // The literal stem of a pattern names its owner when the wildcard comes
                // after the owner part.
                let (stem, cut) = match v.find(['*', '?']) {
                    Some(i) if like => (&v[..i], true),
                    _ => (v.as_str(), false),
                };
                if let Some(owner) = super::subject_owner(issuer, stem, cut) {
                    if !owner.is_empty() && !owners.iter().any(|o| o == owner) {
                        owners.push(owner.to_owned());
                    }
                }
            }
        }
        if owners.is_empty() {
            return None;
        }
        let list: Vec<Nfa> = owners
            .iter()
            .flat_map(|o| {
                let mut v = vec![lit(o)];
                if let Some(sep) = super::subject_separator(issuer, o) {
                    v.push(lit(&format!("{o}{sep}")).then(&Nfa::anything()));
                }
                v
            })
            .collect();
        Some(self.automaton(Nfa::union(&list)))
    }

    fn route(&self, key: &str) -> Route {
        let principal_key =
            key.starts_with("aws:principal") || key == "aws:username" || key == "aws:userid";
        match &self.shape {
            Shape::Token { issuer, .. } => {
                if principal_key {
                    return Route::Const(None);
                }
                match provider_of(key) {
                    Some(p) if p != issuer => Route::Const(None),
                    _ => Route::Key,
                }
            }
            // "For anonymous requests, the request context returns anonymous"
            // (aws:PrincipalAccount, aws:userid); aws:PrincipalType is Anonymous.
            Shape::Anonymous => match key {
                "aws:principaltype" => Route::Const(Some("Anonymous".into())),
                "aws:userid" | "aws:principalaccount" => Route::Const(Some("anonymous".into())),
                _ if principal_key => Route::Const(None),
                _ if provider_of(key).is_some() => Route::Const(None),
                _ => Route::Key,
            },
            Shape::Canonical(_) => {
                if provider_of(key).is_some() {
                    Route::Const(None)
                } else {
                    Route::Key
                }
            }
            shape => {
                if provider_of(key).is_some() {
                    return Route::Const(None);
                }
                let kind = match shape {
                    Shape::Session => "AssumedRole",
                    Shape::User => "User",
                    Shape::Root => "Account",
                    _ => "FederatedUser",
                };
                match key {
                    "aws:principalarn" => Route::Principal(|n| n),
                    "aws:principalaccount" => Route::Principal(over_account),
                    "aws:principaltype" => Route::Const(Some(kind.into())),
                    "aws:principalisawsservice" => Route::Const(Some("false".into())),
                    "aws:principalorgid" | "aws:principalorgpaths" => Route::Org,
                    "aws:username" if *shape == Shape::User => Route::Principal(over_user_name),
                    "aws:userid" => match shape {
                        Shape::Session | Shape::User => Route::UserId,
                        Shape::Root => Route::Principal(over_root_userid),
                        _ => Route::Principal(over_federated_userid),
                    },
                    k if k.starts_with("aws:principaltag/") => Route::Key,
                    _ if principal_key => Route::Const(None),
                    _ => Route::Key,
                }
            }
        }
    }

    /// `text` with the variables of fixed keys put in (escaped, so that their `*` and `?`
    /// are text).
    fn subst(&self, text: &str) -> Subst {
        if self.doc.version() == Version::V2008 || !text.contains("${") {
            return Subst::Text(text.to_owned());
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i..];
            if let Some(e) = ["${*}", "${?}", "${$}"]
                .into_iter()
                .find(|e| after.starts_with(e))
            {
                out.push_str(e);
                rest = &after[e.len()..];
                continue;
            }
            let Some(end) = after.find('}') else {
                return Subst::Free;
            };
            let inner = &after[2..end];
            rest = &after[end + 1..];
            let (name, default) = match inner.split_once(',') {
                Some((n, d)) => {
                    let d = d.trim();
                    let d = d
                        .strip_prefix('\'')
                        .and_then(|x| x.strip_suffix('\''))
                        .unwrap_or(d);
                    (n.trim(), Some(d))
                }
                None => (inner.trim(), None),
            };
            let lower = name.to_ascii_lowercase();
            let known = matches!(
                lower.as_str(),
                "aws:resourceaccount" | "aws:currenttime" | "aws:epochtime"
            ) || (lower == "aws:resourceorgid" && self.fixed.value(&lower).is_some())
                || (lower.starts_with("aws:resourcetag/") && self.tags_known);
            if !known {
                return Subst::Free;
            }
            let value = match self.fixed.value(&lower) {
                Some(ContextValue::One(v)) if !v.is_empty() => Some(v.as_str()),
                _ => default,
            };
            match value {
                Some(v) => {
                    for c in v.chars() {
                        match c {
                            '*' => out.push_str("${*}"),
                            '?' => out.push_str("${?}"),
                            '$' => out.push_str("${$}"),
                            c => out.push(c),
                        }
                    }
                }
                None => return Subst::NoValue,
            }
        }
        out.push_str(rest);
        Subst::Text(out)
    }

    fn cond_ref(&self, stmt: usize, ci: usize) -> (&'a Cond, &'a Condition) {
        let c = &self.doc.compiled[stmt].conditions[ci];
        (c, &self.doc.statements()[stmt].conditions[c.view])
    }

    /// What a condition says of one value of its key, its automata read through
    /// `through`.
    fn cond_kind(&mut self, c: &Cond, view: &Condition, through: fn(Nfa) -> Nfa) -> CondKind {
        let version = self.doc.version();
        let any = CharSet::of(Class::Any);
        // The values, variables of fixed keys put in; those with no value compare equal to
        // nothing, so they drop out (a negated operator then holds for them).
        let mut texts: Vec<String> = Vec::new();
        for v in &view.values {
            match self.subst(v) {
                Subst::Text(t) => texts.push(t),
                Subst::NoValue => {}
                Subst::Free => return CondKind::Free,
            }
        }
        let values: &[String] = if c.op == Op::BinaryEquals {
            &view.values
        } else {
            &texts
        };
        let mut nfas: Vec<Nfa> = Vec::new();
        let mut unreadable = false;
        match c.op {
            Op::Null => return CondKind::Typed,
            Op::NumericEquals
            | Op::NumericNotEquals
            | Op::NumericLessThan
            | Op::NumericLessThanEquals
            | Op::NumericGreaterThan
            | Op::NumericGreaterThanEquals
            | Op::DateEquals
            | Op::DateNotEquals
            | Op::DateLessThan
            | Op::DateLessThanEquals
            | Op::DateGreaterThan
            | Op::DateGreaterThanEquals
            | Op::IpAddress
            | Op::NotIpAddress => return CondKind::Typed,
            Op::Bool => {
                for v in values {
                    let v = match glob_parts(v, version) {
                        Some(parts) => literal_of(&parts),
                        None => return CondKind::Free,
                    };
                    if let Some(b) = values::boolean(&v) {
                        nfas.push(Nfa::literal(if b { "true" } else { "false" }, true));
                    }
                }
            }
            Op::StringEquals
            | Op::StringNotEquals
            | Op::StringEqualsIgnoreCase
            | Op::StringNotEqualsIgnoreCase
            | Op::BinaryEquals => {
                let fold = matches!(
                    c.op,
                    Op::StringEqualsIgnoreCase | Op::StringNotEqualsIgnoreCase
                );
                for v in values {
                    let text = if c.op == Op::BinaryEquals {
                        v.clone()
                    } else {
                        match glob_parts(v, version) {
                            Some(parts) => literal_of(&parts),
                            None => return CondKind::Free,
                        }
                    };
                    nfas.push(Nfa::literal(&text, fold));
                }
            }
            Op::StringLike | Op::StringNotLike => {
                for v in values {
                    match glob_parts(v, version) {
                        Some(parts) => nfas.push(Nfa::glob(&parts, false, &any)),
                        None => return CondKind::Free,
                    }
                }
            }
            Op::ArnEquals | Op::ArnLike | Op::ArnNotEquals | Op::ArnNotLike => {
                let seg = CharSet::any_but(':');
                for v in values {
                    let mut segs: Vec<&str> = split_arn(v);
                    if segs.len() == 5 {
                        segs.push("");
                    }
                    if segs.len() != 6 || segs[0] != "arn" {
                        unreadable = true;
                        continue;
                    }
                    let mut n = lit("arn:");
                    for (i, part) in segs[1..].iter().enumerate() {
                        let Some(parts) = glob_parts(part, version) else {
                            return CondKind::Free;
                        };
                        n = n.then(&Nfa::glob(&parts, false, if i < 4 { &seg } else { &any }));
                        if i < 4 {
                            n = n.then(&lit(":"));
                        }
                    }
                    nfas.push(n);
                }
            }
        }
        let negated = c.op.negated();
        let sym = if nfas.is_empty() {
            Sym::False
        } else {
            let n = through(Nfa::union(&nfas));
            Sym::Accepts(self.automaton(n))
        };
        CondKind::Sym(match c.op {
            Op::ArnNotEquals | Op::ArnNotLike => {
                if unreadable {
                    Sym::False
                } else {
                    let valid = lit("arn:")
                        .then(&no_colon())
                        .then(&lit(":"))
                        .then(&no_colon())
                        .then(&lit(":"))
                        .then(&no_colon())
                        .then(&lit(":"))
                        .then(&no_colon())
                        .then(&lit(":"))
                        .then(&Nfa::anything());
                    let v = self.automaton(through(valid));
                    Sym::And(vec![Sym::Accepts(v), sym.not()])
                }
            }
            _ if negated => sym.not(),
            _ => sym,
        })
    }

    /// A condition as a formula, for this shape.
    fn condition(&mut self, stmt: usize, ci: usize, q: &Question<'_>, inside: &Inside<'_>) -> F {
        let (c, view) = self.cond_ref(stmt, ci);
        let key = c.key.to_string();
        let free = view
            .values
            .iter()
            .any(|v| matches!(self.subst(v), Subst::Free));
        if free {
            let a = self.atom(Atom::Free);
            return F::Lit(Var::Free, a, true);
        }
        let through = match self.route(&key) {
            Route::Const(v) => {
                let mut ctx = self.fixed.clone();
                if let Some(v) = v {
                    ctx.insert(&key, v);
                }
                return F::Const(condition_holds(c, &ctx));
            }
            Route::Org => {
                let a = self.atom(Atom::Cond { stmt, cond: ci });
                return F::Lit(Var::Org, a, true);
            }
            Route::Key => {
                let k = self.key(&key, q, inside);
                let a = self.atom(Atom::Cond { stmt, cond: ci });
                return F::Lit(Var::Key(k), a, true);
            }
            Route::Principal(through) => (Var::Principal, through),
            Route::UserId => (Var::UserId, (|n| n) as fn(Nfa) -> Nfa),
        };
        let (var, through) = through;
        match self.cond_kind(c, view, through) {
            CondKind::Sym(sym) => {
                let a = self.atom(Atom::Str(sym));
                F::Lit(var, a, true)
            }
            CondKind::Typed if c.op == Op::Null => {
                // These keys are always present for this shape.
                let ctx = self.fixed.clone().with(&key, "present");
                F::Const(condition_holds(c, &ctx))
            }
            CondKind::Typed | CondKind::Free => {
                let a = self.atom(Atom::Free);
                F::Lit(Var::Free, a, true)
            }
        }
    }

    fn str_lit(&mut self, var: Var, n: Nfa) -> F {
        let i = self.automaton(n);
        let a = self.atom(Atom::Str(Sym::Accepts(i)));
        F::Lit(var, a, true)
    }

    /// The caller's ARN is `arn` exactly.
    fn caller_is(&mut self, arn: &str) -> F {
        self.str_lit(Var::Principal, lit(arn))
    }

    /// The caller is of `account`.
    fn account_is(&mut self, account: &str) -> F {
        self.str_lit(Var::Principal, over_account(lit(account)))
    }

    /// A session's caller ARN (`arn:P:sts::A:assumed-role/R/S`) is `arn`: the role is
    /// named `R` in `A` (any path), the session `S`.
    fn session_is(&mut self, arn: &str) -> F {
        let Some((head, rest)) = arn.split_once(":assumed-role/") else {
            return F::Const(false);
        };
        let Some((role, session)) = rest.split_once('/') else {
            return F::Const(false);
        };
        let prefix = format!("{}:role/", head.replacen(":sts:", ":iam:", 1));
        let role_arn = Nfa::union(&[
            lit(&prefix).then(&lit(role)),
            lit(&prefix)
                .then(&Nfa::anything())
                .then(&lit("/"))
                .then(&lit(role)),
        ]);
        let r = self.str_lit(Var::Principal, role_arn);
        let s = self.str_lit(
            Var::UserId,
            Nfa::anything().then(&lit(":")).then(&lit(session)),
        );
        F::and(vec![r, s])
    }

    /// Whether `Principal` names the caller.
    fn principal_formula(&mut self, p: &PrincipalSet) -> F {
        match self.shape.clone() {
            Shape::Anonymous => F::Const(p.has_wildcard()),
            Shape::Token { provider, .. } => {
                F::Const(p.has_wildcard() || p.federated.iter().any(|f| **f == *provider))
            }
            Shape::Canonical(id) => {
                F::Const(p.has_wildcard() || p.canonical.iter().any(|c| **c == *id))
            }
            shape => {
                let mut any = Vec::new();
                for a in p.aws.iter() {
                    any.push(match a {
                        AwsPrincipal::Any => F::Const(true),
                        AwsPrincipal::Account(acct) => self.account_is(acct),
                        AwsPrincipal::Arn(arn) => {
                            let kind = Caller::parse(Some(arn)).kind;
                            match (&shape, kind) {
                                (Shape::Session, CallerKind::Role) => self.caller_is(arn),
                                (Shape::Session, CallerKind::AssumedRole) => self.session_is(arn),
                                (Shape::User, CallerKind::User)
                                | (Shape::FederatedUser, CallerKind::FederatedUser) => {
                                    self.caller_is(arn)
                                }
                                _ => F::Const(false),
                            }
                        }
                        AwsPrincipal::UniqueId => F::Const(false),
                    });
                }
                F::or(any)
            }
        }
    }

    /// Whether `NotPrincipal` leaves the caller out: every level of its identity is listed
    /// (the account, then the role or user, then the session).
    fn not_principal_excludes(&mut self, p: &PrincipalSet) -> F {
        if p.has_wildcard() {
            return F::Const(true);
        }
        match self.shape.clone() {
            Shape::Anonymous => F::Const(false),
            Shape::Token { provider, .. } => F::Const(p.federated.iter().any(|f| **f == *provider)),
            Shape::Canonical(id) => F::Const(p.canonical.iter().any(|c| **c == *id)),
            shape => {
                let mut accounts = Vec::new();
                let mut arns = Vec::new();
                let mut roles = Vec::new();
                for a in p.aws.iter() {
                    match a {
                        AwsPrincipal::Account(acct) => accounts.push(self.account_is(acct)),
                        AwsPrincipal::Arn(arn) => {
                            let caller = Caller::parse(Some(arn));
                            match (&shape, caller.kind) {
                                (Shape::Session, CallerKind::AssumedRole) => {
                                    arns.push(self.session_is(arn))
                                }
                                (Shape::Session, CallerKind::Role) => {
                                    // The role by name, case-insensitively, any path.
                                    let prefix = format!(
                                        "arn:{}:iam::{}:role/",
                                        caller.partition,
                                        caller.account.unwrap_or_default()
                                    );
                                    let name = Nfa::literal(caller.role_name, true);
                                    let n = Nfa::union(&[
                                        lit(&prefix).then(&name),
                                        lit(&prefix)
                                            .then(&Nfa::anything())
                                            .then(&lit("/"))
                                            .then(&name),
                                    ]);
                                    roles.push(self.str_lit(Var::Principal, n));
                                }
                                (Shape::User, CallerKind::User)
                                | (Shape::FederatedUser, CallerKind::FederatedUser) => {
                                    arns.push(self.caller_is(arn))
                                }
                                _ => {}
                            }
                        }
                        _ => {}
                    }
                }
                match shape {
                    Shape::Root => F::or(accounts),
                    Shape::Session => F::and(vec![F::or(accounts), F::or(roles), F::or(arns)]),
                    _ => F::and(vec![F::or(accounts), F::or(arns)]),
                }
            }
        }
    }

    /// A statement's principal, action and resource elements.
    fn scope_of(&mut self, stmt: usize, _q: &Question<'_>, _inside: &Inside<'_>) -> F {
        let c: &Compiled = &self.doc.compiled[stmt];
        let view = &self.doc.statements()[stmt];
        let principal = match &c.principal {
            None => F::Const(false),
            Some(p) if p.negated => self.not_principal_excludes(p).not(),
            Some(p) => self.principal_formula(p),
        };
        let a = self.atom(Atom::Action { stmt });
        let action = F::Lit(Var::Action, a, true);
        let resource = match &c.resource {
            None => F::Const(true),
            Some(set) => {
                let list = if set.negated {
                    &view.not_resource
                } else {
                    &view.resource
                };
                let mut nfas = Vec::new();
                let mut free = false;
                let mut no_value = false;
                for r in list {
                    let text = match self.subst(r) {
                        Subst::Text(t) => t,
                        Subst::NoValue => {
                            no_value = true;
                            continue;
                        }
                        Subst::Free => {
                            free = true;
                            continue;
                        }
                    };
                    match resource_nfa(&text, self.doc.version()) {
                        None => free = true,
                        Some(Some(n)) => nfas.push(n),
                        Some(None) => {}
                    }
                }
                if no_value && set.negated {
                    // A NotResource with a variable of no value: the statement does not
                    // apply.
                    F::Const(false)
                } else if free {
                    let a = self.atom(Atom::Free);
                    F::Lit(Var::Free, a, true)
                } else if nfas.is_empty() {
                    F::Const(set.negated)
                } else {
                    let i = self.automaton(Nfa::union(&nfas));
                    let a = self.atom(Atom::Str(Sym::Accepts(i)));
                    F::Lit(Var::Resource, a, !set.negated)
                }
            }
        };
        F::and(vec![principal, action, resource])
    }

    /// Whether a statement applies.
    pub(crate) fn applies(&self, stmt: usize) -> F {
        let mut all = vec![self.scope[stmt].clone()];
        all.extend(self.conds[stmt].iter().cloned());
        F::and(all)
    }

    /// Whether `allow` applies and none of `denies` does.
    pub(crate) fn allowed_by(&self, allow: usize, denies: &[usize]) -> F {
        let mut all = vec![self.applies(allow)];
        all.extend(denies.iter().map(|d| self.applies(*d).not()));
        F::and(all)
    }

    // -------------------------------------------------------------------------------
    // Solving

    /// Searches for values of the variables meeting `goal`.
    pub(crate) fn search(&mut self, goal: &F) -> Search {
        self.nodes = 0;
        let mut lits: BTreeMap<Var, Vec<(usize, bool)>> = BTreeMap::new();
        for (v, _) in &self.base {
            lits.entry(*v).or_default();
        }
        match self.dfs(lits, vec![goal.clone()]) {
            Ok(Some(m)) => Search::Found(m),
            Ok(None) if self.unknown => Search::Unknown,
            Ok(None) => Search::None,
            Err(()) => Search::Unknown,
        }
    }

    fn dfs(
        &mut self,
        mut lits: BTreeMap<Var, Vec<(usize, bool)>>,
        mut stack: Vec<F>,
    ) -> Result<Option<BTreeMap<Var, Value>>, ()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(());
        }
        let mut ors: Vec<Vec<F>> = Vec::new();
        loop {
            while let Some(f) = stack.pop() {
                match f {
                    F::Const(true) => {}
                    F::Const(false) => return Ok(None),
                    F::And(l) => stack.extend(l),
                    F::Or(l) => ors.push(l),
                    F::Lit(v, a, p) => {
                        let list = lits.entry(v).or_default();
                        if list.contains(&(a, !p)) {
                            return Ok(None);
                        }
                        if list.contains(&(a, p)) {
                            continue;
                        }
                        list.push((a, p));
                        list.sort_unstable();
                        let list = list.clone();
                        match self.var(v, &list) {
                            Outcome::Unsat => return Ok(None),
                            Outcome::Unknown => {
                                self.unknown = true;
                                return Ok(None);
                            }
                            Outcome::Sat(_) => {}
                        }
                    }
                }
            }
            // Before branching: drop the choices that cannot hold with what is already
            // chosen; a disjunction left with none fails here, one left with a single
            // choice is taken (so a Deny that refuses everyone ends the search at once,
            // however many others come before it).
            let mut forced = false;
            let mut kept: Vec<Vec<F>> = Vec::new();
            for or in std::mem::take(&mut ors) {
                // Wide disjunctions (a Principal naming thirty accounts) are left to the
                // branching: checking each choice costs more than it saves.
                if or.len() > 6 {
                    kept.push(or);
                    continue;
                }
                let mut viable = Vec::new();
                let mut holds = false;
                for choice in or {
                    match &choice {
                        F::Const(true) => {
                            holds = true;
                            break;
                        }
                        F::Const(false) => {}
                        F::Lit(v, a, p) => {
                            let list = lits.get(v).cloned().unwrap_or_default();
                            if list.contains(&(*a, *p)) {
                                holds = true;
                                break;
                            }
                            if list.contains(&(*a, !*p)) {
                                continue;
                            }
                            let mut with = list;
                            with.push((*a, *p));
                            with.sort_unstable();
                            if !matches!(self.var(*v, &with), Outcome::Unsat) {
                                viable.push(choice);
                            }
                        }
                        _ => viable.push(choice),
                    }
                }
                if holds {
                    continue;
                }
                match viable.len() {
                    0 => return Ok(None),
                    1 => {
                        stack.extend(viable);
                        forced = true;
                    }
                    _ => kept.push(viable),
                }
            }
            ors = kept;
            if !forced {
                break;
            }
        }
        let Some(pick) = (0..ors.len()).min_by_key(|i| ors[*i].len()) else {
            // Every variable's constraints hold together: its values, as readable as
            // the constraints let them be.
            let mut model = BTreeMap::new();
            for (v, list) in &lits {
                match self.var(*v, list) {
                    Outcome::Sat(value) => {
                        let value = self.polish(*v, list, value);
                        model.insert(*v, value);
                    }
                    _ => return Ok(None),
                }
            }
            return Ok(Some(model));
        };
        let choices = ors.swap_remove(pick);
        for choice in choices {
            let mut next: Vec<F> = ors.iter().map(|o| F::Or(o.clone())).collect();
            next.push(choice);
            if let Some(m) = self.dfs(lits.clone(), next)? {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// Whether a variable's constraints can be met, and how.
    fn var(&mut self, v: Var, lits: &[(usize, bool)]) -> Outcome {
        let key = (v, lits.to_vec());
        if let Some(o) = self.memo.get(&key) {
            return o.clone();
        }
        let out = match v {
            Var::Free => Outcome::Sat(Value::Key(None)),
            Var::Principal | Var::UserId | Var::Resource => self.solve_str(v, lits),
            Var::Action => self.solve_action(lits),
            Var::Key(k) => self.solve_key(k, lits),
            Var::Org => self.solve_org(lits),
        };
        self.memo.insert(key, out.clone());
        out
    }

    /// A value reading like a real request, when one meets the same constraints: an
    /// account and names that say "outsider", a pattern of the policy filled in.
    fn polish(&mut self, v: Var, lits: &[(usize, bool)], found: Value) -> Value {
        let (Value::Str(text) | Value::Key(Some(ContextValue::One(text)))) = &found else {
            return found;
        };
        let mut candidates: Vec<String> = Vec::new();
        let p = self.partition;
        match v {
            Var::Principal => {
                let account = text.split(':').nth(4).unwrap_or_default().to_owned();
                let rest = text.splitn(6, ':').nth(5).unwrap_or_default().to_owned();
                let head = text.splitn(6, ':').take(3).collect::<Vec<_>>().join(":");
                for acct in [OUTSIDER_ACCOUNT, account.as_str()] {
                    let kind = match self.shape {
                        Shape::Session => format!("arn:{p}:iam::{acct}:role/{OUTSIDER}"),
                        Shape::User => format!("arn:{p}:iam::{acct}:user/{OUTSIDER}"),
                        Shape::Root => format!("arn:{p}:iam::{acct}:root"),
                        _ => format!("arn:{p}:sts::{acct}:federated-user/{OUTSIDER}"),
                    };
                    candidates.push(kind);
                    candidates.push(format!("{head}::{acct}:{rest}"));
                }
            }
            Var::UserId => {
                let session = text.split_once(':').map(|(_, s)| s.to_owned());
                match session {
                    Some(s) => {
                        candidates.push(format!("AROAOUTSIDER000000000:{OUTSIDER}"));
                        candidates.push(format!("AROAOUTSIDER000000000:{s}"));
                    }
                    None => candidates.push("AIDAOUTSIDER000000000".into()),
                }
            }
            Var::Resource => {
                for r in self.doc.statements().iter().flat_map(|s| &s.resource) {
                    candidates.push(fill(r));
                }
                candidates.push(format!("{text}{OUTSIDER}"));
            }
            Var::Key(k) => {
                let name = self.keys[k].name.clone();
                for c in self.doc.statements().iter().flat_map(|s| &s.conditions) {
                    if c.key_is(&name) && !c.base_operator().eq_ignore_ascii_case("Null") {
                        candidates.extend(c.values.iter().map(|v| fill(v)));
                    }
                }
                // A token's subject reads best in the provider's own form.
                if name.ends_with(":sub") {
                    candidates.push(if name.starts_with("oidc.eks.") {
                        format!("system:serviceaccount:{OUTSIDER}:{OUTSIDER}")
                    } else {
                        format!("repo:{OUTSIDER}/{OUTSIDER}:ref:refs/heads/main")
                    });
                }
                candidates.push(OUTSIDER.into());
            }
            _ => return found,
        }
        for c in candidates {
            if c == *text {
                break;
            }
            if self.meets(v, lits, &c) {
                return match found {
                    Value::Str(_) => Value::Str(c),
                    _ => Value::Key(Some(ContextValue::One(c))),
                };
            }
        }
        found
    }

    /// Whether `text` meets a string variable's constraints.
    fn meets(&mut self, v: Var, lits: &[(usize, bool)], text: &str) -> bool {
        match v {
            Var::Key(k) => {
                let info = self.keys[k].clone();
                if info.multi || info.fixed.is_some() {
                    return false;
                }
                let conds = self.conds_of(lits);
                let value = ContextValue::One(text.to_owned());
                self.holds(&conds, &info.name, Some(&value))
                    && info
                        .exclude
                        .iter()
                        .all(|e| !self.automata[*e].accepts(text))
                    && info.require.iter().all(|e| self.automata[*e].accepts(text))
                    && info.kind.is_none_or(|k| {
                        let now = self.fixed.value("aws:currenttime").and_then(|v| match v {
                            ContextValue::One(t) => values::date_millis(t),
                            ContextValue::Many(_) => None,
                        });
                        k.admits(text, now)
                    })
                    && info
                        .exclude_ranges
                        .iter()
                        .all(|r| r.contains(text) != Some(true))
            }
            _ => {
                let mut syms: Vec<Sym> = self
                    .base
                    .iter()
                    .filter(|(x, _)| *x == v)
                    .map(|(_, s)| s.clone())
                    .collect();
                syms.extend(self.syms(lits));
                syms.iter()
                    .all(|s| eval_sym(s, &|i| self.automata[i].accepts(text)))
            }
        }
    }

    /// [`nfa::solve`], within this space's budget of work.
    fn solve_syms(&mut self, syms: &[Sym]) -> Found {
        if self.work > MAX_WORK {
            return Found::Unknown;
        }
        let (found, states) = nfa::solve_counted(&self.automata, syms);
        self.work += states;
        found
    }

    fn syms(&self, lits: &[(usize, bool)]) -> Vec<Sym> {
        lits.iter()
            .filter_map(|(a, p)| match &self.atoms[*a] {
                Atom::Str(s) => Some(if *p { s.clone() } else { s.clone().not() }),
                _ => None,
            })
            .collect()
    }

    fn solve_str(&mut self, v: Var, lits: &[(usize, bool)]) -> Outcome {
        let mut syms: Vec<Sym> = self
            .base
            .iter()
            .filter(|(x, _)| *x == v)
            .map(|(_, s)| s.clone())
            .collect();
        syms.extend(self.syms(lits));
        match self.solve_syms(&syms) {
            Found::Yes(s) => Outcome::Sat(Value::Str(s)),
            Found::No => Outcome::Unsat,
            Found::Unknown => Outcome::Unknown,
        }
    }

    fn solve_action(&self, lits: &[(usize, bool)]) -> Outcome {
        for (i, a) in self.domain.iter().enumerate() {
            let ok = lits.iter().all(|(atom, p)| match &self.atoms[*atom] {
                Atom::Action { stmt } => action_applies(&self.doc.compiled[*stmt], a) == *p,
                _ => true,
            });
            if ok {
                return Outcome::Sat(Value::Action(i));
            }
        }
        Outcome::Unsat
    }

    fn conds_of(&self, lits: &[(usize, bool)]) -> Vec<(&'a Cond, bool)> {
        lits.iter()
            .filter_map(|(a, p)| match self.atoms[*a] {
                Atom::Cond { stmt, cond } => Some((&self.doc.compiled[stmt].conditions[cond], *p)),
                _ => None,
            })
            .collect()
    }

    /// Whether every literal holds with `key` set to `v` (and the resource's own keys, which
    /// policy variables may name, as they are).
    fn holds(&self, conds: &[(&Cond, bool)], key: &str, v: Option<&ContextValue>) -> bool {
        let mut ctx = self.fixed.clone();
        if let Some(v) = v {
            ctx.insert(key, v.clone());
        }
        conds.iter().all(|(c, p)| condition_holds(c, &ctx) == *p)
    }

    fn solve_key(&mut self, k: usize, lits: &[(usize, bool)]) -> Outcome {
        let info = self.keys[k].clone();
        let conds = self.conds_of(lits);
        if let Some(fixed) = &info.fixed {
            return if self.holds(&conds, &info.name, fixed.as_ref()) {
                Outcome::Sat(Value::Key(fixed.clone()))
            } else {
                Outcome::Unsat
            };
        }
        if info.presence == Presence::Optional && self.holds(&conds, &info.name, None) {
            return Outcome::Sat(Value::Key(None));
        }
        if info.multi {
            return self.solve_list(&info, &conds);
        }
        // One value: each condition as it reads a value.
        let elems: Vec<(&Cond, bool)> = conds.clone();
        match self.solve_value(&info, &elems) {
            Outcome::Sat(Value::Str(v)) => {
                let v = ContextValue::One(v);
                if self.holds(&conds, &info.name, Some(&v)) {
                    Outcome::Sat(Value::Key(Some(v)))
                } else {
                    Outcome::Unknown
                }
            }
            Outcome::Sat(_) | Outcome::Unknown => Outcome::Unknown,
            Outcome::Unsat => Outcome::Unsat,
        }
    }

    /// One value meeting each condition (as a condition reads one value of its key; a
    /// set operator reads it as a list of one), and the key's exclusions.
    fn solve_value(&mut self, info: &KeyInfo, conds: &[(&Cond, bool)]) -> Outcome {
        let mut syms = Vec::new();
        let mut typed = Vec::new();
        for (c, p) in conds {
            if c.op == Op::Null {
                typed.push((*c, *p));
                continue;
            }
            let view = self.view_of(c);
            match self.cond_kind(c, view, |n| n) {
                CondKind::Sym(s) => syms.push(if *p { s } else { s.not() }),
                CondKind::Typed => typed.push((*c, *p)),
                CondKind::Free => {}
            }
        }
        let from_conditions = syms.len();
        for e in &info.exclude {
            syms.push(Sym::Accepts(*e).not());
        }
        syms.extend(info.require.iter().map(|r| Sym::Accepts(*r)));
        // An empty value is no value.
        syms.push(Sym::Accepts(self.nonempty));
        let now = self.fixed.value("aws:currenttime").and_then(|v| match v {
            ContextValue::One(t) => values::date_millis(t),
            ContextValue::Many(_) => None,
        });
        let allowed = |this: &Self, v: &str| {
            let ok_typed = this.holds(&typed, &info.name, Some(&ContextValue::One(v.into())));
            let ok_range = info
                .exclude_ranges
                .iter()
                .all(|r| r.contains(v) != Some(true));
            let ok_kind = info.kind.is_none_or(|k| k.admits(v, now));
            ok_typed && ok_range && ok_kind
        };
        if info.kind.is_none() && info.exclude_ranges.is_empty() {
            // `Null` asks only whether the key is there: the same for every value.
            if typed.iter().all(|(c, _)| c.op == Op::Null) {
                return match self.solve_syms(&syms) {
                    Found::Yes(v) if allowed(self, &v) => Outcome::Sat(Value::Str(v)),
                    Found::Yes(_) | Found::No => Outcome::Unsat,
                    Found::Unknown => Outcome::Unknown,
                };
            }
        }
        // Numbers, dates and addresses: a value in every interval the thresholds cut (the
        // key's own excluded ranges included), and values of the key's kind.
        let mut candidates = typed_candidates(&typed, &info.exclude_ranges);
        if let Some(k) = info.kind {
            candidates.extend(k.samples(now));
        }
        let string_witness = if from_conditions == 0 {
            None
        } else {
            match self.solve_syms(&syms) {
                Found::Yes(v) => Some(v),
                Found::No => return Outcome::Unsat,
                Found::Unknown => return Outcome::Unknown,
            }
        };
        candidates.extend(string_witness.clone());
        for v in candidates {
            let meets_syms = syms.iter().all(|s| {
                let one = |i: usize| self.automata[i].accepts(&v);
                eval_sym(s, &one)
            });
            if meets_syms && allowed(self, &v) {
                return Outcome::Sat(Value::Str(v));
            }
        }
        let families: std::collections::BTreeSet<u8> = typed
            .iter()
            .map(|(c, _)| family(c.op))
            .filter(|f| *f != 0)
            .collect();
        // Exact when the values are few (a boolean), or one kind of comparison decides and
        // nothing else constrains the text (a value of every interval was tried).
        if info.kind == Some(Kind::Bool)
            || (from_conditions == 0
                && info.exclude.is_empty()
                && info.require.is_empty()
                && families.len() <= 1
                && info.kind.is_none_or(|k| match k {
                    Kind::Ip => families.iter().all(|f| *f == 3),
                    Kind::Date { .. } => families.iter().all(|f| *f == 2),
                    Kind::Number => families.iter().all(|f| *f == 1),
                    Kind::Bool => true,
                }))
        {
            Outcome::Unsat
        } else {
            Outcome::Unknown
        }
    }

    fn view_of(&self, c: &Cond) -> &'a Condition {
        for (i, s) in self.doc.compiled.iter().enumerate() {
            for x in s.conditions.iter() {
                if std::ptr::eq(x, c) {
                    return &self.doc.statements()[i].conditions[x.view];
                }
            }
        }
        &self.doc.statements()[0].conditions[0]
    }

    /// A list value: one element for each condition that asks for one, each also meeting
    /// the conditions every element must meet.
    fn solve_list(&mut self, info: &KeyInfo, conds: &[(&Cond, bool)]) -> Outcome {
        let mut every: Vec<(&Cond, bool)> = Vec::new();
        let mut some: Vec<(&Cond, bool)> = Vec::new();
        let mut whole: Vec<(&Cond, bool)> = Vec::new();
        for (c, p) in conds {
            match (c.op, c.set, *p) {
                (Op::Null, _, _) => whole.push((c, *p)),
                (_, SetOp::ForAnyValue, true) | (_, SetOp::ForAllValues, false) => {
                    some.push((c, *p))
                }
                (_, SetOp::ForAnyValue, false) | (_, SetOp::ForAllValues, true) => {
                    every.push((c, *p))
                }
                // A single-valued operator never holds for a list.
                (_, SetOp::Single, true) => return Outcome::Unsat,
                (_, SetOp::Single, false) => {}
            }
        }
        let mut elements = Vec::new();
        for s in &some {
            let mut need = every.clone();
            need.push(*s);
            match self.solve_value(info, &need) {
                Outcome::Sat(Value::Str(v)) => elements.push(v),
                Outcome::Sat(_) | Outcome::Unknown => return Outcome::Unknown,
                Outcome::Unsat => return Outcome::Unsat,
            }
        }
        let v = ContextValue::Many(elements);
        if self.holds(conds, &info.name, Some(&v)) && self.holds(&whole, &info.name, Some(&v)) {
            Outcome::Sat(Value::Key(Some(v)))
        } else {
            Outcome::Unknown
        }
    }

    /// The organisation: none, one the policy names, or another one; its one path starts
    /// with its id.
    fn solve_org(&mut self, lits: &[(usize, bool)]) -> Outcome {
        let conds = self.conds_of(lits);
        let (ids, paths): (Lits<'_>, Lits<'_>) = conds
            .iter()
            .partition(|(c, _)| &*c.key == "aws:principalorgid");
        let none = |key: &str, list: &[(&Cond, bool)]| self.holds(list, key, None);
        if none("aws:principalorgid", &ids) && none("aws:principalorgpaths", &paths) {
            return Outcome::Sat(Value::Org(None));
        }
        let mut choices: Vec<String> = self.orgs.named.clone();
        // One the policy does not name.
        let mut named: Vec<String> = self.orgs.named.clone();
        named.extend(self.orgs.excluded.iter().cloned());
        let shape = self.automaton(lit("o-").then(&Nfa::repeat(
            CharSet::of(Class::LowerAlnum),
            10,
            Some(32),
        )));
        let others: Vec<Nfa> = named.iter().map(|o| lit(o)).collect();
        let other = self.automaton(Nfa::union(&others));
        let mut need = ids.clone();
        need.retain(|(c, _)| c.op != Op::Null);
        let fresh = {
            let mut syms = vec![Sym::Accepts(shape)];
            for (c, p) in &need {
                let view = self.view_of(c);
                match self.cond_kind(c, view, |n| n) {
                    CondKind::Sym(s) => syms.push(if *p { s } else { s.not() }),
                    _ => return Outcome::Unknown,
                }
            }
            if !named.is_empty() {
                syms.push(Sym::Accepts(other).not());
            }
            let readable = "o-auditoroutsider";
            if syms
                .iter()
                .all(|s| eval_sym(s, &|i| self.automata[i].accepts(readable)))
            {
                Some(readable.to_owned())
            } else {
                match self.solve_syms(&syms) {
                    Found::Yes(v) => Some(v),
                    Found::No => None,
                    Found::Unknown => return Outcome::Unknown,
                }
            }
        };
        choices.extend(fresh);
        let mut unknown = false;
        for org in choices {
            let id = ContextValue::One(org.clone());
            if !self.holds(&ids, "aws:principalorgid", Some(&id)) {
                continue;
            }
            // Its path: `o-.../r-.../` then organisational units.
            let path_shape = self.automaton(
                lit(&format!("{org}/r-"))
                    .then(&Nfa::repeat(CharSet::of(Class::LowerAlnum), 4, Some(32)))
                    .then(&lit("/"))
                    .then(&Nfa::repeat(CharSet::any_but(':'), 0, None)),
            );
            let mut syms = vec![Sym::Accepts(path_shape)];
            let mut ok = true;
            for (c, p) in &paths {
                if c.op == Op::Null {
                    continue;
                }
                // One path: every set operator reads that one element.
                let holds_elem = match (c.set, *p) {
                    (SetOp::Single, true) => {
                        ok = false;
                        break;
                    }
                    (SetOp::Single, false) => continue,
                    (_, p) => p,
                };
                let view = self.view_of(c);
                match self.cond_kind(c, view, |n| n) {
                    CondKind::Sym(s) => syms.push(if holds_elem { s } else { s.not() }),
                    _ => {
                        unknown = true;
                        ok = false;
                        break;
                    }
                }
            }
            if !ok {
                continue;
            }
            match self.solve_syms(&syms) {
                Found::Yes(path) => {
                    let v = ContextValue::Many(vec![path.clone()]);
                    if self.holds(&paths, "aws:principalorgpaths", Some(&v)) {
                        return Outcome::Sat(Value::Org(Some((org, path))));
                    }
                    unknown = true;
                }
                Found::No => {}
                Found::Unknown => unknown = true,
            }
        }
        if unknown {
            Outcome::Unknown
        } else {
            Outcome::Unsat
        }
    }
}

/// Conditions with the truth each must have.
type Lits<'c> = Vec<(&'c Cond, bool)>;

/// The account a polished witness names when it can.
const OUTSIDER_ACCOUNT: &str = "999999999999";
/// The names a polished witness uses when it can.
const OUTSIDER: &str = "auditor-outsider";

/// A pattern filled in: an ARN's region and account wildcards with a region and the
/// outsider's account, every other `*` with `auditor-outsider`, `?` with `x`.
fn fill(pattern: &str) -> String {
    let segs = split_arn(pattern);
    if segs.len() == 6 && segs[0] == "arn" {
        let region = if segs[3].contains(['*', '?']) {
            "us-east-1".to_owned()
        } else {
            segs[3].to_owned()
        };
        let account = if segs[4].contains(['*', '?']) {
            OUTSIDER_ACCOUNT.to_owned()
        } else {
            segs[4].to_owned()
        };
        let rest: Vec<String> = [segs[1], segs[2]].iter().map(|x| fill(x)).collect();
        return format!(
            "arn:{}:{}:{region}:{account}:{}",
            rest[0],
            rest[1],
            fill(segs[5])
        );
    }
    pattern.replace('*', OUTSIDER).replace('?', "x")
}

fn eval_sym(s: &Sym, acc: &dyn Fn(usize) -> bool) -> bool {
    match s {
        Sym::True => true,
        Sym::False => false,
        Sym::Accepts(i) => acc(*i),
        Sym::Not(x) => !eval_sym(x, acc),
        Sym::And(l) => l.iter().all(|x| eval_sym(x, acc)),
    }
}

/// 1 numbers, 2 dates, 3 addresses, 0 others.
fn family(op: Op) -> u8 {
    match op {
        Op::NumericEquals
        | Op::NumericNotEquals
        | Op::NumericLessThan
        | Op::NumericLessThanEquals
        | Op::NumericGreaterThan
        | Op::NumericGreaterThanEquals => 1,
        Op::DateEquals
        | Op::DateNotEquals
        | Op::DateLessThan
        | Op::DateLessThanEquals
        | Op::DateGreaterThan
        | Op::DateGreaterThanEquals => 2,
        Op::IpAddress | Op::NotIpAddress => 3,
        _ => 0,
    }
}

/// A value in every interval the conditions' thresholds (and `ranges`) cut, for each kind,
/// and one that is no number, date or address.
fn typed_candidates(conds: &[(&Cond, bool)], ranges_too: &[IpRange]) -> Vec<String> {
    let mut numbers: Vec<f64> = Vec::new();
    let mut dates: Vec<i128> = Vec::new();
    let mut ranges: Vec<(u128, u128, bool)> = Vec::new();
    for (c, _) in conds {
        for v in c.values.iter() {
            match v {
                CondValue::Number(Some(n)) => numbers.push(*n),
                CondValue::Date(Some(d)) => dates.push(*d),
                CondValue::Ip(Some(r)) => ranges.push(r.bounds()),
                _ => {}
            }
        }
    }
    ranges.extend(ranges_too.iter().map(IpRange::bounds));
    let mut out = vec!["auditor-outsider".to_owned()];
    if !numbers.is_empty() {
        numbers.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        let mut points = vec![numbers[0] - 1.0, numbers[numbers.len() - 1] + 1.0];
        for w in numbers.windows(2) {
            points.push((w[0] + w[1]) / 2.0);
        }
        points.extend(numbers.iter().copied());
        out.extend(
            points
                .into_iter()
                .filter(|x| x.is_finite())
                .map(|x| format!("{x}")),
        );
    }
    if !dates.is_empty() {
        dates.sort_unstable();
        let mut points = vec![dates[0] - 1, dates[dates.len() - 1] + 1];
        for w in dates.windows(2) {
            points.push(w[0] + (w[1] - w[0]) / 2);
        }
        points.extend(dates.iter().copied());
        for p in points {
            if p.rem_euclid(1000) == 0 && p >= 0 {
                out.push((p / 1000).to_string());
            }
            out.extend(values::format_millis(p));
        }
    }
    out.push("198.51.100.7".into());
    out.push("2001:db8::7".into());
    for (start, end, v6) in ranges {
        let max = if v6 { u128::MAX } else { u128::from(u32::MAX) };
        for a in [
            Some(start),
            Some(end),
            start.checked_sub(1),
            end.checked_add(1).filter(|x| *x <= max),
        ]
        .into_iter()
        .flatten()
        {
            out.push(IpRange::format(a, v6));
        }
    }
    out
}

/// Splits an ARN at its first five colons, keeping `${...}` whole.
pub(crate) fn split_arn(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < 5 {
        if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
            if let Some(end) = s[i..].find('}') {
                i += end + 1;
                continue;
            }
        }
        if bytes[i] == b':' {
            out.push(&s[start..i]);
            start = i + 1;
        }
        i += 1;
    }
    out.push(&s[start..]);
    out
}

/// A Resource element's ARN as automata, matched as AWS does: each segment on its own,
/// except that a `*` ending a segment may run past colons; a short ARN not ending in `*`
/// has its missing segments as `*`, and without any wildcard matches nothing in a
/// resource policy. `None` when it holds a policy variable; `Some(None)` when it matches
/// nothing.
fn resource_nfa(r: &str, version: Version) -> Option<Option<Nfa>> {
    if !r.is_empty() && r.bytes().all(|b| b == b'*') {
        return Some(Some(Nfa::anything()));
    }
    let mut seg = split_arn(r);
    let short = seg.len() < 6;
    if short && !r.contains(['*', '?']) {
        return Some(None);
    }
    let ends_star = |s: &str| s.ends_with('*') && !s.ends_with("${*}");
    let crossing = (short && ends_star(r)) || (!short && seg[1..5].iter().any(|s| ends_star(s)));
    if short && !ends_star(r) {
        while seg.len() < 6 {
            seg.push("*");
        }
    }
    let within = CharSet::any_but(':');
    let any = CharSet::of(Class::Any);
    let mut n = lit("arn:");
    let last = seg.len() - 1;
    for (i, part) in seg.iter().enumerate().skip(1) {
        if i == 5 {
            n = n.then(&Nfa::glob(&glob_parts(part, version)?, false, &any));
            break;
        }
        let stem = part.trim_end_matches('*');
        if crossing && ends_star(part) {
            n = n
                .then(&Nfa::glob(&glob_parts(stem, version)?, false, &within))
                .then(&Nfa::anything());
        } else {
            n = n.then(&Nfa::glob(&glob_parts(part, version)?, false, &within));
        }
        if i < last {
            n = n.then(&lit(":"));
        }
    }
    Some(Some(n))
}
