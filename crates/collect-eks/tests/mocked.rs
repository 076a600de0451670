//! What moto lacks, with the SDK's mock support and answers shaped like AWS's: add-ons,
//! access entries with their access policies, pod identity associations, accessConfig and
//! DescribeClusterVersions; and an AccessDenied on one EKS API leaving a gap in that part
//! only.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_model::GapKind;
use auditor_testkit::responses::{denied_message, rest_json_error};
use aws_sdk_eks::operation::describe_access_entry::DescribeAccessEntryOutput;
use aws_sdk_eks::operation::describe_addon::DescribeAddonOutput;
use aws_sdk_eks::operation::describe_cluster::DescribeClusterOutput;
use aws_sdk_eks::operation::describe_cluster_versions::DescribeClusterVersionsOutput;
use aws_sdk_eks::operation::list_access_entries::ListAccessEntriesOutput;
use aws_sdk_eks::operation::list_addons::ListAddonsOutput;
use aws_sdk_eks::operation::list_associated_access_policies::ListAssociatedAccessPoliciesOutput;
use aws_sdk_eks::operation::list_clusters::ListClustersOutput;
use aws_sdk_eks::operation::list_nodegroups::ListNodegroupsOutput;
use aws_sdk_eks::operation::list_pod_identity_associations::ListPodIdentityAssociationsOutput;
use aws_sdk_eks::types::{
    AccessConfigResponse, AccessEntry, AccessScope, AccessScopeType, Addon, AssociatedAccessPolicy,
    AuthenticationMode, Cluster, ClusterVersionInformation, PodIdentityAssociationSummary,
    SupportType, UpgradePolicyResponse, VersionStatus, VpcConfigResponse,
};
use aws_sdk_eks::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::DateTime;

const ACCT: &str = "111122223333";

fn denied(api: &'static str) -> Response {
    let message = format!(
        "{} on resource: arn:aws:eks:eu-west-1:{ACCT}:cluster/prod",
        denied_message(api)
    );
    rest_json_error(403, "AccessDeniedException", &message)
}

