//! Parsing documents: JSON (plain or URL-encoded) into compiled statements, once, plus a
//! static view of each statement for checks that read rather than evaluate.
//!
//! Compilation turns every element into the form evaluation needs: actions into a
//! lowercase service and a wildcard over the action name; resources into ARN segments with
//! the resource part as a (possibly variable-bearing) pattern; principals by kind; each
//! condition into a typed operator with its values parsed (numbers, dates, address
//! ranges, ARN segment patterns). Evaluation then allocates nothing for a document without
//! policy variables.

use crate::template::{Matcher, Template};
use crate::values::{self, IpRange};
use auditor_model::wildcard::Wildcard;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Why a document is not a usable policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not JSON (after URL-decoding).
    #[error("the policy is not valid JSON: {0}")]
    NotJson(String),
    /// It holds bytes that are not UTF-8 (shown as U+FFFD once read): AWS never sends such
    /// a document, and what it would say cannot be known.
    #[error("the policy holds bytes that are not UTF-8: what it says cannot be read")]
    NotUtf8,
    /// JSON, but not a valid policy document: where (`Statement[1].Condition`) and why.
    #[error("the policy is not a valid policy document: {at}: {problem}")]
    Invalid {
        /// The element, e.g. `Statement[2].Action[0]` or `document`.
        at: String,
        /// What is wrong with it.
        problem: String,
    },
}

fn invalid(at: impl Into<String>, problem: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        at: at.into(),
        problem: problem.into(),
    }
}

/// URL-decodes a document if it is encoded (RFC 3986 percent-encoding; `+` stays `+`).
pub fn decode(text: &str) -> Cow<'_, str> {
    let t = text.trim_start();
    if t.starts_with('{') || !t.contains('%') {
        return Cow::Borrowed(text);
    }
    // Bytes that are not UTF-8 become U+FFFD, which `PolicyDocument::parse` refuses: the
    // document is "not understood", not read as something it does not say.
    Cow::Owned(
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `2012-10-17`: policy variables are recognised.
    V2012,
    /// `2008-10-17`, or no `Version`: `${...}` is plain text.
    V2008,
}

/// Principals of a statement, by kind, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principals {
    /// `"Principal": "*"`.
    pub any: bool,
    /// `AWS`: account ids, account root ARNs, role/user ARNs, or `*`.
    pub aws: Vec<String>,
    /// `Service`: e.g. `eks.amazonaws.com`.
    pub service: Vec<String>,
    /// `Federated`: OIDC/SAML provider ARNs, or `cognito-identity.amazonaws.com`.
    pub federated: Vec<String>,
    /// `CanonicalUser`.
    pub canonical_user: Vec<String>,
}

impl Principals {
    /// Whether it names every principal (`*`, or `"AWS": "*"`).
    pub fn is_everyone(&self) -> bool {
        self.any || self.aws.iter().any(|a| all_stars(a))
    }
}

/// One condition as written: operator (with its `ForAnyValue:`/`IfExists` parts), key,
/// values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// e.g. `StringEquals`, `ForAnyValue:StringLike`, `StringEqualsIfExists`.
    pub operator: String,
    /// e.g. `oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub` (as written; AWS compares keys
    /// case-insensitively).
    pub key: String,
    /// The values, as strings (booleans and numbers rendered).
    pub values: Vec<String>,
}

impl Condition {
    /// The operator without set prefix and `IfExists` suffix, e.g. `StringLike`.
    pub fn base_operator(&self) -> &str {
        let op = self.operator.rsplit(':').next().unwrap_or(&self.operator);
        op.strip_suffix("IfExists").unwrap_or(op)
    }

    /// Whether the key equals `key`, ignoring ASCII case as AWS does.
    pub fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }

    /// `operator key value, value`, for evidence.
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.operator, self.key, self.values.join(", "))
    }
}

