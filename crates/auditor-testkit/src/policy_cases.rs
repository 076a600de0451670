//! Policy-simulation cases for the conformance test: targeted cases per feature of the
//! policy language, and seeded random ones, in the format of `auditor policy simulate`.
//!
//! Every case uses real actions on resources of the type the action takes (the reference
//! simulator refuses anything else), and gives the context keys that follow from the
//! principal explicitly, so both simulators see the same request. Each case carries
//! `features`: tags the conformance test uses to excuse a disagreement that the reviewed
//! list (`tests/conformance/disagreements.toml`) explains with the AWS documentation.

use serde_json::{json, Map, Value};

/// The audited account of the cases.
pub const ACCOUNT: &str = "111122223333";
/// Another account.
pub const OTHER: &str = "444455556666";

/// A small, seeded generator (SplitMix64): the same seed gives the same cases everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `p` percent.
    pub fn chance(&mut self, p: u64) -> bool {
        self.next_u64() % 100 < p
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A principal with the context keys its ARN determines.
struct Principal {
    arn: String,
    account: &'static str,
    kind: &'static str,
    username: Option<&'static str>,
    /// The ARN `aws:PrincipalArn` carries (a session's role).
    principal_arn: String,
}

fn principals() -> Vec<Principal> {
    let p = |arn: String, account, kind, username, principal_arn: Option<String>| Principal {
        principal_arn: principal_arn.unwrap_or_else(|| arn.clone()),
        arn,
        account,
        kind,
        username,
    };
    vec![
        p(
            format!("arn:aws:iam::{ACCOUNT}:role/deployer"),
            ACCOUNT,
            "AssumedRole",
            None,
            None,
        ),
        p(
            format!("arn:aws:iam::{ACCOUNT}:role/app/reader"),
            ACCOUNT,
            "AssumedRole",
            None,
            None,
        ),
        p(
            format!("arn:aws:iam::{ACCOUNT}:user/alice"),
            ACCOUNT,
            "User",
            Some("alice"),
            None,
        ),
        p(
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/deployer/session-1"),
            ACCOUNT,
            "AssumedRole",
            None,
            Some(format!("arn:aws:iam::{ACCOUNT}:role/deployer")),
        ),
        p(
            format!("arn:aws:iam::{ACCOUNT}:root"),
            ACCOUNT,
            "Account",
            None,
            None,
        ),
        p(
            format!("arn:aws:iam::{OTHER}:role/partner"),
            OTHER,
            "AssumedRole",
            None,
            None,
        ),
        p(
            format!("arn:aws:iam::{OTHER}:user/bob"),
            OTHER,
            "User",
            Some("bob"),
            None,
        ),
        p(
            format!("arn:aws:sts::{ACCOUNT}:federated-user/carol"),
            ACCOUNT,
            "FederatedUser",
            None,
            None,
        ),
        p(
            format!("arn:aws:sts::{OTHER}:assumed-role/partner/s2"),
            OTHER,
            "AssumedRole",
            None,
            Some(format!("arn:aws:iam::{OTHER}:role/partner")),
        ),
    ]
}

/// A request target: action, resource, the resource's account, and whether the service
/// takes a resource policy.
fn targets() -> Vec<(&'static str, String, &'static str)> {
    let obj = |k: &str| format!("arn:aws:s3:::tf-state/{k}");
    vec![
        ("s3:GetObject", obj("services/crm/prod.tfstate"), ACCOUNT),
        ("s3:GetObject", obj("services/fraud/dev.tfstate"), ACCOUNT),
        ("s3:PutObject", obj("services/crm/prod.tfstate"), ACCOUNT),
        ("s3:DeleteObject", obj("services/crm/prod.tfstate"), OTHER),
        (
            "s3:GetObject",
            "arn:aws:s3:::partner-logs/a/b.txt".into(),
            OTHER,
        ),
        ("s3:ListBucket", "arn:aws:s3:::tf-state".into(), ACCOUNT),
        (
            "sts:AssumeRole",
            format!("arn:aws:iam::{ACCOUNT}:role/target"),
            ACCOUNT,
        ),
        (
            "sts:AssumeRole",
            format!("arn:aws:iam::{OTHER}:role/target"),
            OTHER,
        ),
        (
            "iam:GetUser",
            format!("arn:aws:iam::{ACCOUNT}:user/alice"),
            ACCOUNT,
        ),
        (
            "iam:PassRole",
            format!("arn:aws:iam::{ACCOUNT}:role/app/worker"),
            ACCOUNT,
        ),
        (
            "ec2:TerminateInstances",
            format!("arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"),
            ACCOUNT,
        ),
        (
            "dynamodb:GetItem",
            format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"),
            ACCOUNT,
        ),
        (
            "sqs:SendMessage",
            format!("arn:aws:sqs:us-east-1:{ACCOUNT}:queue1"),
            ACCOUNT,
        ),
        (
            "lambda:InvokeFunction",
            format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:processor"),
            ACCOUNT,
        ),
        (
            "ecr:BatchGetImage",
            format!("arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/team/app"),
            ACCOUNT,
        ),
        (
            "logs:PutLogEvents",
            format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app:log-stream:web"),
            ACCOUNT,
        ),
        (
            "kms:Decrypt",
            format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
            ACCOUNT,
        ),
    ]
}

/// Context keys the random cases set, with the values they take (a value of `null`
/// leaves the key absent).
fn context_pool() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        ("aws:SecureTransport", vec![json!("true"), json!("false")]),
        (
            "aws:PrincipalTag/team",
            vec![
                json!("crm"),
                json!("fraud"),
                json!("CRM"),
                json!(""),
                Value::Null,
            ],
        ),
        (
            "aws:PrincipalOrgID",
            vec![json!("o-abc123"), json!("o-zzz999"), Value::Null],
        ),
        (
            "aws:PrincipalOrgPaths",
            vec![
                json!(["o-abc123/r-ab12/ou-ab12-11111111/"]),
                json!([]),
                Value::Null,
            ],
        ),
        (
            "aws:SourceIp",
            vec![
                json!("10.1.2.3"),
                json!("203.0.113.9"),
                json!("198.51.100.1"),
                json!("2001:db8::5"),
            ],
        ),
        (
            "aws:CurrentTime",
            vec![
                json!("2025-06-01T12:00:00Z"),
                json!("2020-01-01T00:00:00Z"),
                json!("2025-06-01T11:00:00.4Z"),
                json!("2025-06-01T11:00:00.6+00:00"),
            ],
        ),
        (
            "aws:MultiFactorAuthAge",
            vec![
                json!("300"),
                json!("7200"),
                json!("99999999999999999999999"),
                Value::Null,
            ],
        ),
        (
            "aws:MultiFactorAuthPresent",
            vec![json!("true"), json!("false"), Value::Null],
        ),
        (
            "aws:TagKeys",
            vec![
                json!(["team"]),
                json!(["team", "env"]),
                json!(["owner"]),
                json!([]),
                Value::Null,
            ],
        ),
        (
            "aws:RequestedRegion",
            vec![json!("us-east-1"), json!("eu-west-1")],
        ),
        (
            "aws:UserAgent",
            vec![json!("terraform/1.6"), json!("aws-cli/2.15")],
        ),
        ("aws:SourceVpce", vec![json!("vpce-1a2b3c"), Value::Null]),
    ]
}

