//! Who outside gets in: the decisions `reach` gives for the policy shapes that matter,
//! each with the reason from the AWS documentation. The cases marked "review" are the
//! ones an independent review found an earlier, search-based version passing although an
//! outsider gets in.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_policy::reach::{actions, reach, Inside, Org, Outsiders, Question, Reach, Target};
use auditor_policy::PolicyDocument;

const OWN: &str = "123456789012";
const ROLE: &str = "arn:aws:iam::123456789012:role/target";
const NOW: &str = "2026-12-01T00:00:00Z";

fn inside(org: Org<'static>) -> Inside<'static> {
    Inside {
        account: OWN,
        partition: "aws",
        trusted: &[],
        org,
        now: Some(NOW),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Open,
    Closed,
    Nobody,
    Undecided,
}

fn kind(r: &Reach) -> Want {
    match r {
        Reach::Open(_) => Want::Open,
        Reach::Closed { .. } => Want::Closed,
        Reach::Nobody => Want::Nobody,
        Reach::Undecided(_) => Want::Undecided,
    }
}

fn trust(statements: &str, who: Outsiders, secret: bool, org: Org<'static>) -> Reach {
    let doc = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":{statements}}}"#
    ))
    .unwrap();
    let targets = [Target {
        arn: ROLE,
        any_suffix: false,
        actions: &["sts:AssumeRole"],
    }];
    let q = Question {
        who,
        targets: &targets,
        secret_external_id: secret,
        ..Question::default()
    };
    reach(&doc, &q, &inside(org))
}

fn bucket(statements: &str, org: Org<'static>) -> Reach {
    let doc = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":{}}}"#,
        statements.replace("BUCKET", "tf-state")
    ))
    .unwrap();
    let targets = [
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
    let q = Question {
        who: Outsiders::OtherAccounts,
        targets: &targets,
        anonymous: true,
        ..Question::default()
    };
    reach(&doc, &q, &inside(org))
}

fn expect(name: &str, got: &Reach, want: Want) {
    assert_eq!(kind(got), want, "{name}: {got:?}");
}

const ANY: &str = r#""Principal":{"AWS":"*"},"Action":"sts:AssumeRole""#;