/// A static view of one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementView {
    /// Position in the document.
    pub index: usize,
    /// Sid, when present.
    pub sid: Option<String>,
    /// True for `Allow`.
    pub allow: bool,
    /// `Principal`.
    pub principal: Option<Principals>,
    /// `NotPrincipal`.
    pub not_principal: Option<Principals>,
    /// `Action` values.
    pub action: Vec<String>,
    /// `NotAction` values.
    pub not_action: Vec<String>,
    /// `Resource` values.
    pub resource: Vec<String>,
    /// `NotResource` values.
    pub not_resource: Vec<String>,
    /// Every condition.
    pub conditions: Vec<Condition>,
}

impl StatementView {
    /// `Statement[Sid=X]` or `Statement[i]`, for evidence.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => format!("Statement[Sid={s}]"),
            _ => format!("Statement[{}]", self.index),
        }
    }

    /// The conditions on `key` (case-insensitive).
    pub fn conditions_on(&self, key: &str) -> Vec<&Condition> {
        self.conditions.iter().filter(|c| c.key_is(key)).collect()
    }
}

// ---------------------------------------------------------------------------------------
// Compiled form

/// A compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    pub(crate) allow: bool,
    pub(crate) principal: Option<PrincipalSet>,
    pub(crate) action: ActionSet,
    /// `None`: no Resource element (trust policies and other resource-based policies).
    pub(crate) resource: Option<ResourceSet>,
    pub(crate) conditions: Box<[Cond]>,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalSet {
    pub(crate) negated: bool,
    pub(crate) aws: Box<[AwsPrincipal]>,
    pub(crate) service: Box<[Box<str>]>,
    pub(crate) federated: Box<[Box<str>]>,
    pub(crate) canonical: Box<[Box<str>]>,
}

impl PrincipalSet {
    /// Whether it holds the wildcard principal.
    pub(crate) fn has_wildcard(&self) -> bool {
        self.aws.iter().any(|a| matches!(a, AwsPrincipal::Any))
    }
}

/// A value of `"AWS"` in a Principal.
#[derive(Debug, Clone)]
pub(crate) enum AwsPrincipal {
    /// `*`.
    Any,
    /// `123456789012` or `arn:aws:iam::123456789012:root`: the account.
    Account(Box<str>),
    /// A role, user, session or other ARN.
    Arn(Box<str>),
    /// A unique id (`AROA...`): a principal that was deleted, or written by id.
    UniqueId,
}

#[derive(Debug, Clone)]
pub(crate) struct ActionSet {
    pub(crate) negated: bool,
    pub(crate) items: Box<[ActionPattern]>,
}

#[derive(Debug, Clone)]
pub(crate) enum ActionPattern {
    Any,
    Service { service: Box<str>, name: Wildcard },
}

#[derive(Debug, Clone)]
pub(crate) struct ResourceSet {
    pub(crate) negated: bool,
    pub(crate) items: Box<[ResourcePattern]>,
}

#[derive(Debug, Clone)]
pub(crate) enum ResourcePattern {
    Any,
    Arn {
        arn: Box<ArnPattern>,
        /// Written with fewer than six segments (padded with `*`).
        short: bool,
        /// Holds a wildcard (a short ARN without one never matches in a resource policy).
        wildcard: bool,
    },
}

/// A Resource ARN: the first four segments as patterns, the resource part split into its
/// type (`role/`, `instance/`; literal, as AWS allows no wildcard there) and the rest.
#[derive(Debug, Clone)]
pub(crate) struct ArnPattern {
    /// `partition:service:region:account` when none of them holds a wildcard: compared in
    /// one go.
    pub(crate) head: Option<Box<str>>,
    pub(crate) partition: Wildcard,
    pub(crate) service: Wildcard,
    pub(crate) region: Wildcard,
    pub(crate) account: Wildcard,
    pub(crate) product: Box<str>,
    pub(crate) id: Matcher,
    /// When a segment before the resource part ends with `*`: the segments as written, for
    /// matching that `*` across colons.
    pub(crate) crossing: Option<Box<Crossing>>,
}

