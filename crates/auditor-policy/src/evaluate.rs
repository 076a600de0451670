//! Deciding a request across the policy types of an account, as "Policy evaluation logic"
//! in the IAM User Guide describes it.
//!
//! 1. An explicit `Deny` in the identity policies, the permissions boundary or the
//!    resource policy denies. A resource-policy `Deny` naming the caller's account
//!    (`"AWS": "111122223333"`) denies every principal of that account.
//! 2. Within one account, an `Allow` in the identity policies, or an `Allow` in the
//!    resource policy naming the principal itself (its ARN, its role for a session, or
//!    `*`), allows. A resource policy that names only the account delegates to IAM: the
//!    identity policies must allow. For `sts:` actions with a trust policy (and KMS key
//!    policies) the resource policy must allow the principal or its account even within
//!    the account: identity policies alone are not trusted.
//! 3. Across accounts, the resource policy must allow the principal or its account, and
//!    the principal's identity policies must allow.
//! 4. A permissions boundary must allow too; within one account, a resource policy that
//!    allows a user, a role session or `*` directly is not limited by the boundary (one
//!    that names the role ARN is). A `Deny` with `NotPrincipal` in a resource policy
//!    always applies to a principal with a boundary.
//!
//! Statements match on action (case-insensitive wildcards), resource (ARN segments, the
//! resource type literal, the rest a wildcard pattern with policy variables), principal
//! (resource policies) and every condition.

use crate::context::{Context, ContextValue};
use crate::document::{
    ActionPattern, ArnPattern, AwsPrincipal, Compiled, Cond, CondValue, Crossing, Op,
    PolicyDocument, PrincipalSet, ResourcePattern, SetOp, TextValue,
};
use crate::request::{Action, ArnParts, Caller, CallerKind, Request, ServiceKind};
use crate::template::Unresolved;
use crate::values;
use auditor_model::wildcard::Wildcard;

/// A named policy of one of the types.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    /// A name for evidence: the policy ARN, or `role/x inline policy y`.
    pub name: &'a str,
    /// The document.
    pub doc: &'a PolicyDocument,
}

impl<'a> Named<'a> {
    /// Names a document.
    pub fn new(name: &'a str, doc: &'a PolicyDocument) -> Self {
        Named { name, doc }
    }
}

/// The policies that apply to one request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Identity policies: inline and attached, of the principal and (for users) its groups.
    pub identity: Vec<Named<'a>>,
    /// The permissions boundary, if the principal has one.
    pub boundary: Option<Named<'a>>,
    /// The resource-based policy of the resource (a bucket policy, a trust policy).
    pub resource: Option<Named<'a>>,
}

/// The outcome, named as AWS's policy simulator names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// A statement denies explicitly.
    ExplicitDeny,
    /// Nothing allows (or a boundary does not).
    ImplicitDeny,
}

impl Decision {
    /// `Allowed`, `ExplicitlyDenied`, `ImplicitlyDenied`.
    pub fn aws_name(self) -> &'static str {
        match self {
            Decision::Allow => "Allowed",
            Decision::ExplicitDeny => "ExplicitlyDenied",
            Decision::ImplicitDeny => "ImplicitlyDenied",
        }
    }
}

/// Which policy of the set a statement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// An identity-based policy.
    Identity,
    /// The permissions boundary.
    Boundary,
    /// The resource-based policy.
    Resource,
}

/// A statement that took part in a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    /// The policy's name.
    pub policy: String,
    /// `Statement[Sid=X]` or `Statement[i]`.
    pub statement: String,
    /// Where the policy sits.
    pub layer: Layer,
    /// True for an `Allow`.
    pub allow: bool,
}

/// A condition the evaluation took in the requester's favour (see
/// [`Context::assume_unknown`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumption {
    /// The policy's name.
    pub policy: String,
    /// `Statement[Sid=X]` or `Statement[i]`.
    pub statement: String,
    /// `true`: an Allow's conditions taken as met; `false`: a Deny that, as written,
    /// refuses the request, taken as avoided.
    pub allow: bool,
    /// The conditions, as `operator key values; ...`.
    pub conditions: String,
}

/// A decision with the statements behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The outcome.
    pub decision: Decision,
    /// The Allow statements that grant it (identity and resource policy), when allowed.
    pub granted_by: Vec<StatementRef>,
    /// The boundary's Allow statements that let it through, when allowed.
    pub bounded_by: Vec<StatementRef>,
    /// The Deny statements that deny it, when explicitly denied.
    pub denied_by: Vec<StatementRef>,
    /// Conditions assumed on the way.
    pub assumed: Vec<Assumption>,
}

// ---------------------------------------------------------------------------------------
// Matching one statement

/// How a resource policy's principal element matches the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PrincipalMatch {
    No,
    /// Names the caller's account.
    Account,
    /// Names the role of a session (or the user of a federated session).
    Session,
    /// Names the caller (its ARN, or `*`).
    Direct,
}

fn action_matches(items: &[ActionPattern], action: &Action) -> bool {
    items.iter().any(|a| match a {
        ActionPattern::Any => true,
        ActionPattern::Service { service, name } => {
            auditor_model::wildcard::same_text(service, action.service())
                && name.is_match(action.name())
        }
    })
}

/// Resource element outcome of one pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Res {
    Yes,
    No,
    /// Cannot decide (a policy variable without value, a request that is not an ARN): the
    /// statement does not apply, whether Resource or NotResource.
    Never,
}