/// A random condition: (operator, key, value), and the features it exercises.
fn condition(rng: &mut Rng, vars: bool) -> (String, String, Value, Vec<&'static str>) {
    let mut f = Vec::new();
    let a = ACCOUNT;
    let choices: Vec<(&str, &str, Value)> = vec![
        ("Bool", "aws:SecureTransport", json!("false")),
        ("Bool", "aws:SecureTransport", json!(true)),
        ("BoolIfExists", "aws:MultiFactorAuthPresent", json!("true")),
        ("Bool", "aws:MultiFactorAuthPresent", json!(false)),
        (
            "StringEquals",
            "aws:PrincipalTag/team",
            json!(["crm", "fraud"]),
        ),
        (
            "StringEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            json!("crm"),
        ),
        ("StringNotEquals", "aws:PrincipalTag/team", json!("crm")),
        ("StringLike", "aws:PrincipalTag/team", json!("cr*")),
        ("StringNotLike", "aws:PrincipalTag/team", json!("?rm")),
        (
            "StringEqualsIfExists",
            "aws:PrincipalTag/team",
            json!("crm"),
        ),
        ("StringEquals", "aws:PrincipalOrgID", json!("o-abc123")),
        ("StringLike", "aws:PrincipalOrgID", json!("o-*")),
        ("StringNotEquals", "aws:PrincipalOrgID", json!("o-abc123")),
        (
            "StringEqualsIfExists",
            "aws:PrincipalOrgID",
            json!("o-abc123"),
        ),
        (
            "ForAllValues:StringEquals",
            "aws:PrincipalOrgID",
            json!("o-abc123"),
        ),
        ("Null", "aws:PrincipalOrgID", json!("false")),
        ("Null", "aws:PrincipalTag/team", json!("true")),
        (
            "ForAnyValue:StringLike",
            "aws:PrincipalOrgPaths",
            json!("o-abc123/r-ab12/ou-*"),
        ),
        (
            "ForAllValues:StringLike",
            "aws:PrincipalOrgPaths",
            json!("o-abc123/*"),
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            json!(["10.0.0.0/8", "2001:db8::/32"]),
        ),
        ("NotIpAddress", "aws:SourceIp", json!("203.0.113.0/24")),
        ("IpAddress", "aws:SourceIp", json!("198.51.100.1")),
        (
            "DateGreaterThan",
            "aws:CurrentTime",
            json!("2024-01-01T00:00:00Z"),
        ),
        ("DateLessThan", "aws:CurrentTime", json!("2030-01-01")),
        (
            "DateLessThanEquals",
            "aws:CurrentTime",
            json!("2020-01-01T00:00:00Z"),
        ),
        ("NumericLessThan", "aws:MultiFactorAuthAge", json!(3600)),
        (
            "NumericGreaterThanEquals",
            "aws:MultiFactorAuthAge",
            json!("300"),
        ),
        (
            "NumericLessThanIfExists",
            "aws:MultiFactorAuthAge",
            json!("600"),
        ),
        (
            "ArnEquals",
            "aws:PrincipalArn",
            json!(format!("arn:aws:iam::{a}:role/deployer")),
        ),
        (
            "ArnLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::*:role/*"),
        ),
        (
            "ArnLike",
            "aws:PrincipalArn",
            json!(format!("arn:aws:iam::{a}:*")),
        ),
        ("ArnLike", "aws:PrincipalArn", json!("arn:aws:iam::1111*")),
        (
            "ArnNotEquals",
            "aws:PrincipalArn",
            json!(format!("arn:aws:iam::{a}:role/app/*")),
        ),
        (
            "ArnNotLike",
            "aws:PrincipalArn",
            json!(format!("arn:aws:iam::{a}:user/*")),
        ),
        (
            "StringLike",
            "aws:PrincipalArn",
            json!(format!("arn:aws:iam::{a}:*")),
        ),
        ("StringEquals", "aws:PrincipalAccount", json!(a)),
        ("StringNotEquals", "aws:PrincipalAccount", json!(OTHER)),
        (
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            json!(["team", "env"]),
        ),
        ("ForAnyValue:StringLike", "aws:TagKeys", json!("t*")),
        (
            "ForAnyValue:StringEqualsIfExists",
            "aws:TagKeys",
            json!("owner"),
        ),
        ("ForAllValues:StringLikeIfExists", "aws:TagKeys", json!("*")),
        ("Null", "aws:TagKeys", json!("false")),
        ("StringEquals", "aws:RequestedRegion", json!("us-east-1")),
        ("StringLike", "aws:UserAgent", json!("*terraform*")),
        ("StringEquals", "aws:SourceVpce", json!("vpce-1a2b3c")),
        (
            "StringNotEqualsIfExists",
            "aws:SourceVpce",
            json!("vpce-1a2b3c"),
        ),
        ("StringEquals", "aws:PrincipalType", json!("User")),
        ("StringEquals", "aws:PrincipalType", json!("FederatedUser")),
        ("ForAllValues:Null", "aws:TagKeys", json!("false")),
        ("ForAnyValue:Null", "aws:TagKeys", json!("true")),
        (
            "DateLessThan",
            "aws:CurrentTime",
            json!("2025-06-01T12:00:00.5+01:00"),
        ),
        (
            "NumericLessThan",
            "aws:MultiFactorAuthAge",
            json!("12345678901234567890123"),
        ),
        ("ArnNotLike", "aws:PrincipalArn", json!("arn:aws:iam::*")),
        (
            "ArnLike",
            "aws:PrincipalArn",
            json!(format!("arn:aws:iam::{a}")),
        ),
    ];
    let var_choices: Vec<(&str, &str, Value)> = vec![
        (
            "StringEquals",
            "aws:PrincipalTag/team",
            json!("${aws:username}"),
        ),
        ("StringLike", "aws:PrincipalArn", json!("*${aws:username}")),
        (
            "StringNotEquals",
            "aws:PrincipalTag/team",
            json!("${aws:username}"),
        ),
        (
            "StringEquals",
            "aws:RequestedRegion",
            json!("${aws:PrincipalTag/region, 'us-east-1'}"),
        ),
    ];
    let (op, key, v) = if vars && rng.chance(25) {
        f.push("condition-variable");
        rng.pick(&var_choices).clone()
    } else {
        rng.pick(&choices).clone()
    };
    if op.contains(':') && op.ends_with("IfExists") {
        f.push("set-operator-ifexists");
    }
    if op.starts_with("Arn") {
        f.push("arn-operator");
    }
    if op.contains(":Null") {
        f.push("null-qualifier");
    }
    (op.to_owned(), key.to_owned(), v, f)
}

