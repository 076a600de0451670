//! The IAM collector against moto: one GAAD listing gives roles with decoded trust policies,
//! inline and attached policies; attached AWS managed policies are read once each; the
//! credential report, password policy and OIDC providers arrive too.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_testkit::{unique_account, Emulator};
use aws_sdk_iam::Client;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"sts:AssumeRole"}]}"#;
const INLINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::tf-state/services/crm/*"}]}"#;

#[tokio::test]
async fn collects_the_account_in_few_calls() {
    let emu = Emulator::shared();
    let cfg = emu.account_config(&unique_account(), "us-east-1").await;
    let iam = Client::new(&cfg);
    iam.create_role()
        .role_name("deployer")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name("deployer")
        .policy_name("crm-state")
        .policy_document(INLINE)
        .send()
        .await
        .unwrap();
    iam.attach_role_policy()
        .role_name("deployer")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    iam.create_user().user_name("alice").send().await.unwrap();
    iam.create_login_profile()
        .user_name("alice")
        .password("Correct-Horse-9")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name("alice")
        .send()
        .await
        .unwrap();
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    iam.create_open_id_connect_provider()
        .url("https://oidc.eks.eu-west-1.amazonaws.com/id/DEMO123")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("9e99a48a9960b14926bb7f3b02e22da2b0ab7280")
        .send()
        .await
        .unwrap();
    iam.update_account_password_policy()
        .minimum_password_length(8)
        .send()
        .await
        .unwrap();

    let a = collect_iam::collect(&cfg).await;

    let roles = a.roles.get().unwrap();
    let r = roles.iter().find(|r| r.role_name == "deployer").unwrap();
    let trust: serde_json::Value =
        serde_json::from_str(r.trust_policy.as_deref().unwrap()).unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::444455556666:root",
        "decoded trust policy"
    );
    assert_eq!(r.inline_policies[0].name, "crm-state");
    assert!(r.inline_policies[0].document.contains("services/crm/*"));
    assert_eq!(
        r.attached_policies,
        ["arn:aws:iam::aws:policy/AdministratorAccess"]
    );

    let policies = a.managed_policies.get().unwrap();
    let admin = policies
        .iter()
        .find(|p| p.arn == "arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    assert!(admin.is_aws_managed());
    assert!(
        admin.document.get().is_ok_and(|d| d.contains("\"*\"")),
        "{admin:?}"
    );
    assert!(policies
        .iter()
        .any(|p| p.arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"));
    assert!(
        policies.len() < 10,
        "only policies in use are read, not every AWS managed policy"
    );

    let users = a.users.get().unwrap();
    let alice = users.iter().find(|u| u.user_name == "alice").unwrap();
    assert_eq!(
        alice.attached_policies,
        ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    );
    let row = a
        .credential_report
        .get()
        .unwrap()
        .iter()
        .find(|r| r.user == "alice")
        .unwrap();
    assert!(
        row.password_enabled && !row.mfa_active && row.access_key_1_active,
        "{row:?}"
    );

    let oidc = a.oidc_providers.get().unwrap();
    assert_eq!(oidc[0].url, "oidc.eks.eu-west-1.amazonaws.com/id/DEMO123");
    assert_eq!(oidc[0].client_ids, ["sts.amazonaws.com"]);
    assert_eq!(
        a.password_policy
            .get()
            .unwrap()
            .as_ref()
            .and_then(|p| p.minimum_password_length),
        Some(8)
    );
    assert!(a.account_summary.get().is_ok());
}
