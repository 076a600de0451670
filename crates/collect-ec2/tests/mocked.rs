//! Failure paths moto cannot produce, with the SDK's own mock support: an AccessDenied on
//! one API leaves a typed gap in that part only; a bare HTTP 404 (an endpoint that lacks the
//! API) is "not offered".

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::GapKind;
use auditor_testkit::responses::{denied_message, ec2_error, plain};
use aws_sdk_ec2::operation::describe_network_acls::DescribeNetworkAclsOutput;
use aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput;
use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
use aws_sdk_ec2::operation::describe_vpcs::DescribeVpcsOutput;
use aws_sdk_ec2::operation::get_ebs_encryption_by_default::GetEbsEncryptionByDefaultOutput;
use aws_sdk_ec2::types::{SecurityGroup, Vpc};
use aws_sdk_ec2::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::Response;

/// EC2's refusal of one API.
fn denied(api: &str) -> Response {
    let message = format!(
        "You are not authorized to perform this operation. {}",
        denied_message(api)
    );
    ec2_error(403, "UnauthorizedOperation", &message)
}

fn healthy_rules() -> Vec<Rule> {
    vec![
        mock!(Client::describe_vpcs).then_output(|| {
            DescribeVpcsOutput::builder()
                .vpcs(
                    Vpc::builder()
                        .vpc_id("vpc-1")
                        .cidr_block("10.0.0.0/16")
                        .build(),
                )
                .build()
        }),
        mock!(Client::describe_subnets).then_output(|| DescribeSubnetsOutput::builder().build()),
        mock!(Client::describe_route_tables)
            .then_output(|| DescribeRouteTablesOutput::builder().build()),
        mock!(Client::describe_security_groups).then_output(|| {
            DescribeSecurityGroupsOutput::builder()
                .security_groups(
                    SecurityGroup::builder()
                        .group_id("sg-1")
                        .group_name("default")
                        .build(),
                )
                .build()
        }),
        mock!(Client::describe_network_acls)
            .then_output(|| DescribeNetworkAclsOutput::builder().build()),
        mock!(Client::describe_vpc_endpoints).then_output(|| {
            aws_sdk_ec2::operation::describe_vpc_endpoints::DescribeVpcEndpointsOutput::builder()
                .build()
        }),
        mock!(Client::describe_managed_prefix_lists).then_output(|| {
            aws_sdk_ec2::operation::describe_managed_prefix_lists::DescribeManagedPrefixListsOutput::builder()
                .build()
        }),
        mock!(Client::get_ebs_encryption_by_default).then_output(|| {
            GetEbsEncryptionByDefaultOutput::builder()
                .ebs_encryption_by_default(true)
                .build()
        }),
        // Every template's $Latest and $Default: lt-1's differ; lt-2's one version is both,
        // and is answered twice (as moto does).
        mock!(Client::describe_launch_template_versions)
            .match_requests(|r| r.launch_template_id().is_none() && r.launch_template_name().is_none())
            .then_output(|| {
                use aws_sdk_ec2::types::LaunchTemplateVersion as V;
                let v = |id: &str, n: i64, default: bool| {
                    V::builder()
                        .launch_template_id(id)
                        .launch_template_name(format!("{id}-name"))
                        .version_number(n)
                        .default_version(default)
                        .build()
                };
                aws_sdk_ec2::operation::describe_launch_template_versions::DescribeLaunchTemplateVersionsOutput::builder()
                    .launch_template_versions(v("lt-1", 3, false))
                    .launch_template_versions(v("lt-1", 1, true))
                    .launch_template_versions(v("lt-2", 1, true))
                    .launch_template_versions(v("lt-2", 1, true))
                    .build()
            }),
    ]
}

