//! The EC2 collector against the moto emulator: what the SDK returns becomes the inventory
//! the checks read, field by field. Each test seeds an account of its own.

// Test code: a failed unwrap is a failing test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auditor_testkit::{unique_account, Emulator};
use aws_sdk_ec2::types::{
    HttpTokensState, InstanceMetadataOptionsRequest, InstanceType, IpPermission, IpRange,
    Ipv6Range, PortRange, ResourceType, RuleAction, Tag, TagSpecification,
};
use aws_sdk_ec2::Client;

fn tags(kind: ResourceType, pairs: &[(&str, &str)]) -> TagSpecification {
    let mut b = TagSpecification::builder().resource_type(kind);
    for (k, v) in pairs {
        b = b.tags(Tag::builder().key(*k).value(*v).build());
    }
    b.build()
}

#[tokio::test]
async fn collects_a_region_into_the_inventory() {
    let emu = Emulator::shared();
    let account = unique_account();
    let region = "eu-west-1";
    let cfg = emu.account_config(&account, region).await;
    let ec2 = Client::new(&cfg);

    let vpc = ec2
        .create_vpc()
        .cidr_block("10.1.0.0/16")
        .tag_specifications(tags(ResourceType::Vpc, &[("Name", "core")]))
        .send()
        .await
        .expect("vpc")
        .vpc
        .and_then(|v| v.vpc_id)
        .expect("vpc id");
    let sg = ec2
        .create_security_group()
        .group_name("ssh")
        .description("ssh")
        .vpc_id(&vpc)
        .send()
        .await
        .expect("sg")
        .group_id
        .expect("sg id");
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .send()
        .await
        .expect("ingress");
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block("10.1.1.0/24")
        .availability_zone("eu-west-1a")
        .tag_specifications(tags(ResourceType::Subnet, &[("auditor:isolated", "true")]))
        .send()
        .await
        .expect("subnet")
        .subnet
        .and_then(|s| s.subnet_id)
        .expect("subnet id");
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("igw")
        .internet_gateway
        .and_then(|g| g.internet_gateway_id)
        .expect("igw id");
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("attach");
    let rtb = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("rtb")
        .route_table
        .and_then(|t| t.route_table_id)
        .expect("rtb id");
    ec2.create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .expect("route");
    ec2.associate_route_table()
        .route_table_id(&rtb)
        .subnet_id(&subnet)
        .send()
        .await
        .expect("assoc");
    let acl = ec2
        .create_network_acl()
        .vpc_id(&vpc)
        .tag_specifications(tags(ResourceType::NetworkAcl, &[("Name", "dmz")]))
        .send()
        .await
        .expect("acl")
        .network_acl
        .and_then(|a| a.network_acl_id)
        .expect("acl id");
    ec2.create_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(100)
        .protocol("6")
        .rule_action(RuleAction::Allow)
        .egress(false)
        .cidr_block("0.0.0.0/0")
        .port_range(PortRange::builder().from(22).to(22).build())
        .send()
        .await
        .expect("acl entry");
    let ami = ec2
        .describe_images()
        .owners("amazon")
        .send()
        .await
        .expect("images")
        .images()[0]
        .image_id()
        .expect("ami")
        .to_owned();
    let instance = ec2
        .run_instances()
        .image_id(ami)
        .min_count(1)
        .max_count(1)
        .instance_type(InstanceType::T3Micro)
        .subnet_id(&subnet)
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Required)
                .http_put_response_hop_limit(2)
                .build(),
        )
        .send()
        .await
        .expect("run")
        .instances()[0]
        .instance_id()
        .expect("id")
        .to_owned();
    ec2.enable_ebs_encryption_by_default()
        .send()
        .await
        .expect("ebs default");

    let r = collect_ec2::collect_region(&cfg, region).await;

    let vpcs = r.vpcs.get().expect("vpcs");
    let core = vpcs.iter().find(|v| v.vpc_id == vpc).expect("seeded vpc");
    assert_eq!(core.cidr_block.as_deref(), Some("10.1.0.0/16"));
    assert_eq!(core.tags.get("Name").map(String::as_str), Some("core"));
    assert!(
        vpcs.iter().any(|v| v.is_default),
        "moto creates a default VPC per region"
    );

    let groups = r.security_groups.get().expect("sgs");
    let ssh = groups.iter().find(|g| g.group_id == sg).expect("seeded sg");
    assert_eq!(ssh.vpc_id.as_deref(), Some(vpc.as_str()));
    let rule = &ssh.ip_permissions[0];
    assert_eq!(
        (rule.ip_protocol.as_str(), rule.from_port, rule.to_port),
        ("tcp", Some(22), Some(22))
    );
    assert_eq!(rule.ip_ranges, ["0.0.0.0/0"]);
    assert_eq!(rule.ipv6_ranges, ["::/0"]);
    assert!(groups
        .iter()
        .any(|g| g.group_name == "default" && g.vpc_id.as_deref() == Some(vpc.as_str())));

    let s = r
        .subnets
        .get()
        .expect("subnets")
        .iter()
        .find(|s| s.subnet_id == subnet)
        .expect("subnet");
    assert_eq!(
        s.tags.get("auditor:isolated").map(String::as_str),
        Some("true")
    );
    let t = r
        .route_tables
        .get()
        .expect("rtbs")
        .iter()
        .find(|t| t.route_table_id == rtb)
        .expect("rtb");
    assert_eq!(t.subnet_ids, std::slice::from_ref(&subnet));
    assert!(t
        .routes
        .iter()
        .any(|x| x.gateway_id.as_deref() == Some(igw.as_str())
            && x.destination_cidr_block.as_deref() == Some("0.0.0.0/0")));
    assert!(
        r.route_tables
            .get()
            .expect("rtbs")
            .iter()
            .any(|t| t.vpc_id == vpc && t.main),
        "the VPC's main table is marked"
    );

    let a = r
        .network_acls
        .get()
        .expect("acls")
        .iter()
        .find(|a| a.network_acl_id == acl)
        .expect("acl");
    assert_eq!(a.tags.get("Name").map(String::as_str), Some("dmz"));
    assert!(!a.is_default);
    let e = a
        .entries
        .iter()
        .find(|e| e.rule_number == 100 && !e.egress)
        .expect("entry 100");
    assert_eq!(
        (
            e.protocol.as_str(),
            e.rule_action.as_str(),
            e.cidr_block.as_deref()
        ),
        ("6", "allow", Some("0.0.0.0/0"))
    );
    assert_eq!(e.port_range.map(|p| (p.from, p.to)), Some((22, 22)));

    let i = r
        .instances
        .get()
        .expect("instances")
        .iter()
        .find(|i| i.instance_id == instance)
        .expect("instance");
    let md = i.metadata_options.as_ref().expect("metadata options");
    assert_eq!(md.http_tokens.as_deref(), Some("required"));
    assert_eq!(md.http_put_response_hop_limit, Some(2));
    assert_eq!(i.subnet_id.as_deref(), Some(subnet.as_str()));

    assert_eq!(r.ebs_encryption_by_default.get(), Ok(&true));
    assert!(r.flow_logs.get().is_ok_and(|l| l.is_empty()));
}

