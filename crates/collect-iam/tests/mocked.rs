//! What moto cannot do: refuse a call. A refused GetPolicy for an attached AWS managed
//! policy must leave that policy listed with its gap (so the report names iam:GetPolicy),
//! while roles and everything else are kept.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::GapKind;
use auditor_testkit::responses::{denied_message, query_error};
use aws_sdk_iam::operation::generate_credential_report::GenerateCredentialReportOutput;
use aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;
use aws_sdk_iam::operation::get_account_password_policy::GetAccountPasswordPolicyOutput;
use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryOutput;
use aws_sdk_iam::operation::get_credential_report::GetCredentialReportOutput;
use aws_sdk_iam::operation::list_open_id_connect_providers::ListOpenIdConnectProvidersOutput;
use aws_sdk_iam::types::{AttachedPolicy, ReportStateType, RoleDetail};
use aws_sdk_iam::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_types::Blob;

#[tokio::test]
async fn a_refused_get_policy_is_that_policys_gap() {
    let rules: Vec<Rule> = vec![
        mock!(Client::get_account_authorization_details).then_output(|| {
            GetAccountAuthorizationDetailsOutput::builder()
                .role_detail_list(
                    RoleDetail::builder()
                        .role_name("ops")
                        .arn("arn:aws:iam::1:role/ops")
                        .assume_role_policy_document("%7B%22Statement%22%3A%5B%5D%7D")
                        .attached_managed_policies(
                            AttachedPolicy::builder()
                                .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
                                .build(),
                        )
                        .build(),
                )
                .is_truncated(false)
                .build()
        }),
        mock!(Client::get_policy).then_http_response(|| {
            query_error(403, "AccessDenied", &denied_message("iam:GetPolicy"))
        }),
        mock!(Client::generate_credential_report).then_output(|| {
            GenerateCredentialReportOutput::builder()
                .state(ReportStateType::Complete)
                .build()
        }),
        mock!(Client::get_credential_report).then_output(|| {
            GetCredentialReportOutput::builder()
                .content(Blob::new("user,arn,password_enabled,mfa_active\n"))
                .build()
        }),
        mock!(Client::get_account_password_policy)
            .then_output(|| GetAccountPasswordPolicyOutput::builder().build()),
        mock!(Client::list_open_id_connect_providers)
            .then_output(|| ListOpenIdConnectProvidersOutput::builder().build()),
        mock!(Client::get_account_summary)
            .then_output(|| GetAccountSummaryOutput::builder().build()),
    ];
    let refs: Vec<&Rule> = rules.iter().collect();
    let client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, &refs, |b| b
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled()));

    let a = collect_iam::collect_with(&client).await;

    let role = &a.roles.get().unwrap()[0];
    assert_eq!(
        role.trust_policy.as_deref(),
        Some(r#"{"Statement":[]}"#),
        "URL-decoded"
    );
    let policies = a.managed_policies.get().unwrap();
    assert_eq!(policies.len(), 1, "the refused policy stays listed");
    let gap = policies[0].document.gap().expect("its document is a gap");
    assert_eq!(gap.api, "iam:GetPolicy");
    assert_eq!(gap.kind, GapKind::AccessDenied);
    assert!(
        gap.message
            .contains("not authorized to perform: iam:GetPolicy"),
        "{}",
        gap.message
    );
}