#[test]
fn trust_policies_any_principal() {
    for (name, statements, want) in [
        // review: the Deny-based allow-list AWS recommends instead of NotPrincipal names
        // one foreign role; no other account's principal gets in.
        (
            "deny-except-foreign-role",
            format!(
                r#"[{{"Effect":"Allow",{ANY}}},{{"Effect":"Deny",{ANY},"Condition":{{"ArnNotEquals":{{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/ci"}}}}}}]"#
            ),
            Want::Closed,
        ),
        // review: any account can create a user named deployer.
        (
            "username",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"aws:username":"deployer"}}}}}}"#
            ),
            Want::Open,
        ),
        // review: a role session's aws:userid is role-id:session-name.
        (
            "userid-session",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringLike":{{"aws:userid":"*:alice@example.com"}}}}}}"#
            ),
            Want::Open,
        ),
        (
            "arn-suffix",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringLike":{{"aws:PrincipalArn":"*:role/deployer"}}}}}}"#
            ),
            Want::Open,
        ),
        // "You cannot assume a role when you are signed in as the AWS account root user".
        (
            "arn-root-any",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"ArnLike":{{"aws:PrincipalArn":"arn:aws:iam::*:root"}}}}}}"#
            ),
            Want::Closed,
        ),
        // review: nine other accounts match 12345678901?.
        (
            "account-like",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringLike":{{"aws:PrincipalAccount":"12345678901?"}}}}}}"#
            ),
            Want::Open,
        ),
        (
            "account-prefix",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringLike":{{"aws:PrincipalAccount":"4444555566*"}}}}}}"#
            ),
            Want::Open,
        ),
        (
            "type-account",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"aws:PrincipalType":"Account"}}}}}}"#
            ),
            Want::Closed,
        ),
        // Federated user sessions cannot call STS (but GetCallerIdentity).
        (
            "type-federated-user",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"aws:PrincipalType":"FederatedUser"}}}}}}"#
            ),
            Want::Closed,
        ),
        // Second review: a variable of a fixed key is put in (the Deny refuses every
        // other account).
        (
            "deny-other-accounts-by-variable",
            format!(
                r#"[{{"Effect":"Allow",{ANY}}},{{"Effect":"Deny",{ANY},"Condition":{{"StringNotEquals":{{"aws:PrincipalAccount":"${{aws:ResourceAccount}}"}}}}}}]"#
            ),
            Want::Closed,
        ),
        // Second review: twelve Denies that each stop nobody, and one that stops everyone:
        // decided without trying every combination.
        (
            "many-denies-one-refusing",
            {
                let mut st = vec![format!(r#"{{"Effect":"Allow",{ANY}}}"#)];
                for i in 0..12 {
                    st.push(format!(
                        r#"{{"Effect":"Deny",{ANY},"Condition":{{"StringNotEquals":{{"aws:RequestTag/k{i}":"a","aws:PrincipalTag/m{i}":"b"}}}}}}"#
                    ));
                }
                st.push(format!(
                    r#"{{"Effect":"Deny",{ANY},"Condition":{{"ArnNotLike":{{"aws:PrincipalArn":"arn:aws:iam::{OWN}:*"}}}}}}"#
                ));
                format!("[{}]", st.join(","))
            },
            Want::Closed,
        ),
        // Second review: a one-character tag value that no Deny lists (any character the
        // policy does not name).
        (
            "alphabet",
            {
                let printable: Vec<String> = (b' '..=b'~')
                    .filter(|b| *b != b'*' && *b != b'?')
                    .map(|b| serde_json_string(&(b as char).to_string()))
                    .collect();
                format!(
                    r#"[{{"Effect":"Allow",{ANY},"Condition":{{"StringLike":{{"aws:PrincipalTag/x":"?"}}}}}},{{"Effect":"Deny",{ANY},"Condition":{{"StringEquals":{{"aws:PrincipalTag/x":[{}]}}}}}}]"#,
                    printable.join(",")
                )
            },
            Want::Open,
        ),
        // Second review: the outsider's token was issued now or earlier.
        (
            "token-issued-before-2099",
            format!(
                r#"[{{"Effect":"Allow",{ANY}}},{{"Effect":"Deny",{ANY},"Condition":{{"DateLessThan":{{"aws:TokenIssueTime":"2099-01-01T00:00:00Z"}}}}}},{{"Effect":"Deny",{ANY},"Condition":{{"Null":{{"aws:TokenIssueTime":"true"}}}}}}]"#
            ),
            Want::Closed,
        ),
        // review: the caller chooses the service it calls through.
        (
            "called-via",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"ForAnyValue:StringEquals":{{"aws:CalledVia":"cloudformation.amazonaws.com"}}}}}}"#
            ),
            Want::Open,
        ),
        (
            "via-aws-service",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"Bool":{{"aws:ViaAWSService":"true"}}}}}}"#
            ),
            Want::Open,
        ),
        // review: a Deny whose seven conditions never apply together stops nobody.
        (
            "many-deny-keys",
            format!(
                r#"[{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"sts:RoleSessionName":"x"}}}}}},{{"Effect":"Deny",{ANY},"Condition":{{"StringEquals":{{"aws:RequestTag/k0":["v0","v1"],"aws:RequestTag/k1":["v0","v1"],"aws:RequestTag/k2":["v0"],"aws:RequestTag/k3":["v0"],"aws:RequestTag/k4":["v0"],"aws:RequestTag/k5":["v0"],"aws:RequestTag/k6":["v0"]}},"StringNotEquals":{{"aws:RequestTag/k0":["v0","v1"]}}}}}}]"#
            ),
            Want::Open,
        ),
        (
            "own-account-only",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"aws:PrincipalAccount":"{OWN}"}}}}}}"#
            ),
            Want::Closed,
        ),
        (
            "account-principal-named",
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#.to_owned(),
            Want::Nobody,
        ),
        (
            "if-exists-org",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringEqualsIfExists":{{"aws:PrincipalOrgID":"o-mine123456"}}}}}}"#
            ),
            Want::Open,
        ),
        (
            "org",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-mine123456"}}}}}}"#
            ),
            Want::Closed,
        ),
        (
            "org-paths-own",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"ForAnyValue:StringLike":{{"aws:PrincipalOrgPaths":"o-mine123456/r-ab12/ou-ab12-11111111/*"}}}}}}"#
            ),
            Want::Closed,
        ),
        (
            "org-wildcard",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringLike":{{"aws:PrincipalOrgID":"o-*"}}}}}}"#
            ),
            Want::Open,
        ),
        (
            "expired",
            format!(
                r#"{{"Effect":"Allow",{ANY},"Condition":{{"DateLessThan":{{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}}}}"#
            ),
            Want::Closed,
        ),
        (
            "not-yet-denied-until-2099",
            format!(
                r#"[{{"Effect":"Allow",{ANY}}},{{"Effect":"Deny",{ANY},"Condition":{{"DateLessThan":{{"aws:CurrentTime":"2099-01-01T00:00:00Z"}}}}}}]"#
            ),
            Want::Closed,
        ),
        (
            "not-principal-allow",
            r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}"#.to_owned(),
            Want::Open,
        ),
    ] {
        let got = trust(&statements, Outsiders::Anyone, false, Org::Known("o-mine123456"));
        expect(name, &got, want);
    }
}

fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn a_witness_is_a_real_request_for_the_outsider() {
    let got = trust(
        &format!(
            r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringLike":{{"aws:PrincipalAccount":"4444555566*"}}}}}}"#
        ),
        Outsiders::Anyone,
        false,
        Org::None,
    );
    let Reach::Open(w) = got else {
        panic!("{got:?}")
    };
    assert!(
        w.principal.starts_with("arn:aws:sts::4444555566")
            || w.principal.starts_with("arn:aws:iam::4444555566"),
        "{w:?}"
    );
    assert_eq!(w.action, "sts:AssumeRole");
    assert_eq!(w.granted_by, vec!["Statement[0]".to_owned()]);
}

#[test]
fn the_organisation_decides_only_when_known() {
    let org = format!(
        r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-partner1234"}}}}}}"#
    );
    // review: an account in no organisation trusts another company's organisation.
    expect(
        "no organisation",
        &trust(&org, Outsiders::Anyone, false, Org::None),
        Want::Open,
    );
    expect(
        "own organisation",
        &trust(&org, Outsiders::Anyone, false, Org::Known("o-partner1234")),
        Want::Closed,
    );
    expect(
        "another organisation",
        &trust(&org, Outsiders::Anyone, false, Org::Known("o-mine123456")),
        Want::Open,
    );
    let Reach::Undecided(why) = trust(&org, Outsiders::Anyone, false, Org::Unknown) else {
        panic!("unknown organisation")
    };
    assert!(why.contains("o-partner1234"), "{why}");
    // Second review: of two organisations, one is another's, whichever is the account's.
    let two = format!(
        r#"{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":["o-abc1234567","o-partner1234"]}}}}}}"#
    );
    expect(
        "two organisations, unknown",
        &trust(&two, Outsiders::Anyone, false, Org::Unknown),
        Want::Open,
    );
}