/// A Resource ARN whose `*` at the end of a segment "can expand to match beyond the colon
/// boundaries" ("IAM JSON policy elements: Resource"): its segments after `arn`, up to the
/// account, as written (a short ARN ending in `*` is not padded: its last `*` runs to the
/// end).
#[derive(Debug, Clone)]
pub(crate) struct Crossing {
    pub(crate) head: Box<[(Wildcard, bool)]>,
    /// Whether the pattern has a resource part (then `product` and `id` match it).
    pub(crate) resource: bool,
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) struct Cond {
    pub(crate) key: Box<str>,
    pub(crate) set: SetOp,
    pub(crate) if_exists: bool,
    pub(crate) op: Op,
    pub(crate) values: Box<[CondValue]>,
    /// Index into the statement view's conditions, for evidence.
    pub(crate) view: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    Single,
    ForAnyValue,
    ForAllValues,
}

/// Condition operators (the base operator, without set prefix or `IfExists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Op {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const OPS: &[(&str, Op)] = &[
    ("stringequals", Op::StringEquals),
    ("stringnotequals", Op::StringNotEquals),
    ("stringequalsignorecase", Op::StringEqualsIgnoreCase),
    ("stringnotequalsignorecase", Op::StringNotEqualsIgnoreCase),
    ("stringlike", Op::StringLike),
    ("stringnotlike", Op::StringNotLike),
    ("numericequals", Op::NumericEquals),
    ("numericnotequals", Op::NumericNotEquals),
    ("numericlessthan", Op::NumericLessThan),
    ("numericlessthanequals", Op::NumericLessThanEquals),
    ("numericgreaterthan", Op::NumericGreaterThan),
    ("numericgreaterthanequals", Op::NumericGreaterThanEquals),
    ("dateequals", Op::DateEquals),
    ("datenotequals", Op::DateNotEquals),
    ("datelessthan", Op::DateLessThan),
    ("datelessthanequals", Op::DateLessThanEquals),
    ("dategreaterthan", Op::DateGreaterThan),
    ("dategreaterthanequals", Op::DateGreaterThanEquals),
    ("bool", Op::Bool),
    ("binaryequals", Op::BinaryEquals),
    ("ipaddress", Op::IpAddress),
    ("notipaddress", Op::NotIpAddress),
    ("arnequals", Op::ArnEquals),
    ("arnlike", Op::ArnLike),
    ("arnnotequals", Op::ArnNotEquals),
    ("arnnotlike", Op::ArnNotLike),
    ("null", Op::Null),
];

impl Op {
    /// A negated operator (`StringNotEquals`, `NotIpAddress`, ...): true when the key is
    /// absent, and true for a value only if no policy value matches it.
    pub fn negated(self) -> bool {
        matches!(
            self,
            Op::StringNotEquals
                | Op::StringNotEqualsIgnoreCase
                | Op::StringNotLike
                | Op::NumericNotEquals
                | Op::DateNotEquals
                | Op::NotIpAddress
                | Op::ArnNotEquals
                | Op::ArnNotLike
        )
    }
}

/// A compiled condition value.
#[derive(Debug, Clone)]
pub(crate) enum CondValue {
    /// String equality (and Bool, Binary): the text, resolved per request if it holds
    /// variables.
    Text(TextValue),
    /// `StringLike`: a wildcard pattern.
    Like(Matcher),
    Number(Option<f64>),
    Date(Option<i128>),
    Ip(Option<IpRange>),
    /// `Arn*`: five segment patterns (partition, service, region, account, resource).
    Arn(Option<Box<[Matcher; 5]>>),
    /// `Null`: `Some(true)` asks that the key be absent.
    Null(Option<bool>),
}

#[derive(Debug, Clone)]
pub(crate) enum TextValue {
    Fixed(Box<str>),
    Variable(Template),
}