#[tokio::test]
async fn lists_the_account_regions_with_their_opt_in_state() {
    let emu = Emulator::shared();
    let cfg = emu.account_config(&unique_account(), "us-east-1").await;
    let regions = collect_ec2::account_regions(&cfg).await.expect("regions");
    let find = |n: &str| {
        regions
            .iter()
            .find(|r| r.name == n)
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    assert!(find("us-east-1").enabled);
    assert!(find("eu-west-1").enabled);
    assert!(
        !find("me-south-1").enabled,
        "moto lists me-south-1 as not opted in"
    );
    let mut names: Vec<_> = regions.iter().map(|r| r.name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        regions.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        "sorted"
    );
}

#[tokio::test]
async fn vpc_endpoints_and_exactly_the_launch_template_versions_node_groups_use() {
    use auditor_model::eks::LaunchTemplateRef;
    use aws_sdk_ec2::types::{
        LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataOptionsRequest,
        LaunchTemplateInstanceNetworkInterfaceSpecificationRequest, RequestLaunchTemplateData,
        VpcEndpointType,
    };
    let emu = Emulator::shared();
    let region = "eu-west-1";
    let cfg = emu.account_config(&unique_account(), region).await;
    let ec2 = Client::new(&cfg);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    ec2.create_vpc_endpoint()
        .vpc_id(&vpc)
        .service_name(format!("com.amazonaws.{region}.s3"))
        .vpc_endpoint_type(VpcEndpointType::Gateway)
        .send()
        .await
        .unwrap();

    let data = |tokens: LaunchTemplateHttpTokensState, hops: i32, public: bool| {
        RequestLaunchTemplateData::builder()
            .image_id("ami-12c6146b")
            .metadata_options(
                LaunchTemplateInstanceMetadataOptionsRequest::builder()
                    .http_tokens(tokens)
                    .http_put_response_hop_limit(hops)
                    .build(),
            )
            .network_interfaces(
                LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
                    .device_index(0)
                    .associate_public_ip_address(public)
                    .groups("sg-nodes")
                    .build(),
            )
            .build()
    };
    let lt = ec2
        .create_launch_template()
        .launch_template_name("nodes")
        .launch_template_data(data(LaunchTemplateHttpTokensState::Optional, 2, true))
        .send()
        .await
        .unwrap()
        .launch_template
        .and_then(|t| t.launch_template_id)
        .unwrap();
    for _ in 0..2 {
        ec2.create_launch_template_version()
            .launch_template_id(&lt)
            .launch_template_data(data(LaunchTemplateHttpTokensState::Required, 1, false))
            .send()
            .await
            .unwrap();
    }

    let r = collect_ec2::collect_region(&cfg, region).await;
    let eps = r.vpc_endpoints.get().expect("endpoints");
    let s3 = eps.iter().find(|e| e.vpc_id == vpc).expect("s3 endpoint");
    assert_eq!(s3.service_name, format!("com.amazonaws.{region}.s3"));
    assert_eq!(s3.vpc_endpoint_type.as_deref(), Some("Gateway"));

    let v1 = LaunchTemplateRef {
        id: Some(lt.clone()),
        name: None,
        version: Some("1".into()),
    };
    let latest = LaunchTemplateRef {
        id: None,
        name: Some("nodes".into()),
        version: Some("$Latest".into()),
    };
    let got =
        collect_ec2::launch_template_versions(&cfg, region, &[v1.clone(), latest.clone()]).await;
    let got = got.get().expect("launch templates");
    let first = got.iter().find(|v| v.answers(&v1)).expect("version 1");
    assert_eq!(first.version_number, 1);
    let md = first.metadata_options.as_ref().unwrap();
    assert_eq!(md.http_tokens.as_deref(), Some("optional"));
    assert_eq!(md.http_put_response_hop_limit, Some(2));
    assert_eq!(first.associate_public_ip_address, Some(true));
    assert_eq!(first.security_group_ids, ["sg-nodes"]);
    assert_eq!(first.image_id.as_deref(), Some("ami-12c6146b"));
    let last = got.iter().find(|v| v.answers(&latest)).expect("$Latest");
    assert_eq!(last.version_number, 3);
    assert_eq!(
        last.metadata_options
            .as_ref()
            .unwrap()
            .http_tokens
            .as_deref(),
        Some("required")
    );
    assert!(got.len() <= 3, "only the versions asked for: {got:?}");

    // A template that no longer exists is left out; the templates that exist are still read
    // (the node groups on the deleted one are "not assessed": see the EKS-010 fixture).
    let gone = LaunchTemplateRef {
        id: Some("lt-0000000000deleted".into()),
        name: None,
        version: Some("1".into()),
    };
    let mixed =
        collect_ec2::launch_template_versions(&cfg, region, &[gone.clone(), v1.clone()]).await;
    let mixed = mixed
        .get()
        .expect("a deleted template is not a gap of the whole part");
    assert!(!mixed.iter().any(|v| v.answers(&gone)));
    assert!(mixed.iter().any(|v| v.answers(&v1)));
}

/// Prefix lists: every list is named; the entries are read only for the customer-managed
/// lists a security group rule refers to (AWS's own lists and unused ones cost no call).
#[tokio::test]
async fn prefix_lists_with_the_entries_security_groups_refer_to() {
    use aws_sdk_ec2::types::{AddPrefixListEntry, PrefixListId};
    let emu = Emulator::spawn_private();
    let region = "eu-west-1";
    let cfg = emu.account_config(&unique_account(), region).await;
    let ec2 = Client::new(&cfg);
    let list = |name: &'static str, cidrs: &'static [&'static str]| {
        let ec2 = ec2.clone();
        async move {
            let mut req = ec2
                .create_managed_prefix_list()
                .prefix_list_name(name)
                .address_family("IPv4")
                .max_entries(5);
            for c in cidrs {
                req = req.entries(AddPrefixListEntry::builder().cidr(*c).build());
            }
            req.send()
                .await
                .unwrap()
                .prefix_list
                .unwrap()
                .prefix_list_id
                .unwrap()
        }
    };
    let used = list("partners", &["0.0.0.0/0", "10.0.0.0/8"]).await;
    let unused = list("spare", &["192.168.0.0/16"]).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.7.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    let sg = ec2
        .create_security_group()
        .group_name("db")
        .description("db")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(5432)
                .to_port(5432)
                .prefix_list_ids(PrefixListId::builder().prefix_list_id(&used).build())
                .build(),
        )
        .send()
        .await
        .unwrap();

    emu.start_recording().await;
    let r = collect_ec2::collect_region(&cfg, region).await;
    let recorded = emu.stop_recording().await;

    let lists = r.prefix_lists.get().unwrap();
    let by_id = |id: &str| lists.iter().find(|l| l.prefix_list_id == id).unwrap();
    let mut entries = by_id(&used).entries.clone().unwrap().get().unwrap().clone();
    entries.sort();
    assert_eq!(entries, ["0.0.0.0/0", "10.0.0.0/8"]);
    assert_eq!(by_id(&used).prefix_list_name, "partners");
    assert!(!by_id(&used).aws_managed());
    assert!(by_id(&unused).entries.is_none(), "no rule refers to it");
    // moto names AWS's own lists too; they are never read.
    let aws: Vec<_> = lists.iter().filter(|l| l.aws_managed()).collect();
    assert!(aws.iter().all(|l| l.entries.is_none()), "{aws:?}");
    let reads = recorded
        .iter()
        .filter(|q| q.action.as_deref() == Some("GetManagedPrefixListEntries"))
        .count();
    assert_eq!(reads, 1);
    let sgs = r.security_groups.get().unwrap();
    let db = sgs.iter().find(|g| g.group_id == sg).unwrap();
    assert_eq!(
        db.ip_permissions[0].prefix_list_ids,
        std::slice::from_ref(&used)
    );
}