/// Every API of one healthy cluster `prod`, as AWS answers them.
fn cluster_rules() -> Vec<Rule> {
    vec![
        mock!(Client::list_clusters)
            .then_output(|| ListClustersOutput::builder().clusters("prod").build()),
        mock!(Client::describe_cluster).then_output(|| {
            DescribeClusterOutput::builder()
                .cluster(
                    Cluster::builder()
                        .name("prod")
                        .arn(format!("arn:aws:eks:eu-west-1:{ACCT}:cluster/prod"))
                        .version("1.33")
                        .resources_vpc_config(
                            VpcConfigResponse::builder()
                                .vpc_id("vpc-0a1b")
                                .subnet_ids("subnet-1")
                                .cluster_security_group_id("sg-cluster")
                                .endpoint_public_access(true)
                                .endpoint_private_access(true)
                                .public_access_cidrs("0.0.0.0/0")
                                .build(),
                        )
                        .access_config(
                            AccessConfigResponse::builder()
                                .authentication_mode(AuthenticationMode::ApiAndConfigMap)
                                .bootstrap_cluster_creator_admin_permissions(true)
                                .build(),
                        )
                        .upgrade_policy(
                            UpgradePolicyResponse::builder()
                                .support_type(SupportType::Extended)
                                .build(),
                        )
                        .build(),
                )
                .build()
        }),
        mock!(Client::list_nodegroups).then_output(|| ListNodegroupsOutput::builder().build()),
        mock!(Client::list_addons).then_output(|| {
            ListAddonsOutput::builder()
                .addons("vpc-cni")
                .addons("eks-pod-identity-agent")
                .build()
        }),
        mock!(Client::describe_addon)
            .match_requests(|r| r.addon_name() == Some("vpc-cni"))
            .then_output(|| {
                DescribeAddonOutput::builder()
                    .addon(
                        Addon::builder()
                            .addon_name("vpc-cni")
                            .addon_version("v1.19.2-eksbuild.1")
                            .service_account_role_arn(format!("arn:aws:iam::{ACCT}:role/vpc-cni"))
                            .configuration_values(r#"{"enableNetworkPolicy":"true"}"#)
                            .build(),
                    )
                    .build()
            }),
        mock!(Client::describe_addon).then_output(|| {
            DescribeAddonOutput::builder()
                .addon(
                    Addon::builder()
                        .addon_name("eks-pod-identity-agent")
                        .addon_version("v1.3.4-eksbuild.1")
                        .build(),
                )
                .build()
        }),
        mock!(Client::list_pod_identity_associations).then_output(|| {
            ListPodIdentityAssociationsOutput::builder()
                .associations(
                    PodIdentityAssociationSummary::builder()
                        .namespace("kube-system")
                        .service_account("aws-node")
                        .association_id("a-0123")
                        .build(),
                )
                .build()
        }),
        mock!(Client::describe_cluster_versions).then_output(|| {
            DescribeClusterVersionsOutput::builder()
                .cluster_versions(
                    ClusterVersionInformation::builder()
                        .cluster_version("1.35")
                        .cluster_type("eks")
                        .version_status(VersionStatus::StandardSupport)
                        .end_of_standard_support_date(DateTime::from_secs(1_806_105_600))
                        .build(),
                )
                .cluster_versions(
                    ClusterVersionInformation::builder()
                        .cluster_version("1.33")
                        .cluster_type("eks")
                        .version_status(VersionStatus::ExtendedSupport)
                        .end_of_standard_support_date(DateTime::from_secs(1_785_283_200))
                        .build(),
                )
                .build()
        }),
    ]
}

fn client(rules: &[Rule]) -> Client {
    let refs: Vec<&Rule> = rules.iter().collect();
    mock_client!(aws_sdk_eks, RuleMode::MatchAny, &refs, |b| b
        .retry_config(aws_smithy_types::retry::RetryConfig::disabled()))
}

#[tokio::test]
async fn access_denied_on_access_entries_is_a_gap_in_that_part_only() {
    let mut rules =
        vec![mock!(Client::list_access_entries)
            .then_http_response(|| denied("eks:ListAccessEntries"))];
    rules.extend(cluster_rules());
    let r = collect_eks::collect_region_with(&client(&rules), "eu-west-1", 2).await;

    let c = &r.clusters.get().unwrap()[0];
    let gap = c.access_entries.gap().expect("access entries are a gap");
    assert_eq!(gap.kind, GapKind::AccessDenied);
    assert_eq!(gap.api, "eks:ListAccessEntries");
    assert_eq!(gap.region.as_deref(), Some("eu-west-1"));
    assert!(gap.message.contains("not authorized"), "{}", gap.message);

    // Everything else of the cluster is intact.
    assert_eq!(c.version.as_deref(), Some("1.33"));
    assert_eq!(c.vpc_config.vpc_id.as_deref(), Some("vpc-0a1b"));
    assert_eq!(
        c.vpc_config.cluster_security_group_id.as_deref(),
        Some("sg-cluster")
    );
    let ac = c.access_config.as_ref().expect("accessConfig");
    assert_eq!(
        ac.authentication_mode.as_deref(),
        Some("API_AND_CONFIG_MAP")
    );
    assert_eq!(ac.bootstrap_cluster_creator_admin_permissions, Some(true));
    assert_eq!(c.support_type.as_deref(), Some("EXTENDED"));
    let addons = c.addons.get().unwrap();
    let cni = addons.iter().find(|a| a.name == "vpc-cni").unwrap();
    assert_eq!(
        cni.service_account_role_arn.as_deref(),
        Some(&*format!("arn:aws:iam::{ACCT}:role/vpc-cni"))
    );
    // Its configuration, as EKS-016 reads it (moto has no add-ons: mocked here).
    assert_eq!(
        cni.configuration_values.as_deref(),
        Some(r#"{"enableNetworkPolicy":"true"}"#)
    );
    assert!(addons.iter().any(|a| a.name == "eks-pod-identity-agent"));
    let pia = c.pod_identity_associations.get().unwrap();
    assert_eq!(
        (pia[0].namespace.as_str(), pia[0].service_account.as_str()),
        ("kube-system", "aws-node")
    );
    let versions = r.versions.get().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].version, "1.33");
    assert_eq!(versions[1].status.as_deref(), Some("EXTENDED_SUPPORT"));
    assert!(versions[1]
        .end_of_standard_support
        .as_deref()
        .is_some_and(|d| d.starts_with("2026-07-29")));
}