/// `text` without `prefix`, if it starts with it.
fn strip<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    if prefix.is_empty() {
        return Some(text);
    }
    let head = text.get(..prefix.len())?;
    auditor_model::wildcard::same_text(head, prefix).then(|| &text[prefix.len()..])
}

/// Whether the pattern's first four segments match the ARN's.
fn head_matches(p: &ArnPattern, r: &ArnParts<'_>) -> bool {
    match &p.head {
        Some(h) => auditor_model::wildcard::same_text(h, r.head),
        None => {
            p.partition.is_match(r.partition)
                && p.service.is_match(r.service)
                && p.region.is_match(r.region)
                && p.account.is_match(r.account)
        }
    }
}

fn arn_matches(p: &ArnPattern, r: &ArnParts<'_>, ctx: &Context) -> Res {
    let rest = |text: &str| {
        let Some(id) = strip(text, &p.product) else {
            return Res::No;
        };
        match p.id.is_match(id, ctx) {
            Ok(true) => Res::Yes,
            Ok(false) => Res::No,
            Err(Unresolved) => Res::Never,
        }
    };
    let by_segment = if head_matches(p, r) {
        rest(r.resource)
    } else {
        Res::No
    };
    match (&p.crossing, by_segment) {
        (Some(c), Res::No) => crossing_matches(c, r, rest),
        _ => by_segment,
    }
}

/// The Resource ARN `c` against `r` with each `*` that ends a segment free to run past
/// colons; `rest` matches the pattern's resource part against the remaining text. Only
/// asked when segment-by-segment matching failed: an ARN without colons in its resource
/// part has no more segments than the pattern, and is answered at once.
fn crossing_matches<'a>(c: &Crossing, r: &ArnParts<'a>, rest: impl Fn(&str) -> Res) -> Res {
    let extra = memchr::memchr_iter(b':', r.resource.as_bytes()).count();
    let n = 5 + extra;
    let k = c.head.len();
    if n <= k + usize::from(c.resource) {
        return Res::No;
    }
    // Text segments: the four of the head, then the resource part's pieces between colons
    // (`starts` holds where each piece begins within the resource part).
    let mut starts = Vec::with_capacity(extra + 1);
    starts.push(0);
    starts.extend(memchr::memchr_iter(b':', r.resource.as_bytes()).map(|i| i + 1));
    let piece = |j: usize| -> &'a str {
        match j {
            0 => r.partition,
            1 => r.service,
            2 => r.region,
            3 => r.account,
            _ => {
                let m = j - 4;
                let end = starts.get(m + 1).map_or(r.resource.len(), |e| e - 1);
                &r.resource[starts[m]..end]
            }
        }
    };
    // memo[i * (n + 1) + j]: pattern segment i starting at text segment j.
    let mut memo = vec![None::<Res>; (k + 1) * (n + 1)];
    fn go<'t>(
        c: &Crossing,
        i: usize,
        j: usize,
        n: usize,
        piece: &dyn Fn(usize) -> &'t str,
        remainder: &dyn Fn(usize) -> Res,
        memo: &mut Vec<Option<Res>>,
    ) -> Res {
        let k = c.head.len();
        if let Some(r) = memo[i * (n + 1) + j] {
            return r;
        }
        let out = if i == k {
            if c.resource && j < n {
                remainder(j)
            } else {
                Res::No
            }
        } else if j >= n {
            Res::No
        } else {
            let (w, star) = &c.head[i];
            let last = i + 1 == k && !c.resource;
            if !w.is_match(piece(j)) {
                Res::No
            } else if last {
                if *star || j + 1 == n {
                    Res::Yes
                } else {
                    Res::No
                }
            } else {
                let mut best = go(c, i + 1, j + 1, n, piece, remainder, memo);
                if *star {
                    for j2 in j + 2..n {
                        if best == Res::Yes {
                            break;
                        }
                        match go(c, i + 1, j2, n, piece, remainder, memo) {
                            Res::Yes => best = Res::Yes,
                            Res::Never => best = Res::Never,
                            Res::No => {}
                        }
                    }
                }
                best
            }
        };
        memo[i * (n + 1) + j] = Some(out);
        out
    }
    let remainder = |j: usize| -> Res {
        // Text segments j.. are within the resource part (j >= 4).
        match j.checked_sub(4) {
            Some(m) => rest(&r.resource[starts[m]..]),
            None => Res::No,
        }
    };
    go(c, 0, 0, n, &piece, &remainder, &mut memo)
}

fn resource_matches(p: &ResourcePattern, r: &ArnParts<'_>, layer: Layer, ctx: &Context) -> Res {
    match p {
        ResourcePattern::Any => Res::Yes,
        _ if r.all => Res::No,
        _ if !r.valid => Res::Never,
        ResourcePattern::Arn {
            short: true,
            wildcard: false,
            ..
        } if layer == Layer::Resource => Res::No,
        ResourcePattern::Arn { arn, .. } => arn_matches(arn, r, ctx),
    }
}

