//! Decisions per second on a typical Terraform-state request: a role with five identity
//! policies (inline and managed, wildcards, a tag condition, a Deny), a bucket policy that
//! refuses plain HTTP, and `s3:GetObject` on a state key. The same request through the
//! engine this crate replaced (`legacy/`, commit 6518f51, `iam-rs` 0.8) gives the
//! comparison. Also: the wildcard matcher on 10,000-character adversarial patterns.
//!
//! `cargo bench -p auditor-policy --bench engine` (part of `make bench`); the figures are in
//! BENCHMARKS.md.

// Bench code: a failed unwrap is a broken benchmark with its message.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod legacy;

use auditor_model::wildcard::Wildcard;
use auditor_policy::{
    decide, evaluate, Action, Context, Named, Plan, PolicyDocument, PolicySet, Request,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

const ROLE: &str = "arn:aws:iam::111122223333:role/crm-deployer";
const KEY: &str = "arn:aws:s3:::tf-state-111122223333/services/crm/prod/terraform.tfstate";

/// The five identity policies and the bucket policy.
fn documents() -> (Vec<String>, String) {
    let identity = vec![
        // Inline: the team's state, by tag.
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"TeamState","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],
             "Resource":"arn:aws:s3:::tf-state-111122223333/services/${aws:PrincipalTag/team}/*"},
            {"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::tf-state-111122223333",
             "Condition":{"StringLike":{"s3:prefix":["services/${aws:PrincipalTag/team}/*"]}}}]}"#
            .to_owned(),
        // Managed: read-only EC2 and EKS.
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["ec2:Describe*","eks:Describe*","eks:List*"],"Resource":"*"},
            {"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}"#
            .to_owned(),
        // Managed: a lock table.
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:DeleteItem"],
             "Resource":"arn:aws:dynamodb:eu-west-1:111122223333:table/terraform-locks"}]}"#
            .to_owned(),
        // Inline: KMS for the state key, with a condition.
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey"],
             "Resource":"arn:aws:kms:eu-west-1:111122223333:key/*",
             "Condition":{"StringEquals":{"kms:ViaService":"s3.eu-west-1.amazonaws.com"}}}]}"#
            .to_owned(),
        // Managed: a guard rail.
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"NoOtherTeams","Effect":"Deny","Action":"s3:*",
             "NotResource":["arn:aws:s3:::tf-state-111122223333/services/${aws:PrincipalTag/team}/*",
                            "arn:aws:s3:::tf-state-111122223333"],
             "Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*-deployer"}}},
            {"Effect":"Deny","Action":["iam:*","organizations:*"],"Resource":"*"}]}"#
            .to_owned(),
    ];
    let bucket = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"TlsOnly","Effect":"Deny","Principal":"*","Action":"s3:*",
         "Resource":["arn:aws:s3:::tf-state-111122223333","arn:aws:s3:::tf-state-111122223333/*"],
         "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#
        .to_owned();
    (identity, bucket)
}