fn action_pattern(rng: &mut Rng, action: &str) -> Value {
    let (svc, name) = action.split_once(':').unwrap_or((action, ""));
    let mut half = name.to_owned();
    half.truncate((name.len() / 2).max(1));
    let q = format!("{svc}:?{}", &name[name.len().min(1)..]);
    let choices: Vec<String> = vec![
        action.to_owned(),
        action.to_ascii_lowercase(),
        format!("{svc}:*"),
        format!("{svc}:{half}*"),
        q,
        "*".into(),
        "s3:List*".into(),
        "iam:*".into(),
        "ec2:Describe*".into(),
    ];
    json!(rng.pick(&choices))
}

fn resource_pattern(
    rng: &mut Rng,
    resource: &str,
    vars: bool,
    features: &mut Vec<&'static str>,
) -> Value {
    let mut cut = resource.to_owned();
    if cut.len() > 14 {
        let at = 14 + rng.below(cut.len() - 14);
        if cut.is_char_boundary(at) {
            cut.truncate(at);
        }
    }
    let mut choices: Vec<String> = vec![
        resource.to_owned(),
        format!("{cut}*"),
        "*".into(),
        "arn:aws:s3:::tf-state/services/crm/*".into(),
        "arn:aws:s3:::tf-state/*".into(),
        format!("arn:aws:iam::{ACCOUNT}:role/*"),
        format!("arn:aws:*:*:{ACCOUNT}:*"),
        format!("arn:aws:ec2:*:*:instance/*"),
        format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/ord?rs"),
        // A `*` that ends a segment runs past colons; a wildcard in a resource type.
        "arn:aws:s3:*:*:tf-*/*".into(),
        "arn:aws:s3:*:tf-state/*".into(),
        "arn:aws:logs:*:log-group:app:*".into(),
        format!("arn:aws:lambda:*:{ACCOUNT}:function:*"),
        "arn:aws:iam::*:role/app/*".into(),
    ];
    if vars {
        choices.push("arn:aws:s3:::tf-state/services/${aws:PrincipalTag/team}/*".into());
        choices.push(format!("arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"));
        choices.push("arn:aws:s3:::tf-state/services/${aws:PrincipalTag/team, 'crm'}/*".into());
        choices.push("arn:aws:s3:::tf-state/${*}".into());
    }
    let c = rng.pick(&choices).clone();
    if c.contains("${") {
        features.push("resource-variable");
    }
    if c.starts_with("arn:aws:*:") {
        features.push("service-wildcard");
    }
    if segment_wildcard(&c) {
        features.push("resource-segment-wildcard");
    }
    json!(c)
}

/// Whether a Resource ARN has a wildcard before its resource id: in a segment before the
/// resource part, or in the resource type.
fn segment_wildcard(pattern: &str) -> bool {
    let segs: Vec<&str> = pattern.splitn(6, ':').collect();
    if segs.len() < 6 {
        return pattern.contains(['*', '?']);
    }
    let ty = segs[5].split(['/', ':']).next().unwrap_or_default();
    segs[1..5].iter().any(|s| s.contains(['*', '?']))
        || (segs[5].contains(['/', ':']) && ty.contains(['*', '?']))
}

struct Doc {
    value: Value,
    features: Vec<&'static str>,
}