fn principal_matches(set: &PrincipalSet, caller: &Caller<'_>) -> PrincipalMatch {
    let mut best = PrincipalMatch::No;
    if caller.kind == CallerKind::Anonymous {
        return if set.has_wildcard() {
            PrincipalMatch::Direct
        } else {
            PrincipalMatch::No
        };
    }
    let eq = |list: &[Box<str>]| list.iter().any(|x| **x == *caller.text);
    if eq(&set.service) || eq(&set.federated) || eq(&set.canonical) {
        return PrincipalMatch::Direct;
    }
    let fed_user = caller.federated_user_arn();
    for a in set.aws.iter() {
        let m = match a {
            AwsPrincipal::Any => PrincipalMatch::Direct,
            AwsPrincipal::Account(acct) if caller.account == Some(&**acct) => {
                PrincipalMatch::Account
            }
            AwsPrincipal::Arn(arn) if **arn == *caller.text => PrincipalMatch::Direct,
            AwsPrincipal::Arn(arn) if caller.kind == CallerKind::AssumedRole => {
                let role = crate::request::Caller::parse(Some(arn));
                if role.kind == CallerKind::Role
                    && role.partition == caller.partition
                    && role.account == caller.account
                    && role.role_name.eq_ignore_ascii_case(caller.role_name)
                {
                    PrincipalMatch::Session
                } else {
                    PrincipalMatch::No
                }
            }
            AwsPrincipal::Arn(arn) if fed_user.as_deref() == Some(&**arn) => {
                PrincipalMatch::Session
            }
            _ => PrincipalMatch::No,
        };
        best = best.max(m);
    }
    best
}

/// One policy value against one request value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum One {
    Match,
    NoMatch,
    /// The values cannot be compared (a value that is not a number, a date, an address
    /// or an ARN): never true, whether the operator is negated or not.
    Unreadable,
}

impl From<bool> for One {
    fn from(b: bool) -> One {
        if b {
            One::Match
        } else {
            One::NoMatch
        }
    }
}

impl From<Option<bool>> for One {
    fn from(b: Option<bool>) -> One {
        match b {
            Some(true) => One::Match,
            Some(false) => One::NoMatch,
            None => One::Unreadable,
        }
    }
}

/// Whether a `NotPrincipal` list leaves the caller out. AWS checks a request at each
/// level of the caller's identity (the account, then the role or user, then the session),
/// so the caller is left out only when every level is listed ("AWS JSON policy elements:
/// NotPrincipal": list the account's ARN, the role's ARN and the session's ARN).
fn not_principal_excludes(set: &PrincipalSet, caller: &Caller<'_>) -> bool {
    if set.has_wildcard() {
        return true;
    }
    if caller.kind == CallerKind::Anonymous {
        return false;
    }
    let eq = |list: &[Box<str>]| list.iter().any(|x| **x == *caller.text);
    if eq(&set.service) || eq(&set.federated) || eq(&set.canonical) {
        return true;
    }
    let account = || {
        set.aws
            .iter()
            .any(|a| matches!(a, AwsPrincipal::Account(acct) if caller.account == Some(&**acct)))
    };
    let arn = |text: &str| {
        set.aws
            .iter()
            .any(|a| matches!(a, AwsPrincipal::Arn(x) if **x == *text))
    };
    match caller.kind {
        CallerKind::Root => account(),
        CallerKind::Role | CallerKind::User | CallerKind::FederatedUser => {
            account() && arn(caller.text)
        }
        CallerKind::AssumedRole => {
            let role = set.aws.iter().any(|a| match a {
                AwsPrincipal::Arn(x) => {
                    let r = Caller::parse(Some(x));
                    r.kind == CallerKind::Role
                        && r.partition == caller.partition
                        && r.account == caller.account
                        && r.role_name.eq_ignore_ascii_case(caller.role_name)
                }
                _ => false,
            });
            account() && role && arn(caller.text)
        }
        _ => arn(caller.text),
    }
}

/// Whether the condition holds for one request value.
fn value_holds(c: &Cond, v: &str, ctx: &Context) -> bool {
    // A policy variable without value is "effectively null": no value equals or is like
    // it, so positive operators do not match and negated ones do ("Policy variables with
    // no value", IAM User Guide).
    let each = |pv: &CondValue| -> One {
        match (c.op, pv) {
            (Op::StringEquals | Op::StringNotEquals | Op::BinaryEquals, CondValue::Text(t)) => {
                match t {
                    TextValue::Fixed(p) => (**p == *v).into(),
                    TextValue::Variable(t) => t.equals(v, false, ctx).unwrap_or(false).into(),
                }
            }
            (Op::StringEqualsIgnoreCase | Op::StringNotEqualsIgnoreCase, CondValue::Text(t)) => {
                match t {
                    TextValue::Fixed(p) => eq_ignore_case(p, v).into(),
                    TextValue::Variable(t) => t.equals(v, true, ctx).unwrap_or(false).into(),
                }
            }
            (Op::Bool, CondValue::Text(t)) => match text(t, ctx) {
                Ok(p) => values::boolean(&p)
                    .and_then(|want| values::boolean(v).map(|got| got == want))
                    .into(),
                Err(Unresolved) => One::NoMatch,
            },
            (_, CondValue::Like(m)) => match m.is_match(v, ctx) {
                Ok(b) => b.into(),
                Err(Unresolved) => One::NoMatch,
            },
            (op, CondValue::Number(n)) => n
                .and_then(|p| {
                    let r = values::number(v)?;
                    Some(match op {
                        Op::NumericEquals | Op::NumericNotEquals => r == p,
                        Op::NumericLessThan => r < p,
                        Op::NumericLessThanEquals => r <= p,
                        Op::NumericGreaterThan => r > p,
                        _ => r >= p,
                    })
                })
                .into(),
            (op, CondValue::Date(d)) => d
                .and_then(|p| {
                    let r = values::date_millis(v)?;
                    Some(match op {
                        Op::DateEquals | Op::DateNotEquals => r == p,
                        Op::DateLessThan => r < p,
                        Op::DateLessThanEquals => r <= p,
                        Op::DateGreaterThan => r > p,
                        _ => r >= p,
                    })
                })
                .into(),
            (_, CondValue::Ip(range)) => range.and_then(|r| r.contains(v)).into(),
            (_, CondValue::Arn(segs)) => {
                let Some(segs) = segs.as_ref() else {
                    return One::Unreadable;
                };
                let r = ArnParts::parse(v);
                if !r.valid {
                    return One::Unreadable;
                }
                let parts = [r.partition, r.service, r.region, r.account, r.resource];
                for (m, part) in segs.iter().zip(parts) {
                    match m.is_match(part, ctx) {
                        Ok(true) => {}
                        Ok(false) | Err(Unresolved) => return One::NoMatch,
                    }
                }
                One::Match
            }
            _ => One::Unreadable,
        }
    };
    if c.op.negated() {
        c.values.iter().all(|pv| each(pv) == One::NoMatch)
    } else {
        c.values.iter().any(|pv| each(pv) == One::Match)
    }
}

