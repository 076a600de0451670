//! The rules of IAM policy evaluation, each from the IAM User Guide ("Policy evaluation
//! logic", "IAM JSON policy elements", "Condition operators"), through this crate's API.
//! (The conformance test compares the engine with an independent simulator on thousands of
//! requests; these are the rules as a reader checks them.)

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_policy::{
    decide, evaluate, Action, Context, ContextValue, Decision, Evaluation, Named, PolicyDocument,
    PolicySet, Request,
};

const ROLE: &str = "arn:aws:iam::111122223333:role/deployer";
const STATE: &str = "arn:aws:s3:::tf-state/services/crm/prod/tf.tfstate";

fn doc(statements: &str) -> PolicyDocument {
    PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":{statements}}}"#
    ))
    .unwrap()
}

/// A request, owned, for the tests to build up.
#[derive(Clone)]
struct Req {
    principal: String,
    action: Action,
    resource: String,
    account: Option<String>,
    context: Context,
}

impl Req {
    fn request(&self) -> Request<'_> {
        Request {
            principal: Some(&self.principal),
            action: &self.action,
            resource: &self.resource,
            resource_account: self.account.as_deref(),
            context: &self.context,
        }
    }
}

fn req(action: &str, resource: &str) -> Req {
    Req {
        principal: ROLE.into(),
        action: Action::new(action).unwrap(),
        resource: resource.into(),
        account: None,
        context: Context::new(),
    }
}

fn with(mut r: Req, k: &str, v: impl Into<ContextValue>) -> Req {
    r.context.insert(k, v);
    r
}

fn run(set: &PolicySet<'_>, r: &Req) -> Evaluation {
    let e = evaluate(set, &r.request());
    assert_eq!(
        e.decision,
        decide(set, &r.request()),
        "decide agrees with evaluate"
    );
    e
}

/// Identity policies alone, same account.
fn identity(d: &PolicyDocument, r: &Req) -> Decision {
    let set = PolicySet {
        identity: vec![Named::new("p", d)],
        ..PolicySet::default()
    };
    run(&set, r).decision
}

#[test]
fn action_wildcards_and_case() {
    let d = doc(
        r#"[{"Effect":"Allow","Action":["s3:Get*","S3:putobject","s3:List?ucket"],"Resource":"*"}]"#,
    );
    assert_eq!(identity(&d, &req("s3:GetObject", STATE)), Decision::Allow);
    assert_eq!(
        identity(&d, &req("s3:PutObject", STATE)),
        Decision::Allow,
        "actions are case-insensitive"
    );
    assert_eq!(
        identity(&d, &req("s3:ListBucket", "arn:aws:s3:::tf-state")),
        Decision::Allow,
        "? matches one character"
    );
    assert_eq!(
        identity(&d, &req("s3:DeleteObject", STATE)),
        Decision::ImplicitDeny
    );
}