fn statement(
    rng: &mut Rng,
    action: &str,
    resource: &str,
    resource_policy: bool,
    vars: bool,
    features: &mut Vec<&'static str>,
) -> Value {
    let mut s = Map::new();
    if rng.chance(20) {
        s.insert("Sid".into(), json!(format!("S{}", rng.below(100))));
    }
    let deny = rng.chance(if resource_policy { 35 } else { 25 });
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    if resource_policy {
        let principals = principals();
        let p = rng.pick(&principals);
        let choices: Vec<Value> = vec![
            json!("*"),
            json!({"AWS": "*"}),
            json!({"AWS": p.account}),
            json!({"AWS": format!("arn:aws:iam::{}:root", p.account)}),
            json!({"AWS": p.arn.clone()}),
            json!({"AWS": [p.principal_arn.clone(), format!("arn:aws:iam::{OTHER}:root")]}),
            json!({"Service": "ec2.amazonaws.com", "AWS": p.principal_arn.clone()}),
            json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:role/deployer")}),
        ];
        let principal = rng.pick(&choices).clone();
        if deny && rng.chance(25) {
            features.push("not-principal");
            s.insert(
                "NotPrincipal".into(),
                json!({"AWS": [p.principal_arn.clone(), format!("arn:aws:iam::{}:root", p.account)]}),
            );
        } else {
            if principal
                .get("AWS")
                .and_then(Value::as_str)
                .is_some_and(|a| a.len() == 12 || a.ends_with(":root"))
            {
                features.push("account-principal");
            }
            s.insert("Principal".into(), principal);
        }
    }
    if rng.chance(15) {
        features.push("not-action");
        s.insert("NotAction".into(), action_pattern(rng, "iam:CreateUser"));
    } else {
        let n = 1 + rng.below(2);
        let acts: Vec<Value> = (0..n).map(|_| action_pattern(rng, action)).collect();
        s.insert(
            "Action".into(),
            if n == 1 { acts[0].clone() } else { json!(acts) },
        );
    }
    if !resource_policy || rng.chance(80) {
        if rng.chance(12) {
            features.push("not-resource");
            let choices = [
                "arn:aws:s3:::tf-state/services/fraud/*",
                "arn:aws:iam::*:role/app/*",
                "arn:aws:ec2:*:*:instance/*",
            ];
            s.insert("NotResource".into(), json!(rng.pick(&choices)));
        } else {
            let r = resource_pattern(rng, resource, vars, features);
            s.insert("Resource".into(), r);
        }
    }
    if rng.chance(55) {
        let mut cond = Map::new();
        for _ in 0..1 + rng.below(2) {
            let (op, key, v, f) = condition(rng, vars);
            features.extend(f);
            let entry = cond.entry(op).or_insert_with(|| json!({}));
            if let Some(m) = entry.as_object_mut() {
                m.insert(key, v);
            }
        }
        s.insert("Condition".into(), Value::Object(cond));
    }
    Value::Object(s)
}

fn document(rng: &mut Rng, action: &str, resource: &str, resource_policy: bool) -> Doc {
    let mut features = Vec::new();
    let version = match rng.below(100) {
        0..=91 => Some("2012-10-17"),
        92..=95 => Some("2008-10-17"),
        _ => None,
    };
    let vars = true;
    let n = 1 + rng.below(3);
    let statements: Vec<Value> = (0..n)
        .map(|_| statement(rng, action, resource, resource_policy, vars, &mut features))
        .collect();
    let mut d = Map::new();
    if let Some(v) = version {
        d.insert("Version".into(), json!(v));
    }
    d.insert(
        "Statement".into(),
        if n == 1 && rng.chance(30) {
            statements[0].clone()
        } else {
            json!(statements)
        },
    );
    let value = Value::Object(d);
    if version != Some("2012-10-17") && value.to_string().contains("${") {
        features.push("variables-without-version");
    }
    Doc { value, features }
}

/// `n` random cases from `seed`.
pub fn random_cases(seed: u64, n: usize) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    let principals = principals();
    let targets = targets();
    let pool = context_pool();
    (0..n)
        .map(|i| {
            let p = rng.pick(&principals);
            let (action, resource, resource_account) = rng.pick(&targets).clone();
            let mut features: Vec<&'static str> = Vec::new();
            // Now and then a request without credentials, against a resource policy.
            let anonymous = rng.chance(6);
            let mut ctx = Map::new();
            if anonymous {
                features.push("anonymous");
            } else {
                ctx.insert("aws:PrincipalArn".into(), json!(p.principal_arn));
                ctx.insert("aws:PrincipalAccount".into(), json!(p.account));
                ctx.insert("aws:PrincipalType".into(), json!(p.kind));
                if let Some(u) = p.username {
                    ctx.insert("aws:username".into(), json!(u));
                }
                if p.kind == "Account" {
                    ctx.insert("aws:userid".into(), json!(p.account));
                }
            }
            for (k, vals) in &pool {
                if rng.chance(45) {
                    let v = rng.pick(vals).clone();
                    if v == json!("") {
                        features.push("empty-value");
                    }
                    if !v.is_null() {
                        ctx.insert((*k).into(), v);
                    }
                }
            }
            let root = p.kind == "Account" && !anonymous;
            // The root user has full access to its account ("Policy evaluation logic"),
            // which the reference simulator does not model: it gets an identity policy that
            // allows everything, so both decide the rest the same way (targeted cases test
            // the root user alone).
            let mut identity: Vec<Value> = (0..if root || anonymous { 0 } else { rng.below(3) })
                .map(|_| {
                    let d = document(&mut rng, action, &resource, false);
                    features.extend(d.features);
                    d.value
                })
                .collect();
            if root {
                identity.push(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
            }
            let boundary = if !root && !anonymous && rng.chance(20) {
                features.push("boundary");
                let d = document(&mut rng, action, &resource, false);
                features.extend(d.features);
                d.value
            } else {
                Value::Null
            };
            let resource_policy = if anonymous || rng.chance(55) {
                let d = document(&mut rng, action, &resource, true);
                features.extend(d.features);
                d.value
            } else {
                Value::Null
            };
            let docs = identity.iter().chain([&boundary, &resource_policy]);
            if (anonymous || p.username.is_none())
                && docs.into_iter().any(|d| negated_variable(d, "${aws:username}"))
            {
                // A negated operator against a variable without value.
                features.push("negated-unresolved-variable");
            }
            if !anonymous && not_principal_partial(&resource_policy, p) {
                features.push("not-principal-partial");
            }
            features.sort_unstable();
            features.dedup();
            json!({
                "id": format!("random-{seed}-{i}"),
                "principal": if anonymous { Value::Null } else { json!(p.arn) },
                "action": action,
                "resource": resource,
                "resourceAccount": resource_account,
                "context": ctx,
                "identity": identity,
                "boundary": boundary,
                "resourcePolicy": resource_policy,
                "features": features,
            })
        })
        .collect()
}