fn engine(c: &mut Criterion) {
    let (identity, bucket) = documents();
    let docs: Vec<PolicyDocument> = identity
        .iter()
        .map(|d| PolicyDocument::parse(d).unwrap())
        .collect();
    let bucket_doc = PolicyDocument::parse(&bucket).unwrap();
    let names: Vec<String> = (0..docs.len()).map(|i| format!("policy-{i}")).collect();
    let set = PolicySet {
        identity: docs
            .iter()
            .zip(&names)
            .map(|(d, n)| Named::new(n, d))
            .collect(),
        boundary: None,
        resource: Some(Named::new("bucket policy", &bucket_doc)),
    };
    let action = Action::new("s3:GetObject").unwrap();
    let context = Context::new()
        .with("aws:SecureTransport", true)
        .with("aws:PrincipalArn", ROLE)
        .with("aws:PrincipalAccount", "111122223333")
        .with("aws:PrincipalTag/team", "crm");
    let req = Request::new(ROLE, &action, KEY, &context);
    assert_eq!(decide(&set, &req), auditor_policy::Decision::Allow);

    let legacy_docs: Vec<legacy::document::PolicyDocument> = identity
        .iter()
        .map(|d| legacy::document::PolicyDocument::parse(d).unwrap())
        .collect();
    let legacy_bucket = legacy::document::PolicyDocument::parse(&bucket).unwrap();
    let legacy_set = legacy::evaluate::PolicySet {
        identity: legacy_docs
            .iter()
            .zip(&names)
            .map(|(d, n)| legacy::evaluate::Named::new(n, d))
            .collect(),
        boundary: None,
        resource: vec![legacy::evaluate::Named::new(
            "bucket policy",
            &legacy_bucket,
        )],
        same_account: true,
    };
    let legacy_req = legacy::evaluate::Request {
        principal: ROLE.into(),
        action: "s3:GetObject".into(),
        resource: KEY.into(),
        context: vec![
            (
                "aws:SecureTransport".into(),
                iam_rs::ContextValue::Boolean(true),
            ),
            (
                "aws:PrincipalArn".into(),
                iam_rs::ContextValue::String(ROLE.into()),
            ),
            (
                "aws:PrincipalAccount".into(),
                iam_rs::ContextValue::String("111122223333".into()),
            ),
            (
                "aws:PrincipalTag/team".into(),
                iam_rs::ContextValue::String("crm".into()),
            ),
        ],
    };
    assert_eq!(
        legacy::evaluate::evaluate(&legacy_set, &legacy_req)
            .unwrap()
            .decision,
        legacy::evaluate::Decision::Allow
    );

    let plan = Plan::new(&set, Some(ROLE), &action, &context);
    assert_eq!(plan.decide(KEY, None), auditor_policy::Decision::Allow);

    let mut g = c.benchmark_group("s3-object-request-role-with-5-policies");
    g.throughput(Throughput::Elements(1));
    g.bench_function("auditor-policy plan, then decide per key", |b| {
        b.iter(|| black_box(&plan).decide(black_box(KEY), None))
    });
    g.bench_function("auditor-policy plan and decide, per request", |b| {
        b.iter(|| {
            Plan::new(
                black_box(&set),
                Some(ROLE),
                black_box(&action),
                black_box(&context),
            )
            .decide(black_box(KEY), None)
        })
    });
    g.bench_function("auditor-policy decide", |b| {
        b.iter(|| decide(black_box(&set), black_box(&req)))
    });
    g.bench_function(
        "auditor-policy evaluate (with the deciding statements)",
        |b| b.iter(|| evaluate(black_box(&set), black_box(&req))),
    );
    g.bench_function("former engine (iam-rs 0.8)", |b| {
        b.iter(|| legacy::evaluate::evaluate(black_box(&legacy_set), black_box(&legacy_req)))
    });
    g.finish();

    let mut p = c.benchmark_group("parse");
    p.throughput(Throughput::Elements(docs.len() as u64));
    p.bench_function("auditor-policy parse 5 documents", |b| {
        b.iter(|| {
            for d in &identity {
                black_box(PolicyDocument::parse(d).unwrap());
            }
        })
    });
    p.finish();
}

fn wildcard(c: &mut Criterion) {
    let mut g = c.benchmark_group("wildcard-10000-characters");
    let text = "a".repeat(10_000);
    let cases = [
        (
            "stars then z",
            format!("s3:{}z", "*".repeat(10_000)),
            format!("s3:{text}"),
        ),
        (
            "a* repeated then b",
            format!("{}b", "a*".repeat(5_000)),
            text.clone(),
        ),
        (
            "one long literal segment",
            format!("*{}b*", "a".repeat(5_000)),
            text.clone(),
        ),
        (
            "question marks",
            format!("*{}b*", "a?".repeat(5_000)),
            text.clone(),
        ),
    ];
    for (name, pattern, input) in cases {
        let w = Wildcard::new(&pattern);
        assert!(!w.is_match(&input));
        g.bench_function(name, |b| {
            b.iter(|| black_box(&w).is_match(black_box(&input)))
        });
    }
    g.finish();
}