#[test]
fn resource_wildcards_are_case_sensitive_and_span_slashes() {
    let d = doc(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::tf-state/services/crm/*"}"#,
    );
    assert_eq!(identity(&d, &req("s3:GetObject", STATE)), Decision::Allow);
    assert_eq!(
        identity(
            &d,
            &req(
                "s3:GetObject",
                "arn:aws:s3:::tf-state/services/fraud-detection/dev/tf.tfstate"
            )
        ),
        Decision::ImplicitDeny
    );
    assert_eq!(
        identity(
            &d,
            &req("s3:GetObject", "arn:aws:s3:::tf-state/Services/crm/x")
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_and_not_resource() {
    let na = doc(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
    assert_eq!(identity(&na, &req("s3:GetObject", STATE)), Decision::Allow);
    assert_eq!(
        identity(
            &na,
            &req("iam:CreateUser", "arn:aws:iam::111122223333:user/x")
        ),
        Decision::ImplicitDeny
    );
    let nr = doc(
        r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::tf-state/services/fraud-detection/*"}"#,
    );
    assert_eq!(identity(&nr, &req("s3:GetObject", STATE)), Decision::Allow);
    assert_eq!(
        identity(
            &nr,
            &req(
                "s3:GetObject",
                "arn:aws:s3:::tf-state/services/fraud-detection/x"
            )
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn an_explicit_deny_wins_and_is_named() {
    let d = doc(
        r#"[{"Sid":"All","Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Sid":"FenceFraud","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::tf-state/services/fraud-detection/*"}]"#,
    );
    let set = PolicySet {
        identity: vec![Named::new("deployer-policy", &d)],
        ..PolicySet::default()
    };
    let e = run(
        &set,
        &req(
            "s3:GetObject",
            "arn:aws:s3:::tf-state/services/fraud-detection/x",
        ),
    );
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.denied_by[0].statement, "Statement[Sid=FenceFraud]");
    assert_eq!(e.denied_by[0].policy, "deployer-policy");
    let ok = run(&set, &req("s3:GetObject", STATE));
    assert_eq!(ok.decision, Decision::Allow);
    assert_eq!(ok.granted_by[0].statement, "Statement[Sid=All]");
}

#[test]
fn conditions_values_are_or_keys_are_and_missing_keys_fail() {
    let d = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":["crm","fraud"],"aws:PrincipalTag/env":"prod"}}}"#,
    );
    let r = req("s3:GetObject", STATE);
    let tagged = with(
        with(r.clone(), "aws:PrincipalTag/team", "fraud"),
        "aws:PrincipalTag/env",
        "prod",
    );
    assert_eq!(identity(&d, &tagged), Decision::Allow);
    let one_key = with(r.clone(), "aws:PrincipalTag/team", "crm");
    assert_eq!(
        identity(&d, &one_key),
        Decision::ImplicitDeny,
        "every key must match"
    );
    assert_eq!(
        identity(&d, &r),
        Decision::ImplicitDeny,
        "a missing key does not match"
    );
}

#[test]
fn if_exists_and_null_and_set_operators() {
    let r = req("s3:GetObject", STATE);
    let if_exists = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalTag/team":"crm"}}}"#,
    );
    assert_eq!(
        identity(&if_exists, &r),
        Decision::Allow,
        "IfExists: a missing key matches"
    );
    let null = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Null":{"aws:PrincipalTag/team":"true"}}}"#,
    );
    assert_eq!(
        identity(&null, &r),
        Decision::Allow,
        "Null true: the key is absent"
    );
    let all = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}"#,
    );
    assert_eq!(
        identity(&all, &r),
        Decision::Allow,
        "ForAllValues with no values is true"
    );
    let any = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}}}"#,
    );
    assert_eq!(
        identity(&any, &r),
        Decision::ImplicitDeny,
        "ForAnyValue with no values is false"
    );
    let any_hit = with(
        r,
        "aws:TagKeys",
        ContextValue::Many(vec!["owner".into(), "team".into()]),
    );
    assert_eq!(identity(&any, &any_hit), Decision::Allow);
}

#[test]
fn string_like_bool_and_variables() {
    let like = doc(
        r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::tf-state","Condition":{"StringLike":{"s3:prefix":"services/crm/*"}}}"#,
    );
    let list = req("s3:ListBucket", "arn:aws:s3:::tf-state");
    assert_eq!(
        identity(&like, &with(list.clone(), "s3:prefix", "services/crm/prod")),
        Decision::Allow
    );
    assert_eq!(
        identity(&like, &with(list, "s3:prefix", "services/fraud/")),
        Decision::ImplicitDeny
    );
    let tls = doc(
        r#"[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]"#,
    );
    let r = req("s3:GetObject", STATE);
    assert_eq!(
        identity(&tls, &with(r.clone(), "aws:SecureTransport", false)),
        Decision::ExplicitDeny
    );
    assert_eq!(
        identity(&tls, &with(r, "aws:SecureTransport", true)),
        Decision::Allow
    );
    let home = doc(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::tf-state/home/${aws:username}/*"}"#,
    );
    let mine = with(
        req("s3:GetObject", "arn:aws:s3:::tf-state/home/alice/x"),
        "aws:username",
        "alice",
    );
    assert_eq!(identity(&home, &mine), Decision::Allow);
    let theirs = with(
        req("s3:GetObject", "arn:aws:s3:::tf-state/home/bob/x"),
        "aws:username",
        "alice",
    );
    assert_eq!(identity(&home, &theirs), Decision::ImplicitDeny);
}

#[test]
fn a_boundary_limits_identity_policies() {
    let admin = doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#);
    let boundary = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::tf-state/services/crm/*"}"#,
    );
    let set = PolicySet {
        identity: vec![Named::new("AdministratorAccess", &admin)],
        boundary: Some(Named::new("crm-boundary", &boundary)),
        ..PolicySet::default()
    };
    assert_eq!(
        run(&set, &req("s3:GetObject", STATE)).decision,
        Decision::Allow
    );
    assert_eq!(
        run(
            &set,
            &req(
                "s3:GetObject",
                "arn:aws:s3:::tf-state/services/fraud-detection/x"
            )
        )
        .decision,
        Decision::ImplicitDeny,
        "outside the boundary, even an administrator is not allowed"
    );
}

#[test]
fn resource_policies_grant_same_account_principals_and_delegate_for_accounts() {
    let nothing = doc(r#"{"Effect":"Deny","Action":"ec2:*","Resource":"*"}"#);
    let to_role = doc(&format!(
        r#"{{"Sid":"Role","Effect":"Allow","Principal":{{"AWS":"{ROLE}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::tf-state/*"}}"#
    ));
    let to_account = doc(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::tf-state/*"}"#,
    );
    let r = req("s3:GetObject", STATE);
    let set = |res: &'static str, d| PolicySet {
        identity: vec![Named::new("none", &nothing)],
        resource: Some(Named::new(res, d)),
        ..PolicySet::default()
    };
    let e = run(&set("bucket policy", &to_role), &r);
    assert_eq!(
        e.decision,
        Decision::Allow,
        "a bucket policy naming the role grants it by itself"
    );
    assert_eq!(e.granted_by[0].policy, "bucket policy");
    assert_eq!(
        run(&set("bucket policy", &to_account), &r).decision,
        Decision::ImplicitDeny,
        "the account grant needs an identity allow"
    );
    let allow_s3 = doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#);
    let mut other = r.clone();
    other.account = Some("444455556666".into());
    let to_caller_account = doc(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::tf-state/*"}"#,
    );
    let cross = PolicySet {
        identity: vec![Named::new("id", &allow_s3)],
        resource: Some(Named::new("bucket", &to_caller_account)),
        ..PolicySet::default()
    };
    assert_eq!(
        run(&cross, &other).decision,
        Decision::Allow,
        "cross-account: both sides allow"
    );
    let cross_no_resource = PolicySet {
        identity: vec![Named::new("id", &allow_s3)],
        ..PolicySet::default()
    };
    assert_eq!(
        run(&cross_no_resource, &other).decision,
        Decision::ImplicitDeny,
        "cross-account: the resource side must allow"
    );
}

#[test]
fn url_encoded_documents_single_statements_and_no_version() {
    // As GetAccountAuthorizationDetails returns it: percent-encoded; `+` stays a plus.
    let encoded = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Atf-state%2Fa%2Bb%22%7D%7D";
    let d = PolicyDocument::parse(encoded).unwrap();
    assert_eq!(d.statements()[0].resource, ["arn:aws:s3:::tf-state/a+b"]);
    assert_eq!(
        identity(&d, &req("s3:GetObject", "arn:aws:s3:::tf-state/a+b")),
        Decision::Allow
    );
}

#[test]
fn statement_views_read_trust_policies() {
    let d = PolicyDocument::parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"},
        "Action":"sts:AssumeRoleWithWebIdentity",
        "Condition":{"StringLike":{"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:payments:*"},
                     "StringEquals":{"oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud":"sts.amazonaws.com"}}}]}"#).unwrap();
    let s = &d.statements()[0];
    assert!(s.allow);
    assert_eq!(s.label(), "Statement[0]");
    let p = s.principal.as_ref().unwrap();
    assert_eq!(
        p.federated,
        ["arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"]
    );
    let sub = s.conditions_on("OIDC.eks.eu-west-1.amazonaws.com/id/ABC:SUB");
    assert_eq!(sub.len(), 1, "condition keys compare case-insensitively");
    assert_eq!(sub[0].base_operator(), "StringLike");
    assert_eq!(sub[0].values, ["system:serviceaccount:payments:*"]);
    let star = PolicyDocument::parse(
        r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}"#,
    )
    .unwrap();
    assert!(star.statements()[0].principal.as_ref().unwrap().any);
}

#[test]
fn malformed_documents_are_typed_errors() {
    for bad in [
        "",
        "{",
        "[]",
        "null",
        "%7B",
        r#"{"Version":"2012-10-17"}"#,
        r#"{"Statement":[1]}"#,
        r#"{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}"#,
    ] {
        assert!(PolicyDocument::parse(bad).is_err(), "{bad:?} parsed");
    }
    // A resource that is not an ARN matches only `*`: no error, no panic.
    let d = doc(
        r#"[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::*"}]"#,
    );
    assert_eq!(
        identity(&d, &req("s3:GetObject", "not-an-arn")),
        Decision::Allow
    );
    let only_arn = doc(r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::*"}"#);
    assert_eq!(
        identity(&only_arn, &req("s3:GetObject", "not-an-arn")),
        Decision::ImplicitDeny
    );
}

/// The keys the "what may be reachable" tests know: only the principal's ARN.
fn only_the_arn(k: &str) -> bool {
    k == "aws:principalarn"
}

#[test]
fn assumed_keys_are_taken_in_the_requesters_favour() {
    let d = doc(
        r#"[{"Sid":"Office","Effect":"Allow","Action":"s3:GetObject","Resource":"*",
             "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
                          "StringLike":{"aws:PrincipalArn":"*:role/deployer"}}},
            {"Sid":"Kms","Effect":"Deny","Action":"s3:PutObject","Resource":"*",
             "Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}},
            {"Sid":"Fence","Effect":"Deny","Action":"s3:GetObject","Resource":"*",
             "Condition":{"StringNotLike":{"aws:PrincipalArn":"*:role/deployer"}}},
            {"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]"#,
    );
    let arn = |r: Req, who: &str| with(r, "aws:PrincipalArn", who);
    let assume = |mut r: Req| {
        r.context = r.context.assume_unknown(only_the_arn);
        r
    };

    // As written, a request without aws:SourceIp gets nothing, and the KMS Deny (a negated
    // operator on a missing key) refuses every PutObject.
    assert_eq!(
        identity(&d, &arn(req("s3:GetObject", STATE), ROLE)),
        Decision::ImplicitDeny
    );
    assert_eq!(
        identity(&d, &arn(req("s3:PutObject", STATE), ROLE)),
        Decision::ExplicitDeny
    );
    // Assumed: the office Allow is reachable, the KMS Deny avoidable (send the header).
    assert_eq!(
        identity(&d, &assume(arn(req("s3:GetObject", STATE), ROLE))),
        Decision::Allow
    );
    let set = PolicySet {
        identity: vec![Named::new("p", &d)],
        ..PolicySet::default()
    };
    let put = run(&set, &assume(arn(req("s3:PutObject", STATE), ROLE)));
    assert_eq!(put.decision, Decision::Allow);
    assert_eq!(put.assumed.len(), 1, "{:?}", put.assumed);
    assert_eq!(
        (put.assumed[0].statement.as_str(), put.assumed[0].allow),
        ("Statement[Sid=Kms]", false)
    );
    let get = run(&set, &assume(arn(req("s3:GetObject", STATE), ROLE)));
    assert_eq!(
        (
            get.assumed[0].statement.as_str(),
            get.assumed[0].allow,
            get.assumed[0].conditions.as_str()
        ),
        (
            "Statement[Sid=Office]",
            true,
            "IpAddress aws:SourceIp 10.0.0.0/8"
        )
    );
    // A condition on a known key still decides: the fence denies anyone else.
    let other = "arn:aws:iam::111122223333:role/analyst";
    let mut r = assume(arn(req("s3:GetObject", STATE), other));
    r.principal = other.into();
    assert_eq!(identity(&d, &r), Decision::ExplicitDeny);
}

#[test]
fn a_star_that_ends_a_resource_segment_runs_past_colons() {
    // "If the * wildcard is the last character of a resource ARN segment, it can expand to
    // match beyond the colon boundaries" (IAM JSON policy elements: Resource).
    let object = "arn:aws:s3:::my-bucket/x";
    for (pattern, resource, want) in [
        ("arn:aws:s3:*:b/*", "arn:aws:s3:::b/x", Decision::Allow),
        ("arn:aws:s3:*:*:my-*/*", object, Decision::Allow),
        ("arn:aws:s3:*:*:my-*", object, Decision::Allow),
        (
            "arn:aws:logs:*:*:log-group:x",
            "arn:aws:logs:us-east-1:111122223333:extra:log-group:x",
            Decision::Allow,
        ),
        (
            "arn:aws:iam::*:role/deployer",
            "arn:aws:iam::111122223333:role/deployer",
            Decision::Allow,
        ),
        // A `*` inside a segment stays inside it.
        (
            "arn:aws:logs:us-*-1:*:log-group:x",
            "arn:aws:logs:us-east:2-1:111122223333:log-group:x",
            Decision::ImplicitDeny,
        ),
        (
            "arn:aws:iam::*:role/deployer",
            "arn:aws:iam::111122223333:role/other",
            Decision::ImplicitDeny,
        ),
        // A short ARN not ending in `*` is padded: it names the whole account.
        (
            "arn:aws:iam::111122223333",
            "arn:aws:iam::111122223333:role/x",
            Decision::Allow,
        ),
    ] {
        let d = doc(&format!(
            r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{pattern}"}}"#
        ));
        assert_eq!(
            identity(&d, &req("s3:GetObject", resource)),
            want,
            "{pattern} against {resource}"
        );
    }
}

