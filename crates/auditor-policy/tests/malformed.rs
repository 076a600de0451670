//! Property test: no input, random or a truncation or mutation of a real document, makes
//! parsing or evaluation panic.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_policy::reach::{actions, reach, Inside, Org, Outsiders, Question, Target};
use auditor_policy::{evaluate, Action, Context, Named, PolicyDocument, PolicySet, Request};
use proptest::prelude::*;

const REAL: &[&str] = &[
    r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["s3:Get*","s3:PutObject"],"Resource":["arn:aws:s3:::b/services/crm/*"],"Condition":{"StringLike":{"s3:prefix":["services/crm/*"]},"Bool":{"aws:SecureTransport":"true"}}},{"Effect":"Deny","NotAction":"s3:*","NotResource":"*"}]}"#,
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"ForAnyValue:StringLike":{"token.actions.githubusercontent.com:sub":"repo:org/*"},"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"3600"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}}"#,
    r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":"*","Resource":"*","Condition":{"Null":{"aws:PrincipalTag/x":"false"},"ArnLike":{"aws:SourceArn":"arn:aws:*"}}}]}"#,
];

fn try_everything(text: &str) {
    if let Ok(doc) = PolicyDocument::parse(text) {
        let _ = doc.statements();
        let set = PolicySet {
            identity: vec![Named::new("p", &doc)],
            resource: Some(Named::new("r", &doc)),
            boundary: Some(Named::new("b", &doc)),
        };
        let action = Action::new("s3:GetObject").unwrap();
        let ctx = Context::new().with("aws:PrincipalTag/team", "crm");
        let _ = evaluate(
            &set,
            &Request::new(
                "arn:aws:iam::111122223333:role/x",
                &action,
                "arn:aws:s3:::b/services/crm/x",
                &ctx,
            ),
        );
        let inside = Inside {
            account: "111122223333",
            partition: "aws",
            trusted: &[],
            org: Org::Unknown,
            now: Some("2026-12-01T00:00:00Z"),
        };
        let targets = [
            Target {
                arn: "arn:aws:s3:::b/",
                any_suffix: true,
                actions: actions::S3_OBJECT,
            },
            Target {
                arn: "arn:aws:iam::111122223333:role/r",
                any_suffix: false,
                actions: &["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"],
            },
        ];
        for who in [Outsiders::OtherAccounts, Outsiders::TokenHolders] {
            let q = Question {
                who,
                targets: &targets,
                anonymous: true,
                ..Question::default()
            };
            let _ = reach(&doc, &q, &inside);
        }
    }
}

#[test]
fn every_truncation_of_real_documents() {
    for doc in REAL {
        for cut in 0..=doc.len() {
            if doc.is_char_boundary(cut) {
                try_everything(&doc[..cut]);
            }
        }
    }
}

const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateLessThan",
    "DateGreaterThan",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotLike",
    "Null",
    "StringLikeIfExists",
    "DateNotEqualsIfExists",
];

/// Values shaped like dates, numbers, addresses and ARNs, with noise.
const VALUE: &str = "[0-9]{0,40}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9+:-]{0,4})?[Z+-]?[0-9:]{0,5}|[0-9./:a-f]{0,20}|arn(:[a-z0-9*?]{0,4}){0,7}|\\$\\{[a-z:/]{0,10}\\}.{0,5}|.{0,12}";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn random_text(s in ".{0,200}") {
        try_everything(&s);
    }

    #[test]
    fn mutated_real_documents(which in 0..REAL.len(), at in 0usize..400, byte in any::<u8>(), cut in 0usize..400) {
        let mut bytes = REAL[which].as_bytes().to_vec();
        let i = at % bytes.len();
        bytes[i] = byte;
        bytes.truncate(bytes.len() - cut.min(bytes.len() / 4));
        try_everything(&String::from_utf8_lossy(&bytes));
    }

    /// Every operator with values and request values shaped like the ones operators parse
    /// (dates with fractions and offsets, long digit runs, addresses, short ARNs).
    #[test]
    fn condition_values(op in prop::sample::select(OPERATORS), value in VALUE, request in VALUE, set in prop_oneof![Just(""), Just("ForAnyValue:"), Just("ForAllValues:")]) {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{{"{set}{op}":{{"aws:RequestTag/k":{}}}}}}}]}}"#,
            serde_json::Value::String(value)
        );
        if let Ok(doc) = PolicyDocument::parse(&text) {
            let set = PolicySet { identity: vec![Named::new("p", &doc)], ..PolicySet::default() };
            let action = Action::new("s3:GetObject").unwrap();
            for ctx in [Context::new().with("aws:RequestTag/k", request.as_str()), Context::new().with("aws:RequestTag/k", vec![request.clone(), String::new()])] {
                let _ = evaluate(&set, &Request::new("arn:aws:iam::111122223333:role/x", &action, "arn:aws:s3:::b/k", &ctx));
            }
            try_everything(&text);
        }
    }

    #[test]
    fn json_shaped_noise(effect in prop_oneof!["Allow", "Deny", "", "allow"], action in prop_oneof![Just("\"*\"".to_owned()), Just("[]".to_owned()), Just("3".to_owned()), "\"[a-z:*?]{0,12}\""], resource in prop_oneof![Just("\"*\"".to_owned()), Just("null".to_owned()), "\"arn:[a-z:/*]{0,20}\""]) {
        try_everything(&format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{effect}","Action":{action},"Resource":{resource}}}}}"#));
    }
}