fn text<'t>(t: &'t TextValue, ctx: &Context) -> Result<std::borrow::Cow<'t, str>, Unresolved> {
    match t {
        TextValue::Fixed(s) => Ok(std::borrow::Cow::Borrowed(s)),
        TextValue::Variable(t) => t.render(ctx).map(std::borrow::Cow::Owned),
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// The value of a key as conditions see it: an empty string is no value ("it is possible
/// to include an empty string. In this case, the value in the request context is null",
/// "IAM JSON policy elements: Condition"), as is a list of empty strings.
fn present(v: Option<&ContextValue>) -> Option<&ContextValue> {
    match v? {
        ContextValue::One(s) if s.is_empty() => None,
        ContextValue::Many(l) if !l.is_empty() && l.iter().all(String::is_empty) => None,
        v => Some(v),
    }
}

/// Whether a condition holds in `ctx` (as written: no assumption).
pub(crate) fn condition_holds(c: &Cond, ctx: &Context) -> bool {
    let v = present(ctx.get(&c.key));
    if c.op == Op::Null {
        // With a set operator, Null is constant: "When you use the Null condition operator
        // with ForAllValues, the statement always returns true. When you use the Null
        // condition operator with ForAnyValue, the statement always returns false" (IAM
        // Access Analyzer policy checks, "Null with qualifier").
        match c.set {
            SetOp::ForAllValues => return true,
            SetOp::ForAnyValue => return false,
            SetOp::Single => {}
        }
        let absent = v.is_none();
        return c
            .values
            .iter()
            .any(|pv| matches!(pv, CondValue::Null(Some(want)) if *want == absent));
    }
    match c.set {
        SetOp::Single => match v {
            None => c.if_exists || c.op.negated(),
            Some(ContextValue::One(s)) => value_holds(c, s, ctx),
            // A single-valued operator cannot test a multivalued key.
            Some(ContextValue::Many(_)) => false,
        },
        SetOp::ForAnyValue => match v {
            None => false,
            Some(v) => v.values().iter().any(|s| value_holds(c, s, ctx)),
        },
        SetOp::ForAllValues => match v {
            None => true,
            Some(v) => v.values().iter().all(|s| value_holds(c, s, ctx)),
        },
    }
}

/// How the conditions of a statement turn out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conds {
    /// All hold (or, in an Allow, those that fail are on assumed keys).
    Hold,
    /// One fails.
    Fail,
    /// A Deny with a condition on an assumed key: taken as avoidable.
    Avoidable,
}

fn conditions(conds: &[Cond], allow: bool, ctx: &Context) -> (Conds, bool) {
    // (outcome, whether an assumption was used)
    let mut assumed = false;
    for c in conds {
        if ctx.assumes() && ctx.is_assumed(&c.key) {
            if allow {
                assumed = true;
                continue;
            }
            return (Conds::Avoidable, true);
        }
        if !condition_holds(c, ctx) {
            return (Conds::Fail, assumed);
        }
    }
    (Conds::Hold, assumed)
}

/// A statement that applies, with how its principal matched.
#[derive(Debug, Clone, Copy)]
struct Hit {
    index: usize,
    allow: bool,
    principal: PrincipalMatch,
    /// Whether the statement names `*` among its principals.
    wildcard: bool,
    assumed: bool,
}

/// How a statement stands with a principal, action and context, its resource aside.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// It does not apply.
    No,
    /// It applies (if its resource element matches).
    Hit(Hit),
    /// A Deny that applies but for a condition on an assumed key.
    Avoided,
}

/// The facts of a request that do not depend on its resource.
#[derive(Debug, Clone, Copy)]
struct Who<'a> {
    caller: Caller<'a>,
    action: &'a Action,
    ctx: &'a Context,
    has_boundary: bool,
}

pub(crate) fn action_applies(s: &Compiled, action: &Action) -> bool {
    action_matches(&s.action.items, action) != s.action.negated
}

/// A resource pattern's resource part, as it stands for one context: `ids[i]` replaces the
/// pattern's own for patterns with policy variables (resolved once per [`Plan`]).
#[derive(Debug, Clone)]
enum Id {
    Resolved(Wildcard),
    Unresolved,
}