/// The outsider analysis behind IAM-001..005, S3-005 and ECR-004, per policy: an IRSA trust
/// policy (closed), a bucket policy open to the organisation with a TLS Deny (closed, every
/// S3 action on the bucket and any object), and a bucket policy naming thirty accounts
/// with six condition keys and two Deny statements (open).
fn outsiders(c: &mut Criterion) {
    use auditor_policy::reach::{actions, reach, Inside, Org, Outsiders, Question, Target};
    let inside = Inside {
        account: "111122223333",
        partition: "aws",
        trusted: &[],
        org: Org::Known("o-abc1234567"),
        now: Some("2026-12-01T00:00:00Z"),
    };
    let role = [Target {
        arn: "arn:aws:iam::111122223333:role/payments-api",
        any_suffix: false,
        actions: &["sts:AssumeRoleWithWebIdentity"],
    }];
    let bucket = [
        Target {
            arn: "arn:aws:s3:::tf-state",
            any_suffix: false,
            actions: actions::S3_BUCKET,
        },
        Target {
            arn: "arn:aws:s3:::tf-state/",
            any_suffix: true,
            actions: actions::S3_OBJECT,
        },
    ];
    let irsa = PolicyDocument::parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:payments:api","oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud":"sts.amazonaws.com"}}}]}"#).unwrap();
    let org = PolicyDocument::parse(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::tf-state","arn:aws:s3:::tf-state/*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc1234567"}}},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::tf-state","arn:aws:s3:::tf-state/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#).unwrap();
    let accounts: Vec<String> = (0..30)
        .map(|i| format!("\"arn:aws:iam::{:012}:root\"", 444_455_550_000u64 + i))
        .collect();
    let many = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[
        {{"Effect":"Allow","Principal":{{"AWS":[{}]}},"Action":["s3:GetObject","s3:PutObject","s3:ListBucket","s3:DeleteObject"],"Resource":["arn:aws:s3:::tf-state","arn:aws:s3:::tf-state/*"],
          "Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-partner1234"}},"StringLike":{{"aws:userid":["AROA*:ci-*"],"s3:prefix":"env:/*"}},"IpAddress":{{"aws:SourceIp":["10.0.0.0/8","0.0.0.0/2"]}},"Bool":{{"aws:SecureTransport":"true"}}}}}},
        {{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::tf-state","arn:aws:s3:::tf-state/*"],"Condition":{{"StringNotEquals":{{"aws:SourceVpce":["vpce-1","vpce-2"]}},"StringNotLike":{{"aws:PrincipalArn":["arn:aws:iam::*:role/tf-*","arn:aws:iam::*:role/ci"]}}}}}},
        {{"Effect":"Deny","Principal":"*","NotAction":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::tf-state/*","Condition":{{"NumericLessThan":{{"s3:max-keys":"10"}}}}}}]}}"#,
        accounts.join(",")
    ))
    .unwrap();
    let mut g = c.benchmark_group("reach");
    g.throughput(Throughput::Elements(1));
    let q = Question {
        who: Outsiders::TokenHolders,
        targets: &role,
        ..Question::default()
    };
    g.bench_function("irsa_trust_closed", |b| {
        b.iter(|| reach(black_box(&irsa), &q, &inside))
    });
    let q = Question {
        who: Outsiders::OtherAccounts,
        targets: &bucket,
        anonymous: true,
        ..Question::default()
    };
    g.bench_function("org_bucket_policy_closed", |b| {
        b.iter(|| reach(black_box(&org), &q, &inside))
    });
    g.bench_function("thirty_accounts_open", |b| {
        b.iter(|| reach(black_box(&many), &q, &inside))
    });
    // Written to make the search explode: 24 Deny statements, each refusing unless one of
    // two shared tags matches a pattern. The answer is "undecided" once the budget runs
    // out; this measures how long that takes.
    let pats = [
        "*a*c*e*g*",
        "*b*d*f*h*",
        "*c*a*h*e*",
        "*d*g*b*a*",
        "*e*f*c*d*",
        "*f*e*a*b*",
        "*g*h*d*c*",
        "*h*b*g*f*",
    ];
    let mut st =
        vec![r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}"#.to_owned()];
    for i in 0..24 {
        st.push(format!(
            r#"{{"Effect":"Deny","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{{"StringNotLike":{{"aws:PrincipalTag/b":"{}","aws:PrincipalTag/c":"{}"}}}}}}"#,
            pats[i % 8],
            pats[(i * 3 + 1) % 8]
        ));
    }
    let adversarial = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        st.join(",")
    ))
    .unwrap();
    let trust = [Target {
        arn: "arn:aws:iam::111122223333:role/target",
        any_suffix: false,
        actions: &["sts:AssumeRole"],
    }];
    let q = Question {
        who: Outsiders::Anyone,
        targets: &trust,
        ..Question::default()
    };
    g.sample_size(10);
    g.bench_function("adversarial_trust_undecided", |b| {
        b.iter(|| reach(black_box(&adversarial), &q, &inside))
    });
    g.finish();
}

criterion_group!(benches, engine, wildcard, outsiders);
criterion_main!(benches);