#[test]
fn null_with_a_set_operator_is_constant_and_an_empty_value_is_null() {
    let r = req("s3:GetObject", STATE);
    let all = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:Null":{"aws:TagKeys":"false"}}}"#,
    );
    assert_eq!(
        identity(&all, &r),
        Decision::Allow,
        "ForAllValues:Null is true"
    );
    let any = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:Null":{"aws:TagKeys":"true"}}}"#,
    );
    assert_eq!(
        identity(&any, &r),
        Decision::ImplicitDeny,
        "ForAnyValue:Null is false"
    );
    let null = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Null":{"aws:RequestTag/team":"true"}}}"#,
    );
    assert_eq!(
        identity(&null, &with(r.clone(), "aws:RequestTag/team", "")),
        Decision::Allow,
        "an empty tag value is null"
    );
    assert_eq!(
        identity(&null, &with(r, "aws:RequestTag/team", "crm")),
        Decision::ImplicitDeny
    );
}

#[test]
fn dates_with_fractions_and_offsets_and_huge_numbers_decide_without_panicking() {
    let r = req("s3:GetObject", STATE);
    let d = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00.5+01:00"}}}"#,
    );
    assert_eq!(
        identity(
            &d,
            &with(r.clone(), "aws:CurrentTime", "2019-12-31T22:59:59.4Z")
        ),
        Decision::Allow
    );
    assert_eq!(
        identity(
            &d,
            &with(r.clone(), "aws:CurrentTime", "2019-12-31T23:00:00.6Z")
        ),
        Decision::ImplicitDeny
    );
    let half = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00.5Z"}}}"#,
    );
    assert_eq!(
        identity(
            &half,
            &with(r.clone(), "aws:CurrentTime", "2020-01-01T00:00:00.50Z")
        ),
        Decision::ImplicitDeny,
        ".5 and .50 are the same instant"
    );
    let epoch = doc(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:EpochTime":"99999999999999999999999999999999999999"}}}"#,
    );
    assert_eq!(
        identity(
            &epoch,
            &with(
                r,
                "aws:EpochTime",
                "999999999999999999999999999999999999999"
            )
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn a_negated_arn_operator_reads_a_five_segment_value() {
    let d = doc(
        r#"[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}}]"#,
    );
    let r = with(req("s3:GetObject", STATE), "aws:PrincipalArn", ROLE);
    assert_eq!(identity(&d, &r), Decision::ExplicitDeny);
}

#[test]
fn actions_with_a_wildcard_service_are_refused() {
    for a in ["*:GetObject", "s?:GetObject", "s3*:Get", "s3:"] {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{a}","Resource":"*"}}}}"#
        );
        assert!(PolicyDocument::parse(&text).is_err(), "{a}");
    }
}