fn resource_applies(
    s: &Compiled,
    r: &ArnParts<'_>,
    layer: Layer,
    ctx: &Context,
    ids: Option<&[Option<Id>]>,
) -> bool {
    let Some(set) = &s.resource else {
        return true;
    };
    let mut any = false;
    let mut never = false;
    for (i, p) in set.items.iter().enumerate() {
        let res = match ids.and_then(|ids| ids.get(i)).and_then(Option::as_ref) {
            Some(id) => resource_matches_with(p, r, layer, id),
            None => resource_matches(p, r, layer, ctx),
        };
        match res {
            Res::Yes => any = true,
            Res::No => {}
            Res::Never => never = true,
        }
    }
    if set.negated {
        !any && !never
    } else {
        any
    }
}

/// [`resource_matches`] with the resource part already resolved.
fn resource_matches_with(p: &ResourcePattern, r: &ArnParts<'_>, layer: Layer, id: &Id) -> Res {
    match p {
        ResourcePattern::Any => Res::Yes,
        _ if r.all => Res::No,
        _ if !r.valid => Res::Never,
        ResourcePattern::Arn {
            short: true,
            wildcard: false,
            ..
        } if layer == Layer::Resource => Res::No,
        ResourcePattern::Arn { arn, .. } => {
            let rest = |text: &str| {
                let Some(rest) = strip(text, &arn.product) else {
                    return Res::No;
                };
                match id {
                    Id::Resolved(w) if w.is_match(rest) => Res::Yes,
                    Id::Resolved(_) => Res::No,
                    Id::Unresolved => Res::Never,
                }
            };
            let by_segment = if head_matches(arn, r) {
                rest(r.resource)
            } else {
                Res::No
            };
            match (&arn.crossing, by_segment) {
                (Some(c), Res::No) => crossing_matches(c, r, rest),
                _ => by_segment,
            }
        }
    }
}

/// Whether a statement applies to who asks, for what, in which context (its resource
/// aside).
fn scope(s: &Compiled, index: usize, layer: Layer, w: &Who<'_>) -> Scope {
    let (principal, wildcard) = match (&s.principal, layer) {
        (Some(p), Layer::Resource) => {
            let m = if !p.negated {
                principal_matches(p, &w.caller)
            } else if (!s.allow && w.has_boundary) || !not_principal_excludes(p, &w.caller) {
                // A Deny with NotPrincipal always denies a principal that has a
                // permissions boundary ("AWS JSON policy elements: NotPrincipal").
                PrincipalMatch::Direct
            } else {
                PrincipalMatch::No
            };
            (m, !p.negated && p.has_wildcard())
        }
        // A resource policy statement without a principal applies to nobody.
        (None, Layer::Resource) => (PrincipalMatch::No, false),
        _ => (PrincipalMatch::Direct, false),
    };
    if principal == PrincipalMatch::No {
        return Scope::No;
    }
    match conditions(&s.conditions, s.allow, w.ctx) {
        (Conds::Hold, assumed) => Scope::Hit(Hit {
            index,
            allow: s.allow,
            principal,
            wildcard,
            assumed,
        }),
        (Conds::Avoidable, _) => Scope::Avoided,
        (Conds::Fail, _) => Scope::No,
    }
}