#[test]
fn named_accounts_and_the_external_id() {
    let named = |cond: &str| {
        format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::444455556666:root"}},"Action":"sts:AssumeRole"{cond}}}"#
        )
    };
    let ext = r#","Condition":{"StringEquals":{"sts:ExternalId":"agreed-secret"}}"#;
    expect(
        "no condition",
        &trust(&named(""), Outsiders::NamedAccounts, true, Org::None),
        Want::Open,
    );
    expect(
        "external id, secret",
        &trust(&named(ext), Outsiders::NamedAccounts, true, Org::None),
        Want::Closed,
    );
    expect(
        "external id, not secret",
        &trust(&named(ext), Outsiders::NamedAccounts, false, Org::None),
        Want::Open,
    );
    // review: the named account creates a user called deployer.
    expect(
        "named account, user name",
        &trust(
            &named(r#","Condition":{"StringEquals":{"aws:username":"deployer"}}"#),
            Outsiders::NamedAccounts,
            true,
            Org::None,
        ),
        Want::Open,
    );
    // review: the Deny-based allow-list names a foreign role, which gets in.
    let deny_list = format!(
        r#"[{{"Effect":"Allow",{ANY}}},{{"Effect":"Deny",{ANY},"Condition":{{"StringNotEquals":{{"aws:PrincipalAccount":"444455556666"}}}}}}]"#
    );
    expect(
        "deny-except-foreign-account",
        &trust(&deny_list, Outsiders::NamedAccounts, true, Org::None),
        Want::Open,
    );
    expect(
        "deny-except-foreign-account, anyone else",
        &trust(&deny_list, Outsiders::Anyone, false, Org::None),
        Want::Closed,
    );
    // Second review: unique ids named beside another account's principal are that
    // account's.
    expect(
        "foreign account with a unique id",
        &trust(
            &named(r#","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEFOREIGN123:*"}}"#),
            Outsiders::NamedAccounts,
            true,
            Org::None,
        ),
        Want::Open,
    );
    // Second review: a guess that differs only in case is no guess of a secret.
    expect(
        "external id ignoring case",
        &trust(
            &named(r#","Condition":{"StringEqualsIgnoreCase":{"sts:ExternalId":"Agreed-Secret"}}"#),
            Outsiders::NamedAccounts,
            true,
            Org::None,
        ),
        Want::Closed,
    );
    expect(
        "a federated user cannot assume a role",
        &trust(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::444455556666:federated-user/bob"},"Action":"sts:AssumeRole"}"#,
            Outsiders::NamedAccounts,
            true,
            Org::None,
        ),
        Want::Nobody,
    );
    expect(
        "nothing named",
        &trust(
            r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
            Outsiders::NamedAccounts,
            true,
            Org::None,
        ),
        Want::Nobody,
    );
}

#[test]
fn bucket_policies() {
    for (name, statements, want) in [
        // review: grants on another prefix than the state files'.
        (
            "other-prefix-public",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/public/*"}"#,
            Want::Open,
        ),
        (
            "workspace-prefix-foreign",
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:*","Resource":"arn:aws:s3:::BUCKET/env:/*"}"#,
            Want::Open,
        ),
        // review: a Deny with NotAction leaves real actions open.
        (
            "deny-not-action-read-only",
            r#"[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"]},{"Effect":"Deny","Principal":"*","NotAction":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"]}]"#,
            Want::Open,
        ),
        (
            "deny-not-action-s3",
            r#"[{"Effect":"Allow","Principal":"*","Action":"*","Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"]},{"Effect":"Deny","Principal":"*","NotAction":"s3:*","Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"]}]"#,
            Want::Open,
        ),
        (
            "deny-except-any-account-role",
            r#"[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],"Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/tf-reader"}}}]"#,
            Want::Open,
        ),
        (
            "called-via-athena",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"ForAnyValue:StringEquals":{"aws:CalledVia":"athena.amazonaws.com"}}}"#,
            Want::Open,
        ),
        // review: every account's CloudTrail trail.
        (
            "source-arn-wildcard",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:*:trail/*"}}}"#,
            Want::Open,
        ),
        (
            "source-account-own",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}"#,
            Want::Closed,
        ),
        (
            "canonical-user",
            r#"{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"}"#,
            Want::Undecided,
        ),
        (
            "user-id-like",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringLike":{"aws:userid":"AROA*:ci-*"}}}"#,
            Want::Open,
        ),
        (
            "user-id-own-role",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}}"#,
            Want::Closed,
        ),
        (
            "own-endpoint",
            r#"[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]"#,
            Want::Closed,
        ),
        (
            "narrow-address-range",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
            Want::Closed,
        ),
        (
            "half-the-internet",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}}"#,
            Want::Open,
        ),
        (
            "tls-only",
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            Want::Nobody,
        ),
        (
            "org-only",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-mine123456"}}}"#,
            Want::Closed,
        ),
        // Second review: a public range whose ends fall in ranges named elsewhere.
        (
            "public-range-ends-in-narrow-ones",
            r#"[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"IpAddress":{"aws:SourceIp":"2.0.0.0/7"}}},{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"IpAddress":{"aws:SourceIp":["2.0.0.0/16","3.255.0.0/16"]}}}]"#,
            Want::Open,
        ),
        // Second review: a tag key with a dot and a colon is a request key, not a token's.
        (
            "dotted-tag-key",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringEquals":{"s3:RequestObjectTag/team.example.com:env":"prod"}}}"#,
            Want::Open,
        ),
        // Second review: anonymous requests carry aws:PrincipalAccount = anonymous.
        (
            "anonymous-account",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringEquals":{"aws:PrincipalAccount":"anonymous"}}}"#,
            Want::Open,
        ),
        (
            "own-account-if-exists",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringEqualsIfExists":{"aws:PrincipalAccount":"123456789012"}}}"#,
            Want::Closed,
        ),
        // S3's documented address allow-list: closed, with the ranges taken as the
        // account's own.
        (
            "address-allow-list",
            r#"[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],"Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}}]"#,
            Want::Closed,
        ),
        // Second review: a per-user prefix granted to another account: its user gets in.
        (
            "user-prefix-for-another-account",
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/home/${aws:username}/*"}"#,
            Want::Open,
        ),
        (
            "another-bucket",
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}"#,
            Want::Nobody,
        ),
    ] {
        expect(name, &bucket(statements, Org::Known("o-mine123456")), want);
    }
}

#[test]
fn a_deny_that_stops_every_outsider_is_named() {
    let got = bucket(
        r#"[{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"},{"Sid":"Tls","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},{"Sid":"Org","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::BUCKET/*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-mine123456"}}}]"#,
        Org::Known("o-mine123456"),
    );
    let Reach::Closed { stopped_by, .. } = got else {
        panic!("{got:?}")
    };
    assert_eq!(
        stopped_by,
        vec![
            "Statement[Sid=Read]: every outsider request it allows is denied by Statement[Sid=Org]"
                .to_owned()
        ]
    );
}

fn tokens(statements: &str, issuer: fn(&str) -> bool, other_audience: bool) -> Reach {
    let doc = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":{statements}}}"#
    ))
    .unwrap();
    let targets = [Target {
        arn: ROLE,
        any_suffix: false,
        actions: &["sts:AssumeRoleWithWebIdentity"],
    }];
    let q = Question {
        who: Outsiders::TokenHolders,
        targets: &targets,
        issuers: Some(issuer),
        other_audience,
        ..Question::default()
    };
    reach(&doc, &q, &inside(Org::None))
}

fn github(i: &str) -> bool {
    i == "token.actions.githubusercontent.com"
}

fn eks(i: &str) -> bool {
    i.starts_with("oidc.eks.")
}

#[test]
fn token_subjects_and_audiences() {
    let gh = |cond: &str| {
        format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{cond}}}"#
        )
    };
    for (name, cond, want) in [
        (
            "no sub",
            r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#,
            Want::Open,
        ),
        (
            "every repository of one org",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}"#,
            Want::Open,
        ),
        (
            "one repository, any ref",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/infra:*"}}"#,
            Want::Closed,
        ),
        (
            "repository prefix",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/infra*"}}"#,
            Want::Open,
        ),
        (
            "one character left open",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/infr?:*"}}"#,
            Want::Open,
        ),
        (
            "two named repositories",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:acme/infra:*","repo:acme/app:ref:refs/heads/main"]}}"#,
            Want::Closed,
        ),
        (
            "a literal star under StringEquals",
            r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/*"}}"#,
            Want::Closed,
        ),
        (
            "org prefix",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme*"}}"#,
            Want::Open,
        ),
        (
            "any owner",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*/infra:*"}}"#,
            Want::Open,
        ),
        (
            "one repo",
            r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:acme/infra:ref:refs/heads/main"}}"#,
            Want::Closed,
        ),
        (
            "negated",
            r#"{"StringNotLike":{"token.actions.githubusercontent.com:sub":"repo:evil/*"}}"#,
            Want::Open,
        ),
    ] {
        expect(name, &tokens(&gh(cond), github, false), want);
    }
    let irsa = |cond: &str| {
        format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{cond}}}"#
        )
    };
    let sa =
        r#""oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:payments:api""#;
    let aud = r#""oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud":"sts.amazonaws.com""#;
    expect(
        "irsa scoped",
        &tokens(
            &irsa(&format!(r#"{{"StringEquals":{{{sa},{aud}}}}}"#)),
            eks,
            false,
        ),
        Want::Closed,
    );
    expect(
        "irsa namespace-wide",
        &tokens(
            &irsa(
                r#"{"StringLike":{"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:payments:*"}}"#,
            ),
            eks,
            false,
        ),
        Want::Open,
    );
    expect(
        "irsa audience required",
        &tokens(
            &irsa(&format!(r#"{{"StringEquals":{{{sa},{aud}}}}}"#)),
            eks,
            true,
        ),
        Want::Closed,
    );
    expect(
        "irsa audience missing",
        &tokens(&irsa(&format!(r#"{{"StringEquals":{{{sa}}}}}"#)), eks, true),
        Want::Open,
    );
    // Second review: subjects GitHub lets any repository choose name no owner.
    for (name, cond, want) in [
        (
            "reusable workflow",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"job_workflow_ref:acme/shared/.github/workflows/deploy.yml@*"}}"#,
            Want::Open,
        ),
        (
            "not a repository",
            r#"{"StringNotLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}"#,
            Want::Open,
        ),
        (
            "owner id: every repository of the owner",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repository_owner_id:1234:*"}}"#,
            Want::Open,
        ),
        (
            "owner and repository ids",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repository_owner_id:1234:repository_id:5678:*"}}"#,
            Want::Closed,
        ),
        (
            "the owner alone, a whole customised subject",
            r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repository_owner:acme"}}"#,
            Want::Open,
        ),
        (
            "one repository id",
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repository_id:5678:*"}}"#,
            Want::Closed,
        ),
        (
            "owner and a claim every repository can have",
            r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repository_owner:acme:environment:prod"}}"#,
            Want::Open,
        ),
    ] {
        expect(name, &tokens(&gh(cond), github, false), want);
    }
    // The subject formats of other CI systems: one project, or more than one.
    let ci = |issuer: &str, cond: &str| {
        format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::123456789012:oidc-provider/{issuer}"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringLike":{{"{issuer}:sub":"{cond}"}}}}}}"#
        )
    };
    let any_ci = |i: &str| !i.starts_with("oidc.eks.");
    // GitHub Enterprise's own issuers read the same subjects as github.com's.
    for (name, issuer, sub, want) in [
        (
            "enterprise issuer, one repository",
            "token.actions.githubusercontent.com/acme-corp",
            "repo:acme/infra:ref:refs/heads/main",
            Want::Closed,
        ),
        (
            "enterprise issuer, every repository",
            "token.actions.githubusercontent.com/acme-corp",
            "repo:acme/*",
            Want::Open,
        ),
        (
            "server issuer, one repository",
            "github.acme.example/_services/token",
            "repo:acme/infra:*",
            Want::Closed,
        ),
    ] {
        expect(name, &tokens(&ci(issuer, sub), any_ci, false), want);
    }
    let circle = "oidc.circleci.com/org/0c5e1a4e-1111-2222-3333-444455556666";
    let bitbucket = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc";
    for (name, issuer, sub, want) in [
        ("gitlab group", "gitlab.com", "project_path:acme/*", Want::Open),
        ("gitlab project prefix", "gitlab.com", "project_path:acme/platform/api*", Want::Open),
        ("gitlab one project", "gitlab.com", "project_path:acme/platform/api:ref_type:branch:ref:main", Want::Closed),
        ("gitlab one project, any ref", "gitlab.com", "project_path:acme/platform/api:*", Want::Closed),
        ("terraform organisation", "app.terraform.io", "organization:acme:*", Want::Open),
        ("terraform any project", "app.terraform.io", "organization:acme:project:*:workspace:net:run_phase:*", Want::Open),
        ("terraform one project", "app.terraform.io", "organization:acme:project:networking:*", Want::Closed),
        ("terraform any organisation", "app.terraform.io", "organization:*:project:networking:*", Want::Open),
        ("circleci organisation", circle, "org/0c5e1a4e-1111-2222-3333-444455556666/*", Want::Open),
        ("circleci one project", circle, "org/0c5e1a4e-1111-2222-3333-444455556666/project/9f00aa00-1111-2222-3333-444455556666/user/*", Want::Closed),
        ("bitbucket one repository", bitbucket, "{5e1b8a3c-1111-2222-3333-444455556666}:*", Want::Closed),
        ("bitbucket any repository", bitbucket, "{*}:*", Want::Open),
    ] {
        expect(name, &tokens(&ci(issuer, sub), any_ci, false), want);
    }
    // Second review: web identity providers IAM names without an OIDC provider.
    let web = |provider: &str, cond: &str| {
        format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},"Action":"sts:AssumeRoleWithWebIdentity"{cond}}}"#
        )
    };
    let any_web = |i: &str| i.contains('.');
    expect(
        "cognito without a pool",
        &tokens(&web("cognito-identity.amazonaws.com", ""), any_web, false),
        Want::Open,
    );
    expect(
        "cognito with its pool",
        &tokens(
            &web(
                "cognito-identity.amazonaws.com",
                r#","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:12345678-abcd-abcd-abcd-123456789012"}}"#,
            ),
            any_web,
            false,
        ),
        Want::Closed,
    );
    expect(
        "google without an application",
        &tokens(&web("accounts.google.com", ""), any_web, false),
        Want::Open,
    );
    expect(
        "another provider",
        &tokens(&gh(r#"{}"#), eks, false),
        Want::Nobody,
    );
}

#[test]
fn a_condition_comparing_with_the_resources_tag_is_met_by_the_outsiders_own_tag() {
    // review: an outsider tags its own role with the role's project and assumes it.
    let doc = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow",{ANY},"Condition":{{"StringEquals":{{"aws:PrincipalTag/project":"${{aws:ResourceTag/project}}"}}}}}}}}"#
    ))
    .unwrap();
    let targets = [Target {
        arn: ROLE,
        any_suffix: false,
        actions: &["sts:AssumeRole"],
    }];
    let tags = [("project".to_owned(), "crm".to_owned())]
        .into_iter()
        .collect();
    let q = Question {
        targets: &targets,
        resource_tags: Some(&tags),
        ..Question::default()
    };
    let got = reach(&doc, &q, &inside(Org::None));
    let Reach::Open(w) = got else {
        panic!("{got:?}")
    };
    assert!(
        w.context
            .contains(&("aws:PrincipalTag/project".to_owned(), "crm".to_owned())),
        "{w:?}"
    );
    // Second review: a Deny unless the tags match: the outsider's tag matches.
    let deny = PolicyDocument::parse(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",{ANY}}},{{"Effect":"Deny",{ANY},"Condition":{{"StringNotEquals":{{"aws:PrincipalTag/project":"${{aws:ResourceTag/project}}"}}}}}}]}}"#
    ))
    .unwrap();
    let got = reach(&deny, &q, &inside(Org::None));
    assert!(matches!(got, Reach::Open(_)), "{got:?}");
}

/// Second review: Deny statements written to make the search explode (each refusing
/// unless one of two shared tags matches a pattern) get an answer: "undecided" past the
/// analysis's budget, never a pass. (How long it takes is measured in the benchmark.)
#[test]
fn an_adversarial_policy_is_undecided_not_passed() {
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
    let mut st = vec![format!(r#"{{"Effect":"Allow",{ANY}}}"#)];
    for i in 0..24 {
        st.push(format!(
            r#"{{"Effect":"Deny",{ANY},"Condition":{{"StringNotLike":{{"aws:PrincipalTag/b":"{}","aws:PrincipalTag/c":"{}"}}}}}}"#,
            pats[i % 8],
            pats[(i * 3 + 1) % 8]
        ));
    }
    let got = trust(
        &format!("[{}]", st.join(",")),
        Outsiders::Anyone,
        false,
        Org::None,
    );
    assert!(
        matches!(got, Reach::Undecided(_) | Reach::Open(_)),
        "{got:?}"
    );
}