/// A parsed policy document.
#[derive(Debug, Clone)]
pub struct PolicyDocument {
    version: Version,
    views: Box<[StatementView]>,
    pub(crate) compiled: Box<[Compiled]>,
}

/// What a statement may hold: identity-based policies (and boundaries) need a Resource and
/// no Principal; resource-based policies need a Principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Attached to a user, group or role, or a permissions boundary.
    Identity,
    /// Attached to a resource: a bucket policy, a trust policy, a repository policy.
    Resource,
}

fn all_stars(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'*')
}

fn strings(v: &Value, at: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                _ => Err(invalid(format!("{at}[{i}]"), "must be a string")),
            })
            .collect(),
        _ => Err(invalid(at, "must be a string or a list of strings")),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn principals(v: &Value, at: &str) -> Result<Principals, PolicyError> {
    let mut p = Principals::default();
    match v {
        Value::String(s) if s == "*" => p.any = true,
        Value::Object(m) => {
            if m.is_empty() {
                return Err(invalid(at, "names no principal"));
            }
            for (kind, ids) in m {
                let list = strings(ids, &format!("{at}.{kind}"))?;
                match kind.as_str() {
                    "AWS" => p.aws = list,
                    "Service" => p.service = list,
                    "Federated" => p.federated = list,
                    "CanonicalUser" => p.canonical_user = list,
                    other => {
                        return Err(invalid(
                            format!("{at}.{other}"),
                            "is not a principal type (AWS, Service, Federated, CanonicalUser)",
                        ))
                    }
                }
            }
        }
        _ => {
            return Err(invalid(
                at,
                "must be \"*\" or an object such as {\"AWS\": ...}",
            ))
        }
    }
    Ok(p)
}

fn compile_principals(p: &Principals, negated: bool) -> PrincipalSet {
    let mut aws: Vec<AwsPrincipal> = p
        .aws
        .iter()
        .map(|a| {
            if all_stars(a) {
                AwsPrincipal::Any
            } else if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) {
                AwsPrincipal::Account(a.as_str().into())
            } else if let Some(acct) = root_account(a) {
                AwsPrincipal::Account(acct.into())
            } else if a.starts_with("arn:") {
                AwsPrincipal::Arn(a.as_str().into())
            } else {
                AwsPrincipal::UniqueId
            }
        })
        .collect();
    if p.any {
        aws.push(AwsPrincipal::Any);
    }
    PrincipalSet {
        negated,
        aws: aws.into(),
        service: p.service.iter().map(|s| s.as_str().into()).collect(),
        federated: p.federated.iter().map(|s| s.as_str().into()).collect(),
        canonical: p.canonical_user.iter().map(|s| s.as_str().into()).collect(),
    }
}

/// The account of `arn:<partition>:iam::<12 digits>:root`.
fn root_account(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(acct), Some("root"), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then_some(acct)
}

fn compile_action(a: &str, at: &str) -> Result<ActionPattern, PolicyError> {
    if all_stars(a) {
        return Ok(ActionPattern::Any);
    }
    let lower = a.to_ascii_lowercase();
    match lower.split_once(':') {
        Some((service, name))
            if !service.is_empty()
                && service
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !name.is_empty()
                && !name.contains(':') =>
        {
            Ok(ActionPattern::Service {
                service: service.into(),
                name: Wildcard::new(name),
            })
        }
        _ => Err(invalid(
            at,
            format!(
                "\"{a}\" is not an action (service:Action with a service prefix of letters, digits and hyphens, or *)"
            ),
        )),
    }
}