/// Every statement of `doc` that applies to the request, at `layer`.
fn hits(doc: &PolicyDocument, layer: Layer, q: &Prepared<'_>, mut each: impl FnMut(Hit)) {
    for (index, s) in doc.compiled.iter().enumerate() {
        if !action_applies(s, q.who.action)
            || !resource_applies(s, &q.resource, layer, q.who.ctx, None)
        {
            continue;
        }
        if let Scope::Hit(h) = scope(s, index, layer, &q.who) {
            each(h);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Layers

struct Prepared<'a> {
    who: Who<'a>,
    resource: ArnParts<'a>,
    resource_account: Option<&'a str>,
}

impl<'a> Prepared<'a> {
    fn new(set: &PolicySet<'_>, req: &Request<'a>) -> Prepared<'a> {
        let caller = Caller::parse(req.principal);
        Prepared {
            who: Who {
                caller,
                action: req.action,
                ctx: req.context,
                has_boundary: set.boundary.is_some(),
            },
            resource: ArnParts::parse(req.resource),
            resource_account: req.resource_account.or(caller.account),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct IdentityOutcome {
    allow: bool,
    deny: bool,
}

impl IdentityOutcome {
    fn add(&mut self, h: &Hit) {
        if h.allow {
            self.allow = true;
        } else {
            self.deny = true;
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct ResourceOutcome {
    present: bool,
    deny: bool,
    allow_direct: bool,
    allow_account: bool,
    /// An allow that an implicit deny of the boundary does not limit.
    bypass_boundary: bool,
}

impl ResourceOutcome {
    fn add(&mut self, h: &Hit, caller: &Caller<'_>) {
        if !h.allow {
            self.deny = true;
            return;
        }
        match h.principal {
            PrincipalMatch::Direct | PrincipalMatch::Session => self.allow_direct = true,
            PrincipalMatch::Account => self.allow_account = true,
            PrincipalMatch::No => {}
        }
        let session_like = matches!(
            caller.kind,
            CallerKind::AssumedRole | CallerKind::User | CallerKind::FederatedUser
        );
        if h.principal == PrincipalMatch::Direct
            && (session_like || (caller.kind == CallerKind::Role && h.wildcard))
        {
            self.bypass_boundary = true;
        }
    }
}

/// How a service trusts the caller's own account's IAM policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// Identity policies suffice within the account.
    Implicit,
    /// The resource policy must allow the account, and identity policies the principal.
    Explicit,
    /// Only the resource policy can allow.
    None,
}

fn trust(action: &Action, resource: &ArnParts<'_>, r: &ResourceOutcome) -> Trust {
    let by_resource = |r: &ResourceOutcome| {
        if r.allow_account {
            Trust::Explicit
        } else {
            Trust::None
        }
    };
    match action.kind() {
        ServiceKind::Sts if r.present => by_resource(r),
        ServiceKind::Kms
            if resource.valid
                && resource
                    .resource
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case("key/")) =>
        {
            by_resource(r)
        }
        _ => Trust::Implicit,
    }
}

/// The layered decision, and which paths made an Allow (for the statements to report).
#[derive(Debug, Clone, Copy)]
struct Outcome {
    decision: Decision,
    via_resource: bool,
    via_identity: bool,
    via_account: bool,
}

impl Outcome {
    fn only(decision: Decision) -> Outcome {
        Outcome {
            decision,
            via_resource: false,
            via_identity: false,
            via_account: false,
        }
    }
}

/// The decision from each layer's outcome ("Policy evaluation logic").
fn combine(
    w: &Who<'_>,
    resource: &ArnParts<'_>,
    resource_account: Option<&str>,
    mut i: IdentityOutcome,
    b: Option<IdentityOutcome>,
    r: ResourceOutcome,
) -> Outcome {
    if w.caller.kind == CallerKind::Anonymous {
        return if r.deny {
            Outcome::only(Decision::ExplicitDeny)
        } else if r.allow_direct {
            Outcome {
                via_resource: true,
                ..Outcome::only(Decision::Allow)
            }
        } else {
            Outcome::only(Decision::ImplicitDeny)
        };
    }
    if w.action.kind() == ServiceKind::CallerIdentity {
        return Outcome::only(Decision::Allow);
    }
    // The root user has full access to its account's resources unless a policy denies
    // ("By default, all requests are implicitly denied with the exception of the AWS
    // account root user").
    i.allow |= w.caller.kind == CallerKind::Root;
    if r.deny || i.deny || b.is_some_and(|b| b.deny) {
        return Outcome::only(Decision::ExplicitDeny);
    }
    let same = w.caller.account.is_some() && w.caller.account == resource_account;
    // A service principal, or a caller of no account (a web identity provider such as
    // `accounts.google.com`, a canonical user): the resource policy alone decides.
    let accountless = w.caller.kind == CallerKind::Other && w.caller.account.is_none();
    let (via_resource, via_identity, via_account) =
        if w.caller.kind == CallerKind::Service || accountless {
            (r.allow_direct, false, false)
        } else if same {
            match trust(w.action, resource, &r) {
                Trust::Implicit => (r.allow_direct, i.allow, false),
                Trust::Explicit => (r.allow_direct, i.allow, i.allow),
                Trust::None => (r.allow_direct, false, false),
            }
        } else if (r.allow_direct || r.allow_account) && i.allow {
            (r.allow_direct, true, r.allow_account)
        } else {
            (false, false, false)
        };
    if !(via_resource || via_identity) {
        return Outcome::only(Decision::ImplicitDeny);
    }
    if let Some(b) = b {
        if !b.allow && (!same || !r.bypass_boundary) {
            return Outcome::only(Decision::ImplicitDeny);
        }
    }
    if let Some(d) = service_refusal(w.action, resource) {
        return Outcome::only(d);
    }
    Outcome {
        decision: Decision::Allow,
        via_resource,
        via_identity,
        via_account,
    }
}

fn outcome(set: &PolicySet<'_>, q: &Prepared<'_>) -> Outcome {
    let anonymous = q.who.caller.kind == CallerKind::Anonymous;
    let mut r = ResourceOutcome::default();
    if let Some(p) = set.resource {
        r.present = true;
        hits(p.doc, Layer::Resource, q, |h| r.add(&h, &q.who.caller));
    }
    let mut i = IdentityOutcome::default();
    let mut b = set.boundary.map(|_| IdentityOutcome::default());
    if !anonymous {
        for p in &set.identity {
            hits(p.doc, Layer::Identity, q, |h| i.add(&h));
        }
        if let (Some(p), Some(b)) = (set.boundary, b.as_mut()) {
            hits(p.doc, Layer::Boundary, q, |h| b.add(&h));
        }
    }
    combine(&q.who, &q.resource, q.resource_account, i, b, r)
}

/// Requests that no policy can allow: changing AWS managed policies, AWS-reserved roles
/// and AWS managed KMS aliases.
fn service_refusal(action: &Action, r: &ArnParts<'_>) -> Option<Decision> {
    const MANAGED_POLICY: &[&str] = &[
        "createpolicy",
        "createpolicyversion",
        "deletepolicy",
        "deletepolicyversion",
        "setdefaultpolicyversion",
        "tagpolicy",
        "untagpolicy",
    ];
    const RESERVED_ROLE: &[&str] = &[
        "attachrolepolicy",
        "createrole",
        "createservicelinkedrole",
        "deleterole",
        "deleterolepermissionsboundary",
        "deleterolepolicy",
        "deleteservicelinkedrole",
        "detachrolepolicy",
        "passrole",
        "putrolepermissionsboundary",
        "putrolepolicy",
        "tagrole",
        "untagrole",
        "updateassumerolepolicy",
        "updaterole",
        "updateroledescription",
    ];
    let name = action.name();
    let refused = match action.kind() {
        ServiceKind::Iam if r.valid => {
            let res = r.resource.to_ascii_lowercase();
            (MANAGED_POLICY.contains(&name) && res.starts_with("policy/") && r.account == "aws")
                || (RESERVED_ROLE.contains(&name) && res.starts_with("role/aws-reserved/"))
        }
        ServiceKind::Kms if r.valid => {
            ["createalias", "deletealias", "updatealias"].contains(&name)
                && r.resource.to_ascii_lowercase().starts_with("alias/aws/")
        }
        _ => false,
    };
    refused.then_some(Decision::ImplicitDeny)
}

/// Decides `req` against `set`, allocating nothing for documents without policy variables
/// (and little with them).
pub fn decide(set: &PolicySet<'_>, req: &Request<'_>) -> Decision {
    outcome(set, &Prepared::new(set, req)).decision
}

/// Decides `req` against `set` and names the statements behind the decision, and any
/// condition taken in the requester's favour.
pub fn evaluate(set: &PolicySet<'_>, req: &Request<'_>) -> Evaluation {
    Plan::new(set, req.principal, req.action, req.context)
        .evaluate(req.resource, req.resource_account)
}

// ---------------------------------------------------------------------------------------
// Plans

/// A statement of a [`Plan`]: it applies to the plan's principal, action and context; only
/// its resource element is left to match.
#[derive(Debug, Clone)]
struct Planned<'p> {
    statement: &'p Compiled,
    hit: Hit,
    /// Per resource pattern: its resource part resolved in the plan's context, for
    /// patterns with policy variables.
    ids: Vec<Option<Id>>,
}

/// One policy of a [`Plan`].
#[derive(Debug, Clone)]
struct PlannedPolicy<'p> {
    named: Named<'p>,
    layer: Layer,
    statements: Vec<Planned<'p>>,
    /// Denies avoided only by an assumption, with whether they apply as written.
    avoided: Vec<(Planned<'p>, bool)>,
}

/// A policy set prepared for one principal, action and context: the statements that can
/// apply, their conditions decided and their policy variables resolved once, so that each
/// resource is then decided by matching resource elements alone. The state-access
/// analysis decides many keys per principal and action this way; [`decide`] and
/// [`evaluate`] give the same answers one request at a time.
#[derive(Debug, Clone)]
pub struct Plan<'p> {
    who: Who<'p>,
    policies: Vec<PlannedPolicy<'p>>,
    has_resource_policy: bool,
}

fn ids_of(s: &Compiled, ctx: &Context) -> Vec<Option<Id>> {
    let Some(set) = &s.resource else {
        return Vec::new();
    };
    set.items
        .iter()
        .map(|p| match p {
            ResourcePattern::Arn { arn, .. } => match &arn.id {
                crate::template::Matcher::Dynamic(t) => Some(match t.pattern(ctx) {
                    Ok(w) => Id::Resolved(w),
                    Err(Unresolved) => Id::Unresolved,
                }),
                crate::template::Matcher::Static(_) => None,
            },
            ResourcePattern::Any => None,
        })
        .collect()
}

impl<'p> Plan<'p> {
    /// Prepares `set` for requests by `principal` (`None`: anonymous) for `action` in
    /// `context`.
    pub fn new(
        set: &PolicySet<'p>,
        principal: Option<&'p str>,
        action: &'p Action,
        context: &'p Context,
    ) -> Plan<'p> {
        let who = Who {
            caller: Caller::parse(principal),
            action,
            ctx: context,
            has_boundary: set.boundary.is_some(),
        };
        let anonymous = who.caller.kind == CallerKind::Anonymous;
        let as_written = context.assumes().then(|| context.as_written());
        let mut policies = Vec::new();
        let layers = set
            .identity
            .iter()
            .filter(|_| !anonymous)
            .map(|n| (*n, Layer::Identity))
            .chain(
                set.boundary
                    .filter(|_| !anonymous)
                    .map(|b| (b, Layer::Boundary)),
            )
            .chain(set.resource.map(|r| (r, Layer::Resource)));
        for (named, layer) in layers {
            let mut planned = PlannedPolicy {
                named,
                layer,
                statements: Vec::new(),
                avoided: Vec::new(),
            };
            for (index, s) in named.doc.compiled.iter().enumerate() {
                if !action_applies(s, action) {
                    continue;
                }
                match scope(s, index, layer, &who) {
                    Scope::No => {}
                    Scope::Hit(hit) => planned.statements.push(Planned {
                        statement: s,
                        hit,
                        ids: ids_of(s, context),
                    }),
                    Scope::Avoided => {
                        let written = as_written.as_ref().is_some_and(|ctx| {
                            let w = Who { ctx, ..who };
                            matches!(scope(s, index, layer, &w), Scope::Hit(_))
                        });
                        let hit = Hit {
                            index,
                            allow: false,
                            principal: PrincipalMatch::Direct,
                            wildcard: false,
                            assumed: true,
                        };
                        planned.avoided.push((
                            Planned {
                                statement: s,
                                hit,
                                ids: ids_of(s, as_written.as_ref().unwrap_or(context)),
                            },
                            written,
                        ));
                    }
                }
            }
            if !planned.statements.is_empty() || !planned.avoided.is_empty() {
                policies.push(planned);
            }
        }
        Plan {
            who,
            policies,
            has_resource_policy: set.resource.is_some(),
        }
    }

    fn applies(&self, p: &Planned<'_>, layer: Layer, r: &ArnParts<'_>) -> bool {
        resource_applies(p.statement, r, layer, self.who.ctx, Some(&p.ids))
    }

    fn outcome(&self, r: &ArnParts<'_>, resource_account: Option<&str>) -> Outcome {
        let mut i = IdentityOutcome::default();
        let mut b = self.who.has_boundary.then(IdentityOutcome::default);
        let mut res = ResourceOutcome {
            present: self.has_resource_policy,
            ..ResourceOutcome::default()
        };
        for p in &self.policies {
            for s in p.statements.iter().filter(|s| self.applies(s, p.layer, r)) {
                match p.layer {
                    Layer::Identity => i.add(&s.hit),
                    Layer::Boundary => {
                        if let Some(b) = b.as_mut() {
                            b.add(&s.hit);
                        }
                    }
                    Layer::Resource => res.add(&s.hit, &self.who.caller),
                }
            }
        }
        combine(
            &self.who,
            r,
            resource_account.or(self.who.caller.account),
            i,
            b,
            res,
        )
    }

    /// Decides a request for `resource`, owned by `resource_account` (`None`: the
    /// principal's account).
    pub fn decide(&self, resource: &str, resource_account: Option<&str>) -> Decision {
        self.outcome(&ArnParts::parse(resource), resource_account)
            .decision
    }

    /// [`Plan::decide`], naming the statements behind the decision and the conditions
    /// assumed on the way.
    pub fn evaluate(&self, resource: &str, resource_account: Option<&str>) -> Evaluation {
        let r = ArnParts::parse(resource);
        let o = self.outcome(&r, resource_account);
        let mut e = Evaluation {
            decision: o.decision,
            granted_by: Vec::new(),
            bounded_by: Vec::new(),
            denied_by: Vec::new(),
            assumed: Vec::new(),
        };
        let reference = |p: &PlannedPolicy<'_>, index: usize, allow: bool| StatementRef {
            policy: p.named.name.to_owned(),
            statement: p.named.doc.statements()[index].label(),
            layer: p.layer,
            allow,
        };
        for p in &self.policies {
            for s in p.statements.iter().filter(|s| self.applies(s, p.layer, &r)) {
                let h = s.hit;
                match o.decision {
                    Decision::ImplicitDeny => {}
                    Decision::ExplicitDeny if !h.allow => {
                        e.denied_by.push(reference(p, h.index, false))
                    }
                    Decision::ExplicitDeny => {}
                    Decision::Allow if !h.allow => {}
                    Decision::Allow => {
                        let used = match p.layer {
                            Layer::Identity => o.via_identity,
                            Layer::Boundary => true,
                            Layer::Resource => match h.principal {
                                PrincipalMatch::Direct | PrincipalMatch::Session => o.via_resource,
                                PrincipalMatch::Account => o.via_account,
                                PrincipalMatch::No => false,
                            },
                        };
                        if !used {
                            continue;
                        }
                        let sr = reference(p, h.index, true);
                        if h.assumed {
                            e.assumed.push(Assumption {
                                policy: sr.policy.clone(),
                                statement: sr.statement.clone(),
                                allow: true,
                                conditions: assumed_conditions(p.named.doc, h.index, self.who.ctx),
                            });
                        }
                        if p.layer == Layer::Boundary {
                            e.bounded_by.push(sr);
                        } else {
                            e.granted_by.push(sr);
                        }
                    }
                }
            }
            if o.decision == Decision::Allow {
                for (s, written) in &p.avoided {
                    if *written && self.applies(s, p.layer, &r) {
                        let sr = reference(p, s.hit.index, false);
                        e.assumed.push(Assumption {
                            policy: sr.policy,
                            statement: sr.statement,
                            allow: false,
                            conditions: assumed_conditions(p.named.doc, s.hit.index, self.who.ctx),
                        });
                    }
                }
            }
        }
        e
    }
}

/// The conditions of a statement on assumed keys, as `operator key values; ...`.
fn assumed_conditions(doc: &PolicyDocument, index: usize, ctx: &Context) -> String {
    let view = &doc.statements()[index];
    doc.compiled[index]
        .conditions
        .iter()
        .filter(|c| ctx.is_assumed(&c.key))
        .map(|c| view.conditions[c.view].describe())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether a resource-policy statement's action, resource and principal elements match
/// `req` (its conditions aside), for explanations.
pub(crate) fn scope_matches(doc: &PolicyDocument, index: usize, req: &Request<'_>) -> bool {
    let set = PolicySet::default();
    let q = Prepared::new(&set, req);
    let s = &doc.compiled[index];
    if !action_applies(s, q.who.action)
        || !resource_applies(s, &q.resource, Layer::Resource, q.who.ctx, None)
    {
        return false;
    }
    match &s.principal {
        Some(p) if p.negated => !not_principal_excludes(p, &q.who.caller),
        Some(p) => principal_matches(p, &q.who.caller) != PrincipalMatch::No,
        None => false,
    }
}
