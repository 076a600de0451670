//! The EKS collector against moto: clusters as DescribeCluster gives them, node groups with
//! remote access and launch templates, and the APIs moto lacks (add-ons, access entries,
//! pod identity, DescribeClusterVersions) as `not_offered` gaps that leave the rest intact.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// `EncryptionConfig.resources` is deprecated, but it is how clusters were created.
#![allow(deprecated)]

use auditor_model::GapKind;
use auditor_testkit::{unique_account, Emulator};
use aws_sdk_eks::types::{
    EncryptionConfig, LaunchTemplateSpecification, LogSetup, LogType, Logging, Provider,
    RemoteAccessConfig, VpcConfigRequest,
};
use aws_sdk_eks::Client;

#[tokio::test]
async fn collects_clusters_and_node_groups_and_names_what_moto_lacks() {
    let emu = Emulator::shared();
    let region = "eu-west-1";
    let account = unique_account();
    let cfg = emu.account_config(&account, region).await;
    let eks = Client::new(&cfg);
    let role = format!("arn:aws:iam::{account}:role/eks-cluster");

    eks.create_cluster()
        .name("locked-down")
        .version("1.34")
        .role_arn(&role)
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .subnet_ids("subnet-a")
                .subnet_ids("subnet-b")
                .security_group_ids("sg-extra")
                .endpoint_public_access(false)
                .endpoint_private_access(true)
                .build(),
        )
        .encryption_config(
            EncryptionConfig::builder()
                .resources("secrets")
                .provider(
                    Provider::builder()
                        .key_arn(format!("arn:aws:kms:{region}:{account}:key/k1"))
                        .build(),
                )
                .build(),
        )
        .logging(
            Logging::builder()
                .cluster_logging(
                    LogSetup::builder()
                        .enabled(true)
                        .types(LogType::Api)
                        .types(LogType::Audit)
                        .types(LogType::Authenticator)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    eks.create_cluster()
        .name("wide-open")
        .version("1.29")
        .role_arn(&role)
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .subnet_ids("subnet-pub")
                .endpoint_public_access(true)
                .public_access_cidrs("0.0.0.0/0")
                .build(),
        )
        .send()
        .await
        .unwrap();
    eks.create_nodegroup()
        .cluster_name("wide-open")
        .nodegroup_name("ssh")
        .node_role(format!("arn:aws:iam::{account}:role/eks-node"))
        .subnets("subnet-pub")
        .remote_access(RemoteAccessConfig::builder().ec2_ssh_key("ops-key").build())
        .send()
        .await
        .unwrap();
    eks.create_nodegroup()
        .cluster_name("locked-down")
        .nodegroup_name("templated")
        .node_role(format!("arn:aws:iam::{account}:role/eks-node"))
        .subnets("subnet-a")
        .ami_type(aws_sdk_eks::types::AmiTypes::BottlerocketX8664)
        .launch_template(
            LaunchTemplateSpecification::builder()
                .id("lt-0123456789abcdef0")
                .version("3")
                .build(),
        )
        .send()
        .await
        .unwrap();

    let r = collect_eks::collect_region(&cfg, region, 4).await;
    let mut clusters = r.clusters.get().expect("clusters collected").clone();
    clusters.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(clusters.len(), 2);

    let good = &clusters[0];
    assert_eq!(good.name, "locked-down");
    assert_eq!(good.version.as_deref(), Some("1.34"));
    assert_eq!(good.role_arn.as_deref(), Some(role.as_str()));
    assert!(!good.vpc_config.endpoint_public_access);
    assert!(good.vpc_config.endpoint_private_access);
    assert_eq!(good.vpc_config.subnet_ids, ["subnet-a", "subnet-b"]);
    assert_eq!(good.vpc_config.security_group_ids, ["sg-extra"]);
    assert_eq!(good.encryption_config.len(), 1);
    assert_eq!(good.encryption_config[0].resources, ["secrets"]);
    assert!(good.encryption_config[0]
        .key_arn
        .as_deref()
        .is_some_and(|k| k.ends_with(":key/k1")));
    assert_eq!(good.enabled_log_types, ["api", "audit", "authenticator"]);
    assert!(good
        .oidc_issuer
        .as_deref()
        .is_some_and(|i| i.starts_with("https://oidc.eks.eu-west-1.amazonaws.com/id/")));
    // moto never returns accessConfig: EKS-013 must say "not assessed", not pass.
    assert_eq!(good.access_config, None);
    let groups = good.nodegroups.get().expect("node groups collected");
    assert_eq!(groups.len(), 1);
    let t = &groups[0];
    assert_eq!(t.name, "templated");
    assert_eq!(t.ami_type.as_deref(), Some("BOTTLEROCKET_x86_64"));
    // (moto injects `remoteAccess.ec2SshKey = eksKeypair` into node groups created without
    // remote access, which real EKS never does: not asserted here; see localstack/README.md.)
    let lt = t.launch_template.as_ref().expect("launch template");
    assert_eq!(lt.id.as_deref(), Some("lt-0123456789abcdef0"));
    assert_eq!(lt.version.as_deref(), Some("3"));
    assert_eq!(
        collect_eks::launch_template_refs(&r),
        vec![lt.clone()],
        "the EC2 cross-read asks for exactly the templates in use"
    );

    let bad = &clusters[1];
    assert_eq!(bad.name, "wide-open");
    assert!(bad.vpc_config.endpoint_public_access);
    assert_eq!(bad.vpc_config.public_access_cidrs, ["0.0.0.0/0"]);
    assert!(bad.encryption_config.is_empty());
    let ssh = &bad.nodegroups.get().unwrap()[0];
    assert_eq!(
        ssh.remote_access.as_ref().unwrap().ec2_ssh_key.as_deref(),
        Some("ops-key")
    );
    assert_eq!(
        ssh.node_role.as_deref(),
        Some(&*format!("arn:aws:iam::{account}:role/eks-node"))
    );

    // What moto does not implement is a typed gap in that part only.
    for (part, api) in [
        (bad.addons.gap(), "eks:ListAddons"),
        (bad.access_entries.gap(), "eks:ListAccessEntries"),
        (
            bad.pod_identity_associations.gap(),
            "eks:ListPodIdentityAssociations",
        ),
        (r.versions.gap(), "eks:DescribeClusterVersions"),
    ] {
        let gap = part.unwrap_or_else(|| panic!("{api} should be a gap on moto"));
        assert_eq!(gap.api, api);
        assert_eq!(gap.kind, GapKind::NotOffered, "{api}: {gap}");
        assert_eq!(gap.region.as_deref(), Some(region));
    }
}

#[tokio::test]
async fn a_region_without_clusters_is_an_empty_list_not_a_gap() {
    let emu = Emulator::shared();
    let cfg = emu
        .account_config(&unique_account(), "ap-southeast-2")
        .await;
    let r = collect_eks::collect_region(&cfg, "ap-southeast-2", 4).await;
    assert_eq!(r.clusters.get().map(Vec::len), Ok(0));
    assert!(collect_eks::launch_template_refs(&r).is_empty());
}