/// Splits an ARN pattern at its colons, keeping `${...}` whole (a variable such as
/// `${aws:username}` holds a colon).
fn arn_segments(s: &str) -> Vec<&str> {
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

/// The resource-type prefix of an ARN's resource part: up to and including the first `/`
/// or `:` (`role/`, `log-group:`), none for S3 buckets and objects.
pub(crate) fn product_len(service: &str, region: &str, account: &str, resource: &str) -> usize {
    if service == "s3" && region.is_empty() && account.is_empty() {
        return 0;
    }
    // A type written with a wildcard (`my-*/`) is not a type: the whole resource part is
    // then one pattern, as AWS matches it.
    match resource.find(['/', ':']) {
        Some(i) if !resource[..i].contains(['$', '*', '?']) => i + 1,
        _ => 0,
    }
}

fn compile_resource(r: &str, vars: bool, at: &str) -> Result<ResourcePattern, PolicyError> {
    if all_stars(r) {
        return Ok(ResourcePattern::Any);
    }
    if !r.starts_with("arn:") {
        return Err(invalid(at, format!("\"{r}\" is neither * nor an ARN")));
    }
    let mut seg = arn_segments(r);
    let short = seg.len() < 6;
    let ends_star = |s: &str| s.ends_with('*') && !s.ends_with("${*}");
    let crossing = if short && ends_star(r) {
        Some(Box::new(Crossing {
            head: seg[1..]
                .iter()
                .map(|s| (Wildcard::new(s), ends_star(s)))
                .collect(),
            resource: false,
        }))
    } else if !short && seg[1..5].iter().any(|s| ends_star(s)) {
        Some(Box::new(Crossing {
            head: seg[1..5]
                .iter()
                .map(|s| (Wildcard::new(s), ends_star(s)))
                .collect(),
            resource: true,
        }))
    } else {
        None
    };
    while seg.len() < 6 {
        seg.push("*");
    }
    let product = product_len(seg[2], seg[3], seg[4], seg[5]);
    let head = seg[1..5]
        .iter()
        .all(|s| !s.contains(['*', '?']))
        .then(|| seg[1..5].join(":").into_boxed_str());
    Ok(ResourcePattern::Arn {
        arn: Box::new(ArnPattern {
            head,
            partition: Wildcard::new(seg[1]),
            service: Wildcard::new(seg[2]),
            region: Wildcard::new(seg[3]),
            account: Wildcard::new(seg[4]),
            product: seg[5][..product].into(),
            id: Matcher::new(&seg[5][product..], vars),
            crossing,
        }),
        short,
        wildcard: r.contains(['*', '?']),
    })
}

fn parse_operator(op: &str, at: &str) -> Result<(SetOp, Op, bool), PolicyError> {
    let (set, base) = match op.split_once(':') {
        Some((s, b)) if s.eq_ignore_ascii_case("ForAnyValue") => (SetOp::ForAnyValue, b),
        Some((s, b)) if s.eq_ignore_ascii_case("ForAllValues") => (SetOp::ForAllValues, b),
        Some(_) => {
            return Err(invalid(
                at,
                format!("\"{op}\": the set operator must be ForAnyValue or ForAllValues"),
            ))
        }
        None => (SetOp::Single, op),
    };
    let lower = base.to_ascii_lowercase();
    let (name, if_exists) = match lower.strip_suffix("ifexists") {
        Some(n) => (n, true),
        None => (lower.as_str(), false),
    };
    let op_kind = OPS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, o)| *o)
        .ok_or_else(|| invalid(at, format!("\"{op}\" is not a condition operator")))?;
    if op_kind == Op::Null && if_exists {
        return Err(invalid(at, "Null cannot take IfExists"));
    }
    Ok((set, op_kind, if_exists))
}