/// Whether a negated condition operator of `doc` compares with text holding `var`.
fn negated_variable(doc: &Value, var: &str) -> bool {
    match doc {
        Value::Object(m) => m.iter().any(|(k, v)| {
            (k.contains("Not")
                && k != "NotPrincipal"
                && k != "NotAction"
                && k != "NotResource"
                && v.to_string().contains(var))
                || negated_variable(v, var)
        }),
        Value::Array(a) => a.iter().any(|v| negated_variable(v, var)),
        _ => false,
    }
}

/// Whether a NotPrincipal list of `rp` names part, but not all, of the caller's identity
/// chain (its account, its role or user, its session): AWS leaves the caller out only when
/// every level is listed, the reference simulator when any is.
fn not_principal_partial(rp: &Value, p: &Principal) -> bool {
    let statements: Vec<&Value> = match rp.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s) => vec![s],
        None => Vec::new(),
    };
    let root = format!("arn:aws:iam::{}:root", p.account);
    let mut chain = vec![root.clone()];
    if p.kind != "Account" {
        chain.push(p.principal_arn.clone());
    }
    if p.arn != p.principal_arn {
        chain.push(p.arn.clone());
    }
    statements.iter().any(|s| {
        let Some(list) = s.get("NotPrincipal").and_then(|n| n.get("AWS")) else {
            return false;
        };
        let names: Vec<&str> = match list {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            Value::String(x) => vec![x.as_str()],
            _ => Vec::new(),
        };
        let listed = |c: &String| {
            names
                .iter()
                .any(|n| *n == c || (c == &root && *n == p.account))
        };
        let n = chain.iter().filter(|c| listed(c)).count();
        n > 0 && n < chain.len()
    })
}