#[tokio::test]
async fn access_denied_on_one_api_is_a_gap_in_that_part_only() {
    let mut rules = healthy_rules();
    rules.push(
        mock!(Client::describe_flow_logs).then_http_response(|| denied("ec2:DescribeFlowLogs")),
    );
    rules.push(
        mock!(Client::describe_instances)
            .then_http_response(|| plain(404, "<html>Not Found</html>")),
    );
    let refs: Vec<&Rule> = rules.iter().collect();
    let client = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &refs, |b| b
        .retry_config(aws_config::retry::RetryConfig::disabled()));

    let r = collect_ec2::collect_region_with(&client, "eu-west-1").await;

    let gap = r.flow_logs.gap().expect("flow logs are a gap");
    assert_eq!(gap.kind, GapKind::AccessDenied);
    assert_eq!(gap.api, "ec2:DescribeFlowLogs");
    assert_eq!(gap.region.as_deref(), Some("eu-west-1"));
    assert!(
        gap.message
            .starts_with("UnauthorizedOperation: You are not authorized"),
        "{}",
        gap.message
    );
    assert!(!gap.message.contains('\n'));

    let gap = r.instances.gap().expect("instances are a gap");
    assert_eq!(gap.kind, GapKind::NotOffered, "{gap:?}");
    assert_eq!(gap.api, "ec2:DescribeInstances");

    // Everything else was collected.
    assert_eq!(r.vpcs.get().expect("vpcs")[0].vpc_id, "vpc-1");
    assert_eq!(
        r.security_groups.get().expect("sgs")[0].group_name,
        "default"
    );
    assert_eq!(r.ebs_encryption_by_default.get(), Ok(&true));
    assert!(
        r.subnets.get().is_ok()
            && r.route_tables.get().is_ok()
            && r.network_acls.get().is_ok()
            && r.vpc_endpoints.get().is_ok()
    );
    // Each template's current versions once, marked with what they answer.
    let lts: Vec<(String, i64, Vec<String>)> = r
        .launch_templates
        .get()
        .expect("launch templates")
        .iter()
        .map(|v| {
            (
                v.launch_template_id.clone(),
                v.version_number,
                v.requested_as.clone(),
            )
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        lts,
        vec![
            ("lt-1".to_string(), 1, s(&["$Default"])),
            ("lt-1".to_string(), 3, s(&["$Latest"])),
            ("lt-2".to_string(), 1, s(&["$Default", "$Latest"])),
        ]
    );
}

#[tokio::test]
async fn throttling_that_outlasts_retries_is_a_throttled_gap() {
    let mut rules = healthy_rules();
    rules.push(
        mock!(Client::describe_flow_logs).then_http_response(|| {
            ec2_error(503, "RequestLimitExceeded", "Request limit exceeded.")
        }),
    );
    rules.push(mock!(Client::describe_instances).then_output(|| {
        aws_sdk_ec2::operation::describe_instances::DescribeInstancesOutput::builder().build()
    }));
    let refs: Vec<&Rule> = rules.iter().collect();
    let client = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &refs, |b| b
        .retry_config(aws_config::retry::RetryConfig::disabled()));
    let r = collect_ec2::collect_region_with(&client, "us-east-1").await;
    assert_eq!(r.flow_logs.gap().map(|g| g.kind), Some(GapKind::Throttled));
    assert_eq!(r.instances.get().map(Vec::len), Ok(0));
}

#[tokio::test]
async fn a_refused_launch_template_read_is_a_gap_of_the_part() {
    let rules = [mock!(Client::describe_launch_template_versions)
        .then_http_response(|| denied("ec2:DescribeLaunchTemplateVersions"))];
    let refs: Vec<&Rule> = rules.iter().collect();
    let client = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &refs, |b| b
        .retry_config(aws_config::retry::RetryConfig::disabled()));
    let lt = auditor_model::eks::LaunchTemplateRef {
        id: Some("lt-1".into()),
        name: None,
        version: Some("2".into()),
    };
    let r = collect_ec2::launch_template_versions_with(&client, "eu-west-1", &[lt]).await;
    let gap = r.gap().expect("a gap");
    assert_eq!(
        (gap.api.as_str(), gap.kind),
        ("ec2:DescribeLaunchTemplateVersions", GapKind::AccessDenied)
    );
}