fn compile_value(op: Op, v: &str, vars: bool) -> CondValue {
    let text = || {
        let t = Template::new(v, vars);
        match t.fixed() {
            Some(f) => TextValue::Fixed(f.into()),
            None => TextValue::Variable(t),
        }
    };
    match op {
        Op::StringEquals
        | Op::StringNotEquals
        | Op::StringEqualsIgnoreCase
        | Op::StringNotEqualsIgnoreCase
        | Op::Bool => CondValue::Text(text()),
        Op::BinaryEquals => CondValue::Text(TextValue::Fixed(v.into())),
        Op::StringLike | Op::StringNotLike => CondValue::Like(Matcher::new(v, vars)),
        Op::NumericEquals
        | Op::NumericNotEquals
        | Op::NumericLessThan
        | Op::NumericLessThanEquals
        | Op::NumericGreaterThan
        | Op::NumericGreaterThanEquals => CondValue::Number(values::number(v)),
        Op::DateEquals
        | Op::DateNotEquals
        | Op::DateLessThan
        | Op::DateLessThanEquals
        | Op::DateGreaterThan
        | Op::DateGreaterThanEquals => CondValue::Date(values::date_millis(v)),
        Op::IpAddress | Op::NotIpAddress => CondValue::Ip(IpRange::parse(v)),
        Op::ArnEquals | Op::ArnLike | Op::ArnNotEquals | Op::ArnNotLike => {
            let mut seg = arn_segments(v);
            // A value of five segments has an empty resource part (as the reference
            // simulator reads it); fewer is not an ARN.
            if seg.len() == 5 {
                seg.push("");
            }
            CondValue::Arn((seg.len() == 6 && seg[0] == "arn").then(|| {
                Box::new([
                    Matcher::new(seg[1], vars),
                    Matcher::new(seg[2], vars),
                    Matcher::new(seg[3], vars),
                    Matcher::new(seg[4], vars),
                    Matcher::new(seg[5], vars),
                ])
            }))
        }
        Op::Null => CondValue::Null(values::boolean(v)),
    }
}

struct Parsed {
    view: StatementView,
    compiled: Compiled,
}

const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

fn one_of<'a>(
    s: &'a Map<String, Value>,
    a: &str,
    b: &str,
    at: &str,
) -> Result<Option<(&'a Value, bool)>, PolicyError> {
    match (s.get(a), s.get(b)) {
        (Some(_), Some(_)) => Err(invalid(at, format!("has both {a} and {b}"))),
        (Some(v), None) => Ok(Some((v, false))),
        (None, Some(v)) => Ok(Some((v, true))),
        (None, None) => Ok(None),
    }
}