#[tokio::test]
async fn access_entries_with_their_associated_policies() {
    let admin = format!("arn:aws:iam::{ACCT}:role/platform-admin");
    let dev = format!("arn:aws:iam::{ACCT}:role/dev");
    let (a1, a2, d1) = (admin.clone(), admin.clone(), dev.clone());
    let mut rules = vec![
        mock!(Client::list_access_entries).then_output(move || {
            ListAccessEntriesOutput::builder()
                .access_entries(a1.clone())
                .access_entries(d1.clone())
                .build()
        }),
        mock!(Client::describe_access_entry)
            .match_requests(move |r| r.principal_arn() == Some(a2.as_str()))
            .then_output(|| {
                DescribeAccessEntryOutput::builder()
                    .access_entry(
                        AccessEntry::builder()
                            .principal_arn(format!("arn:aws:iam::{ACCT}:role/platform-admin"))
                            .r#type("STANDARD")
                            .build(),
                    )
                    .build()
            }),
        mock!(Client::describe_access_entry).then_output(|| {
            DescribeAccessEntryOutput::builder()
                .access_entry(
                    AccessEntry::builder()
                        .principal_arn(format!("arn:aws:iam::{ACCT}:role/dev"))
                        .r#type("STANDARD")
                        .kubernetes_groups("system:masters")
                        .username("dev")
                        .build(),
                )
                .build()
        }),
        mock!(Client::list_associated_access_policies)
            .match_requests(|r| r.principal_arn().is_some_and(|p| p.ends_with("/dev")))
            .then_output(|| ListAssociatedAccessPoliciesOutput::builder().build()),
        mock!(Client::list_associated_access_policies).then_output(|| {
            ListAssociatedAccessPoliciesOutput::builder()
                .associated_access_policies(
                    AssociatedAccessPolicy::builder()
                        .policy_arn(
                            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                        )
                        .access_scope(
                            AccessScope::builder()
                                .r#type(AccessScopeType::Cluster)
                                .build(),
                        )
                        .build(),
                )
                .build()
        }),
    ];
    rules.extend(cluster_rules());
    let r = collect_eks::collect_region_with(&client(&rules), "eu-west-1", 2).await;

    let entries = r.clusters.get().unwrap()[0].access_entries.get().unwrap();
    assert_eq!(entries.len(), 2);
    let a = entries.iter().find(|e| e.principal_arn == admin).unwrap();
    let policies = a.access_policies.get().unwrap();
    assert!(policies[0]
        .policy_arn
        .ends_with("/AmazonEKSClusterAdminPolicy"));
    assert_eq!(policies[0].scope_type.as_deref(), Some("cluster"));
    let d = entries.iter().find(|e| e.principal_arn == dev).unwrap();
    assert_eq!(d.kubernetes_groups, ["system:masters"]);
    assert_eq!(d.access_policies.get().map(Vec::len), Ok(0));
}

#[tokio::test]
async fn a_refused_list_clusters_is_one_gap_for_the_region() {
    let rules = vec![
        mock!(Client::list_clusters).then_http_response(|| denied("eks:ListClusters")),
        mock!(Client::describe_cluster_versions)
            .then_output(|| DescribeClusterVersionsOutput::builder().build()),
    ];
    let r = collect_eks::collect_region_with(&client(&rules), "eu-west-1", 2).await;
    let gap = r.clusters.gap().expect("clusters are a gap");
    assert_eq!(
        (gap.api.as_str(), gap.kind),
        ("eks:ListClusters", GapKind::AccessDenied)
    );
    assert!(collect_eks::launch_template_refs(&r).is_empty());
}

#[tokio::test]
async fn a_describe_answer_without_its_resource_is_a_gap_not_a_missing_node_group() {
    use aws_sdk_eks::operation::describe_nodegroup::DescribeNodegroupOutput;
    let mut rules = vec![
        mock!(Client::list_nodegroups)
            .then_output(|| ListNodegroupsOutput::builder().nodegroups("ng-1").build()),
        mock!(Client::describe_nodegroup)
            .then_output(|| DescribeNodegroupOutput::builder().build()),
        mock!(Client::list_access_entries)
            .then_output(|| ListAccessEntriesOutput::builder().build()),
    ];
    rules.extend(cluster_rules());
    let r = collect_eks::collect_region_with(&client(&rules), "eu-west-1", 2).await;
    let c = &r.clusters.get().unwrap()[0];
    let gap = c.nodegroups.gap().expect("node groups are a gap");
    assert_eq!(
        (gap.api.as_str(), gap.kind),
        ("eks:DescribeNodegroup", GapKind::Other)
    );
    // The rest of the cluster is kept.
    assert!(c.addons.get().is_ok() && c.access_entries.get().is_ok());
}