/// Cases aimed at one feature each, every combination of a few values: each of the
/// issue's eleven classes and each operator family.
pub fn targeted_cases() -> Vec<Value> {
    let mut out = Vec::new();
    let role = format!("arn:aws:iam::{ACCOUNT}:role/deployer");
    let user = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    let object = "arn:aws:s3:::tf-state/services/crm/prod.tfstate";
    let base_ctx = |p: &str| -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("aws:PrincipalArn".into(), json!(p));
        m.insert("aws:PrincipalAccount".into(), json!(ACCOUNT));
        m.insert(
            "aws:PrincipalType".into(),
            json!(if p.contains(":user/") {
                "User"
            } else {
                "AssumedRole"
            }),
        );
        if let Some(u) = p.strip_prefix(&format!("arn:aws:iam::{ACCOUNT}:user/")) {
            m.insert("aws:username".into(), json!(u));
        }
        m
    };
    let allow_all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    let mut push = |id: String,
                    principal: &str,
                    ctx: Map<String, Value>,
                    identity: Vec<Value>,
                    boundary: Value,
                    rp: Value,
                    features: &[&str]| {
        out.push(json!({
            "id": id, "principal": principal, "action": "s3:GetObject", "resource": object,
            "resourceAccount": ACCOUNT, "context": ctx, "identity": identity,
            "boundary": boundary, "resourcePolicy": rp, "features": features,
        }));
    };
    // Every operator with every presence of its key, with and without IfExists.
    let ops: &[(&str, &str, Value, &[Value])] = &[
        (
            "StringEquals",
            "aws:PrincipalTag/team",
            json!("crm"),
            &[json!("crm"), json!("fraud")],
        ),
        (
            "StringNotEquals",
            "aws:PrincipalTag/team",
            json!("crm"),
            &[json!("crm"), json!("fraud")],
        ),
        (
            "StringEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            json!("CRM"),
            &[json!("crm"), json!("fraud")],
        ),
        (
            "StringNotEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            json!("CRM"),
            &[json!("crm"), json!("fraud")],
        ),
        (
            "StringLike",
            "aws:PrincipalTag/team",
            json!("c?m*"),
            &[json!("crm"), json!("cm")],
        ),
        (
            "StringNotLike",
            "aws:PrincipalTag/team",
            json!("c*"),
            &[json!("crm"), json!("fraud")],
        ),
        (
            "NumericEquals",
            "aws:MultiFactorAuthAge",
            json!(300),
            &[json!("300"), json!("300.0"), json!("301")],
        ),
        (
            "NumericNotEquals",
            "aws:MultiFactorAuthAge",
            json!("300"),
            &[json!("300"), json!("301")],
        ),
        (
            "NumericLessThan",
            "aws:MultiFactorAuthAge",
            json!("300"),
            &[json!("299"), json!("300")],
        ),
        (
            "NumericLessThanEquals",
            "aws:MultiFactorAuthAge",
            json!("300"),
            &[json!("300"), json!("301")],
        ),
        (
            "NumericGreaterThan",
            "aws:MultiFactorAuthAge",
            json!("300"),
            &[json!("301"), json!("300")],
        ),
        (
            "NumericGreaterThanEquals",
            "aws:MultiFactorAuthAge",
            json!("300.5"),
            &[json!("300"), json!("301")],
        ),
        (
            "DateEquals",
            "aws:CurrentTime",
            json!("2024-01-01"),
            &[json!("2024-01-01T00:00:00Z"), json!("2024-01-02T00:00:00Z")],
        ),
        (
            "DateNotEquals",
            "aws:CurrentTime",
            json!("2024-01-01T00:00:00Z"),
            &[json!("2024-01-01T00:00:00Z"), json!("2025-01-01T00:00:00Z")],
        ),
        (
            "DateLessThan",
            "aws:CurrentTime",
            json!("2024-06-01T00:00:00Z"),
            &[json!("2024-05-31T23:59:59Z"), json!("2024-06-01T00:00:00Z")],
        ),
        (
            "DateLessThanEquals",
            "aws:CurrentTime",
            json!("2024-06-01"),
            &[json!("2024-06-01T00:00:00Z"), json!("2024-06-01T00:00:01Z")],
        ),
        (
            "DateGreaterThan",
            "aws:CurrentTime",
            json!("2024-06-01T00:00:00+02:00"),
            &[json!("2024-05-31T22:00:01Z"), json!("2024-05-31T22:00:00Z")],
        ),
        (
            "DateGreaterThanEquals",
            "aws:CurrentTime",
            json!("2024-06-01T00:00:00Z"),
            &[json!("2024-06-01T00:00:00Z"), json!("2024-05-01T00:00:00Z")],
        ),
        (
            "Bool",
            "aws:SecureTransport",
            json!(true),
            &[json!("true"), json!("false"), json!("TRUE")],
        ),
        (
            "Bool",
            "aws:SecureTransport",
            json!("false"),
            &[json!("true"), json!("false")],
        ),
        (
            "BinaryEquals",
            "aws:UserAgent",
            json!("QmluYXJ5"),
            &[json!("QmluYXJ5"), json!("other")],
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            json!("10.0.0.0/8"),
            &[json!("10.9.9.9"), json!("11.0.0.1"), json!("2001:db8::1")],
        ),
        (
            "NotIpAddress",
            "aws:SourceIp",
            json!("10.0.0.0/8"),
            &[json!("10.9.9.9"), json!("11.0.0.1"), json!("2001:db8::1")],
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            json!("2001:db8::/32"),
            &[
                json!("2001:db8:1::1"),
                json!("2001:db9::1"),
                json!("10.0.0.1"),
            ],
        ),
        (
            "ArnEquals",
            "aws:PrincipalArn",
            json!("arn:aws:iam::111122223333:role/*"),
            &[json!(role), json!(user)],
        ),
        (
            "ArnLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::*:role/deploy?r"),
            &[json!(role), json!(user)],
        ),
        (
            "ArnNotEquals",
            "aws:PrincipalArn",
            json!("arn:aws:iam::111122223333:role/*"),
            &[json!(role), json!(user)],
        ),
        (
            "ArnNotLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::111122223333:user/*"),
            &[json!(role), json!(user)],
        ),
        (
            "ArnLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::111122223333:*"),
            &[json!(role), json!(user)],
        ),
        (
            "ArnLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::1111*:role/deployer"),
            &[json!(role)],
        ),
    ];
    for (op, key, pv, values) in ops {
        for if_exists in [false, true] {
            let operator = if if_exists {
                format!("{op}IfExists")
            } else {
                (*op).to_owned()
            };
            let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {operator.clone(): {*key: pv}}}]});
            let mut variants: Vec<Option<&Value>> = values.iter().map(Some).collect();
            if *key != "aws:PrincipalArn" {
                variants.push(None);
            }
            for (i, v) in variants.into_iter().enumerate() {
                let mut ctx = base_ctx(&role);
                if let Some(v) = v {
                    ctx.insert((*key).into(), v.clone());
                }
                push(
                    format!("op-{operator}-{i}"),
                    &role,
                    ctx,
                    vec![doc.clone()],
                    Value::Null,
                    Value::Null,
                    &["operator"],
                );
            }
        }
    }
    // Set operators on a multivalued key: absent, empty, one, several values.
    for (op, pv) in [
        ("ForAnyValue:StringEquals", json!(["team", "env"])),
        ("ForAllValues:StringEquals", json!(["team", "env"])),
        ("ForAnyValue:StringNotEquals", json!("team")),
        ("ForAllValues:StringNotEquals", json!("team")),
        ("ForAnyValue:StringLike", json!("te*")),
        ("ForAllValues:StringLike", json!("te*")),
        ("ForAnyValue:StringEqualsIfExists", json!("team")),
        ("ForAllValues:StringEqualsIfExists", json!("team")),
        ("StringEquals", json!("team")),
        ("Null", json!("true")),
        ("Null", json!("false")),
    ] {
        for (i, v) in [
            None,
            Some(json!([])),
            Some(json!(["team"])),
            Some(json!(["team", "owner"])),
            Some(json!(["env", "team"])),
        ]
        .into_iter()
        .enumerate()
        {
            let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {op: {"aws:TagKeys": pv.clone()}}}]});
            let mut ctx = base_ctx(&role);
            if let Some(v) = v {
                ctx.insert("aws:TagKeys".into(), v);
            }
            let f: &[&str] = if op.contains(':') && op.ends_with("IfExists") {
                &["set-operator-ifexists"]
            } else {
                &["set-operator"]
            };
            push(
                format!("set-{op}-{i}"),
                &role,
                ctx,
                vec![doc],
                Value::Null,
                Value::Null,
                f,
            );
        }
    }
    // Class 1: a Deny naming the account; class 2: Deny + NotPrincipal with a boundary;
    // class 5: a * grant limited by aws:PrincipalArn, with a boundary that does not allow.
    let boundary_none = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]});
    for (i, principal) in [
        json!({"AWS": ACCOUNT}),
        json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}),
        json!("*"),
        json!({"AWS": role.clone()}),
    ]
    .into_iter()
    .enumerate()
    {
        for tls in ["true", "false"] {
            let rp = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": principal.clone(), "Action": "s3:*",
                "Resource": "arn:aws:s3:::tf-state/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]});
            let mut ctx = base_ctx(&role);
            ctx.insert("aws:SecureTransport".into(), json!(tls));
            push(
                format!("class1-deny-principal-{i}-{tls}"),
                &role,
                ctx,
                vec![allow_all.clone()],
                Value::Null,
                rp,
                &["account-principal"],
            );
        }
    }
    for with_boundary in [false, true] {
        for p in [&role, &user] {
            let rp = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": [p, format!("arn:aws:iam::{ACCOUNT}:root")]},
                "Action": "s3:*", "Resource": "*"}]});
            let b = if with_boundary {
                allow_all.clone()
            } else {
                Value::Null
            };
            push(
                format!(
                    "class2-notprincipal-{}-{with_boundary}",
                    p.rsplit('/').next().unwrap_or_default()
                ),
                p,
                base_ctx(p),
                vec![allow_all.clone()],
                b,
                rp,
                &["not-principal", "boundary"],
            );
        }
    }
    for p in [
        role.clone(),
        user.clone(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/deployer/s1"),
    ] {
        for (j, rp) in [
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"ArnEquals": {"aws:PrincipalArn": role.clone()}}}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": role.clone()}, "Action": "s3:GetObject", "Resource": "*"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": user.clone()}, "Action": "s3:GetObject", "Resource": "*"}]}),
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "s3:GetObject", "Resource": "*"}]}),
        ]
        .into_iter()
        .enumerate()
        {
            let mut ctx = base_ctx(&p);
            if p.contains("assumed-role") {
                ctx.insert("aws:PrincipalArn".into(), json!(role));
            }
            push(format!("class5-boundary-{}-{j}", p.rsplit(':').next().unwrap_or_default()), &p, ctx.clone(), vec![], boundary_none.clone(), rp.clone(), &["boundary"]);
            push(format!("class5-noboundary-{}-{j}", p.rsplit(':').next().unwrap_or_default()), &p, ctx, vec![], Value::Null, rp, &[]);
        }
    }
    // Class 3/4/9/10: variables without value, in conditions, without Version, escapes.
    let var_docs: &[(&str, Value, &[&str])] = &[
        (
            "resource-username",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tf-state/services/${aws:username}/*"}]}),
            &["resource-variable"],
        ),
        (
            "resource-tag",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tf-state/services/${aws:PrincipalTag/team}/*"}]}),
            &["resource-variable"],
        ),
        (
            "resource-default",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tf-state/services/${aws:PrincipalTag/team, 'crm'}/*"}]}),
            &["resource-variable"],
        ),
        (
            "deny-notresource-tag",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::tf-state/services/${aws:PrincipalTag/team}/*"}]}),
            &["resource-variable", "not-resource"],
        ),
        (
            "condition-equals",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "${aws:username}"}}}]}),
            &["condition-variable"],
        ),
        (
            "condition-not-equals",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:username}"}}}]}),
            &["condition-variable", "negated-unresolved-variable"],
        ),
        (
            "condition-like",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"aws:PrincipalArn": "*${aws:username}"}}}]}),
            &["condition-variable"],
        ),
        (
            "escapes",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tf-state/services/crm/prod${*}"}]}),
            &["resource-variable"],
        ),
        (
            "no-version",
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tf-state/services/${aws:PrincipalTag/team}/*"}]}),
            &["variables-without-version"],
        ),
        (
            "version-2008",
            json!({"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::tf-state/services/${aws:PrincipalTag/team}/*"}]}),
            &["variables-without-version"],
        ),
    ];
    for (name, doc, f) in var_docs {
        for (pi, p) in [&role, &user].into_iter().enumerate() {
            for tag in [None, Some("crm"), Some("fraud"), Some("alice")] {
                let mut ctx = base_ctx(p);
                if let Some(t) = tag {
                    ctx.insert("aws:PrincipalTag/team".into(), json!(t));
                }
                let mut features: Vec<&str> = f.to_vec();
                if name.contains("not-equals") && pi == 0 {
                    features.push("negated-unresolved-variable");
                }
                push(
                    format!("vars-{name}-{pi}-{}", tag.unwrap_or("none")),
                    p,
                    ctx,
                    vec![doc.clone()],
                    Value::Null,
                    Value::Null,
                    &features,
                );
            }
        }
    }
    // The root user: full access in its account unless a policy denies.
    let root = format!("arn:aws:iam::{ACCOUNT}:root");
    for (j, rp) in [Value::Null, json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]})].into_iter().enumerate() {
        let mut ctx = Map::new();
        ctx.insert("aws:PrincipalArn".into(), json!(root));
        ctx.insert("aws:PrincipalAccount".into(), json!(ACCOUNT));
        ctx.insert("aws:PrincipalType".into(), json!("Account"));
        push(format!("root-{j}"), &root, ctx, vec![], Value::Null, rp, &["root-user"]);
    }
    // Class 8: a wildcard in the service segment.
    for (action, resource) in [
        (
            "ec2:TerminateInstances",
            format!("arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1"),
        ),
        (
            "dynamodb:GetItem",
            format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t"),
        ),
        ("s3:GetObject", object.to_owned()),
    ] {
        for pat in [
            format!("arn:aws:*:*:{ACCOUNT}:*"),
            "arn:aws:*:us-east-1:*:*".into(),
            "arn:aws:*".into(),
        ] {
            let doc = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": pat.clone()}]});
            out.push(json!({"id": format!("class8-{action}-{pat}"), "principal": role, "action": action, "resource": resource,
                "resourceAccount": ACCOUNT, "context": base_ctx(&role), "identity": [doc], "boundary": null, "resourcePolicy": null,
                "features": ["service-wildcard"]}));
        }
    }
    // Cross-account and role trust (sts) rules.
    let other_role = format!("arn:aws:iam::{OTHER}:role/partner");
    for (j, trust) in [
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sts:AssumeRole"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": other_role.clone()}, "Action": "sts:AssumeRole"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": role.clone()}, "Action": "sts:AssumeRole"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    ]
    .into_iter()
    .enumerate()
    {
        for (pi, (p, acct)) in [(&role, ACCOUNT), (&other_role, OTHER)].into_iter().enumerate() {
            for identity in [vec![], vec![json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]})]] {
                let mut ctx = Map::new();
                ctx.insert("aws:PrincipalArn".into(), json!(p));
                ctx.insert("aws:PrincipalAccount".into(), json!(acct));
                ctx.insert("aws:PrincipalType".into(), json!("AssumedRole"));
                out.push(json!({"id": format!("trust-{j}-{pi}-{}", identity.len()), "principal": p, "action": "sts:AssumeRole",
                    "resource": format!("arn:aws:iam::{ACCOUNT}:role/target"), "resourceAccount": ACCOUNT, "context": ctx,
                    "identity": identity, "boundary": null, "resourcePolicy": trust.clone(), "features": ["trust"]}));
            }
        }
    }
    out
}

/// Random resource-based policies for the outsider analysis (`reach`): trust policies of
/// `arn:aws:iam::ACCOUNT:role/target` (`"kind": "trust"`) and bucket policies of
/// `arn:aws:s3:::tf-state` (`"kind": "bucket"`), built from the principals, conditions and
/// Deny shapes that decide who outside gets in (no policy variables and no NotPrincipal,
/// where the reference simulator reads the documentation differently).
pub fn outsider_policies(seed: u64, n: usize) -> Vec<Value> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let trust = rng.chance(50);
            let statements: Vec<Value> = (0..1 + rng.below(3))
                .map(|_| outsider_statement(&mut rng, trust))
                .collect();
            json!({
                "id": format!("outsider-{seed}-{i}"),
                "kind": if trust { "trust" } else { "bucket" },
                "policy": {"Version": "2012-10-17", "Statement": statements},
            })
        })
        .collect()
}

fn outsider_statement(rng: &mut Rng, trust: bool) -> Value {
    let deny = rng.chance(35);
    let principals = [
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": OTHER}),
        json!({"AWS": format!("arn:aws:iam::{OTHER}:root")}),
        json!({"AWS": format!("arn:aws:iam::{OTHER}:role/ci")}),
        json!({"AWS": format!("arn:aws:iam::{OTHER}:user/bob")}),
        json!({"AWS": ACCOUNT}),
        json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:role/deployer")}),
        json!({"Service": "cloudtrail.amazonaws.com"}),
    ];
    let mut s = Map::new();
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    let principal = if deny && rng.chance(60) {
        json!("*")
    } else {
        rng.pick(&principals).clone()
    };
    s.insert("Principal".into(), principal);
    let actions: Vec<Value> = if trust {
        vec![json!("sts:AssumeRole"), json!("sts:*"), json!("*")]
    } else {
        vec![
            json!("s3:GetObject"),
            json!("s3:*"),
            json!("s3:Get*"),
            json!("*"),
            json!(["s3:ListBucket", "s3:PutObject"]),
            json!("s3:DeleteObject"),
        ]
    };
    if deny && !trust && rng.chance(25) {
        s.insert(
            "NotAction".into(),
            json!(rng
                .pick(&[json!(["s3:GetObject", "s3:ListBucket"]), json!("s3:*")])
                .clone()),
        );
    } else {
        s.insert("Action".into(), rng.pick(&actions).clone());
    }
    if !trust {
        let resources = [
            json!(["arn:aws:s3:::tf-state", "arn:aws:s3:::tf-state/*"]),
            json!("arn:aws:s3:::tf-state/*"),
            json!("arn:aws:s3:::tf-state/public/*"),
            json!("arn:aws:s3:::tf-state"),
            json!("*"),
            json!("arn:aws:s3:::other-bucket/*"),
        ];
        s.insert("Resource".into(), rng.pick(&resources).clone());
    }
    if rng.chance(70) {
        let mut pool: Vec<(&str, &str, Value)> = vec![
            ("StringEquals", "aws:PrincipalOrgID", json!("o-abc123")),
            ("StringEquals", "aws:PrincipalOrgID", json!("o-partner99")),
            (
                "StringEqualsIfExists",
                "aws:PrincipalOrgID",
                json!("o-abc123"),
            ),
            ("StringLike", "aws:PrincipalOrgID", json!("o-*")),
            ("StringNotEquals", "aws:PrincipalOrgID", json!("o-abc123")),
            (
                "ForAnyValue:StringLike",
                "aws:PrincipalOrgPaths",
                json!("o-abc123/*"),
            ),
            ("StringEquals", "aws:PrincipalAccount", json!(ACCOUNT)),
            ("StringEquals", "aws:PrincipalAccount", json!(OTHER)),
            ("StringNotEquals", "aws:PrincipalAccount", json!(OTHER)),
            ("StringLike", "aws:PrincipalAccount", json!("4444*")),
            (
                "ArnLike",
                "aws:PrincipalArn",
                json!("arn:aws:iam::*:role/ci"),
            ),
            (
                "ArnNotEquals",
                "aws:PrincipalArn",
                json!(format!("arn:aws:iam::{OTHER}:role/ci")),
            ),
            (
                "ArnLike",
                "aws:PrincipalArn",
                json!(format!("arn:aws:iam::{ACCOUNT}:*")),
            ),
            ("StringEquals", "aws:username", json!("deployer")),
            ("StringLike", "aws:userid", json!("*:alice")),
            ("StringEquals", "aws:PrincipalType", json!("User")),
            ("StringEquals", "aws:PrincipalType", json!("Account")),
            ("StringNotEquals", "aws:SourceVpce", json!("vpce-1a2b3c")),
            ("StringEquals", "aws:SourceVpce", json!("vpce-1a2b3c")),
            ("IpAddress", "aws:SourceIp", json!("203.0.113.0/24")),
            ("IpAddress", "aws:SourceIp", json!("0.0.0.0/1")),
            ("NotIpAddress", "aws:SourceIp", json!("203.0.113.0/24")),
            ("Bool", "aws:SecureTransport", json!("false")),
            ("Bool", "aws:SecureTransport", json!("true")),
            (
                "ForAnyValue:StringEquals",
                "aws:CalledVia",
                json!("athena.amazonaws.com"),
            ),
            ("StringEquals", "aws:PrincipalTag/team", json!("crm")),
            (
                "DateLessThan",
                "aws:CurrentTime",
                json!("2020-01-01T00:00:00Z"),
            ),
            (
                "DateGreaterThan",
                "aws:CurrentTime",
                json!("2099-01-01T00:00:00Z"),
            ),
            ("Null", "aws:PrincipalOrgID", json!("true")),
            (
                "ForAllValues:StringEquals",
                "aws:PrincipalOrgID",
                json!("o-abc123"),
            ),
        ];
        if trust {
            pool.push(("StringEquals", "sts:ExternalId", json!("agreed")));
        } else {
            pool.push((
                "ArnLike",
                "aws:SourceArn",
                json!("arn:aws:cloudtrail:*:*:trail/*"),
            ));
            pool.push(("StringEquals", "aws:SourceAccount", json!(ACCOUNT)));
        }
        let mut cond = Map::new();
        for _ in 0..1 + rng.below(2) {
            let (op, key, v) = rng.pick(&pool).clone();
            let entry = cond.entry(op).or_insert_with(|| json!({}));
            if let Some(m) = entry.as_object_mut() {
                m.insert(key.into(), v);
            }
        }
        s.insert("Condition".into(), Value::Object(cond));
    }
    Value::Object(s)
}