fn statement(
    index: usize,
    s: &Map<String, Value>,
    vars: bool,
    at: &str,
) -> Result<Parsed, PolicyError> {
    if let Some(k) = s.keys().find(|k| !STATEMENT_KEYS.contains(&k.as_str())) {
        return Err(invalid(format!("{at}.{k}"), "is not a statement element"));
    }
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(x)) => Some(x.clone()),
        Some(_) => return Err(invalid(format!("{at}.Sid"), "must be a string")),
    };
    let allow = match s.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => true,
        Some(Value::String(e)) if e == "Deny" => false,
        other => {
            let shown = match other {
                None => "none".to_owned(),
                Some(Value::String(e)) => format!("\"{e}\""),
                Some(v) => v.to_string(),
            };
            return Err(invalid(
                format!("{at}.Effect"),
                format!("is {shown}, not \"Allow\" or \"Deny\""),
            ));
        }
    };
    let mut view = StatementView {
        index,
        sid,
        allow,
        principal: None,
        not_principal: None,
        action: Vec::new(),
        not_action: Vec::new(),
        resource: Vec::new(),
        not_resource: Vec::new(),
        conditions: Vec::new(),
    };
    let principal = match one_of(s, "Principal", "NotPrincipal", at)? {
        None => None,
        Some((v, negated)) => {
            let name = if negated { "NotPrincipal" } else { "Principal" };
            let p = principals(v, &format!("{at}.{name}"))?;
            let c = compile_principals(&p, negated);
            if negated {
                view.not_principal = Some(p);
            } else {
                view.principal = Some(p);
            }
            Some(c)
        }
    };
    let action = match one_of(s, "Action", "NotAction", at)? {
        None => return Err(invalid(at, "has neither Action nor NotAction")),
        Some((v, negated)) => {
            let name = if negated { "NotAction" } else { "Action" };
            let list = strings(v, &format!("{at}.{name}"))?;
            let items = list
                .iter()
                .enumerate()
                .map(|(i, a)| compile_action(a, &format!("{at}.{name}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if negated {
                view.not_action = list;
            } else {
                view.action = list;
            }
            ActionSet {
                negated,
                items: items.into(),
            }
        }
    };
    let resource = match one_of(s, "Resource", "NotResource", at)? {
        None => None,
        Some((v, negated)) => {
            let name = if negated { "NotResource" } else { "Resource" };
            let list = strings(v, &format!("{at}.{name}"))?;
            let items = list
                .iter()
                .enumerate()
                .map(|(i, r)| compile_resource(r, vars, &format!("{at}.{name}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if negated {
                view.not_resource = list;
            } else {
                view.resource = list;
            }
            Some(ResourceSet {
                negated,
                items: items.into(),
            })
        }
    };
    let mut conditions = Vec::new();
    match s.get("Condition") {
        None => {}
        Some(Value::Object(ops)) => {
            // In name order, whatever order the JSON map keeps (serde_json's
            // `preserve_order` may be on in one build and off in another): evidence and
            // explanations read the same everywhere.
            let mut ops: Vec<(&String, &Value)> = ops.iter().collect();
            ops.sort_by(|a, b| a.0.cmp(b.0));
            for (op, keys) in ops {
                let at_op = format!("{at}.Condition.{op}");
                let (set, kind, if_exists) = parse_operator(op, &at_op)?;
                let Value::Object(keys) = keys else {
                    return Err(invalid(at_op, "must be an object of condition keys"));
                };
                let mut keys: Vec<(&String, &Value)> = keys.iter().collect();
                keys.sort_by(|a, b| a.0.cmp(b.0));
                for (key, vals) in keys {
                    let at_key = format!("{at_op}.{key}");
                    let list: Vec<String> = match vals {
                        Value::Array(a) => a
                            .iter()
                            .enumerate()
                            .map(|(i, x)| {
                                scalar(x).ok_or_else(|| {
                                    invalid(
                                        format!("{at_key}[{i}]"),
                                        "must be a string, number or boolean",
                                    )
                                })
                            })
                            .collect::<Result<_, _>>()?,
                        other => vec![scalar(other).ok_or_else(|| {
                            invalid(&at_key, "must be a string, number or boolean, or a list")
                        })?],
                    };
                    conditions.push(Cond {
                        key: key.to_ascii_lowercase().into(),
                        set,
                        if_exists,
                        op: kind,
                        values: list.iter().map(|v| compile_value(kind, v, vars)).collect(),
                        view: view.conditions.len(),
                    });
                    view.conditions.push(Condition {
                        operator: op.clone(),
                        key: key.clone(),
                        values: list,
                    });
                }
            }
        }
        Some(_) => return Err(invalid(format!("{at}.Condition"), "must be an object")),
    }
    Ok(Parsed {
        view,
        compiled: Compiled {
            allow,
            principal,
            action,
            resource,
            conditions: conditions.into(),
        },
    })
}

impl PolicyDocument {
    /// Parses a document as AWS returns it (plain or URL-encoded JSON).
    pub fn parse(text: &str) -> Result<PolicyDocument, PolicyError> {
        let decoded = decode(text);
        if decoded.contains('\u{FFFD}') {
            return Err(PolicyError::NotUtf8);
        }
        let json: Value =
            serde_json::from_str(&decoded).map_err(|e| PolicyError::NotJson(e.to_string()))?;
        PolicyDocument::from_json(&json)
    }

    /// Compiles a document already read as JSON.
    pub fn from_json(json: &Value) -> Result<PolicyDocument, PolicyError> {
        let Some(doc) = json.as_object() else {
            return Err(invalid("document", "is not a JSON object"));
        };
        if let Some(k) = doc
            .keys()
            .find(|k| !["Version", "Id", "Statement"].contains(&k.as_str()))
        {
            return Err(invalid(
                k.as_str(),
                "is not a policy element (Version, Id, Statement)",
            ));
        }
        let version = match doc.get("Version") {
            None => Version::V2008,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008,
            Some(v) => {
                return Err(invalid(
                    "Version",
                    format!("is {v}, not \"2012-10-17\" or \"2008-10-17\""),
                ))
            }
        };
        let vars = version == Version::V2012;
        let list: Vec<&Value> = match doc.get("Statement") {
            None => return Err(invalid("document", "has no Statement")),
            Some(Value::Array(a)) => a.iter().collect(),
            Some(other) => vec![other],
        };
        let mut views = Vec::with_capacity(list.len());
        let mut compiled = Vec::with_capacity(list.len());
        for (i, s) in list.into_iter().enumerate() {
            let at = format!("Statement[{i}]");
            let Some(obj) = s.as_object() else {
                return Err(invalid(at, "is not an object"));
            };
            let p = statement(i, obj, vars, &at)?;
            views.push(p.view);
            compiled.push(p.compiled);
        }
        Ok(PolicyDocument {
            version,
            views: views.into(),
            compiled: compiled.into(),
        })
    }

    /// The statements as written, in document order.
    pub fn statements(&self) -> &[StatementView] {
        &self.views
    }

    /// The language version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Refuses statements that this kind of policy cannot hold: a Principal in an
    /// identity-based policy or boundary, a missing Resource there, a missing Principal in
    /// a resource-based policy (AWS refuses such documents when they are written).
    pub fn check_kind(&self, kind: PolicyKind) -> Result<(), PolicyError> {
        for (v, c) in self.views.iter().zip(self.compiled.iter()) {
            let at = format!("Statement[{}]", v.index);
            match kind {
                PolicyKind::Identity => {
                    if c.principal.is_some() {
                        return Err(invalid(
                            at,
                            "has a Principal, which an identity-based policy cannot hold",
                        ));
                    }
                    if c.resource.is_none() {
                        return Err(invalid(at, "has neither Resource nor NotResource"));
                    }
                }
                PolicyKind::Resource => {
                    if c.principal.is_none() {
                        return Err(invalid(
                            at,
                            "has neither Principal nor NotPrincipal, which a resource-based policy needs",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_segments_keep_variables_whole() {
        assert_eq!(
            arn_segments("arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"),
            vec![
                "arn",
                "aws",
                "iam",
                "",
                "${aws:PrincipalAccount}",
                "user/${aws:username}"
            ]
        );
        assert_eq!(
            arn_segments("arn:aws:logs:r:1:log-group:x:*"),
            vec!["arn", "aws", "logs", "r", "1", "log-group:x:*"]
        );
        assert_eq!(
            arn_segments("arn:aws:iam::*"),
            vec!["arn", "aws", "iam", "", "*"]
        );
    }

    #[test]
    fn documents_aws_accepts_parse() {
        for doc in [
            // ForAnyValue/ForAllValues with IfExists, numbers and booleans as values,
            // date-only values, short ARN patterns, a Principal with Service and AWS.
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a"]},"StringEquals":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":true},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01"},"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b"}}}]}"#,
            r#"{"Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*"}}"#,
        ] {
            PolicyDocument::parse(doc).unwrap();
        }
    }

    #[test]
    fn invalid_documents_name_the_element() {
        let cases = [
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3","Resource":"*"}]}"#,
                "Statement[0].Action[0]",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"k":"v"}}}]}"#,
                "Statement[0].Condition.StringEqualz",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}]}"#,
                "Statement[0].Resource[0]",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:x","Resource":"*"}]}"#,
                "Statement[0]",
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resorce":"*"}]}"#,
                "Statement[0].Resorce",
            ),
            (r#"{"Version":"2013-01-01","Statement":[]}"#, "Version"),
        ];
        for (doc, at) in cases {
            match PolicyDocument::parse(doc) {
                Err(PolicyError::Invalid { at: got, .. }) => assert_eq!(got, at, "{doc}"),
                other => panic!("{doc}: {other:?}"),
            }
        }
    }
}
