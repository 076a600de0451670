//! SDK types to inventory types. The only place that reads `aws_sdk_ec2::types`.

use auditor_model::ec2 as m;
use aws_sdk_ec2::types as sdk;

fn tags(t: &[sdk::Tag]) -> m::Tags {
    t.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

pub(crate) fn vpc(v: &sdk::Vpc) -> Option<m::Vpc> {
    Some(m::Vpc {
        vpc_id: v.vpc_id()?.to_owned(),
        cidr_block: owned(v.cidr_block()),
        is_default: v.is_default().unwrap_or(false),
        tags: tags(v.tags()),
    })
}

pub(crate) fn subnet(s: &sdk::Subnet) -> Option<m::Subnet> {
    Some(m::Subnet {
        subnet_id: s.subnet_id()?.to_owned(),
        vpc_id: s.vpc_id()?.to_owned(),
        cidr_block: owned(s.cidr_block()),
        availability_zone: owned(s.availability_zone()),
        map_public_ip_on_launch: s.map_public_ip_on_launch().unwrap_or(false),
        tags: tags(s.tags()),
    })
}

pub(crate) fn route_table(t: &sdk::RouteTable) -> Option<m::RouteTable> {
    Some(m::RouteTable {
        route_table_id: t.route_table_id()?.to_owned(),
        vpc_id: t.vpc_id()?.to_owned(),
        main: t.associations().iter().any(|a| a.main().unwrap_or(false)),
        subnet_ids: t
            .associations()
            .iter()
            .filter_map(|a| owned(a.subnet_id()))
            .collect(),
        routes: t
            .routes()
            .iter()
            .map(|r| m::Route {
                destination_cidr_block: owned(r.destination_cidr_block()),
                destination_ipv6_cidr_block: owned(r.destination_ipv6_cidr_block()),
                gateway_id: owned(r.gateway_id()),
                nat_gateway_id: owned(r.nat_gateway_id()),
                egress_only_internet_gateway_id: owned(r.egress_only_internet_gateway_id()),
                state: r.state().map(|s| s.as_str().to_owned()),
            })
            .collect(),
    })
}

fn permission(p: &sdk::IpPermission) -> m::IpPermission {
    m::IpPermission {
        ip_protocol: p.ip_protocol().unwrap_or("-1").to_owned(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        ip_ranges: p
            .ip_ranges()
            .iter()
            .filter_map(|r| owned(r.cidr_ip()))
            .collect(),
        ipv6_ranges: p
            .ipv6_ranges()
            .iter()
            .filter_map(|r| owned(r.cidr_ipv6()))
            .collect(),
        prefix_list_ids: p
            .prefix_list_ids()
            .iter()
            .filter_map(|r| owned(r.prefix_list_id()))
            .collect(),
        user_id_group_pairs: p
            .user_id_group_pairs()
            .iter()
            .filter_map(|r| owned(r.group_id()))
            .collect(),
    }
}

pub(crate) fn security_group(g: &sdk::SecurityGroup) -> Option<m::SecurityGroup> {
    Some(m::SecurityGroup {
        group_id: g.group_id()?.to_owned(),
        group_name: g.group_name().unwrap_or_default().to_owned(),
        vpc_id: owned(g.vpc_id()),
        description: owned(g.description()),
        ip_permissions: g.ip_permissions().iter().map(permission).collect(),
        ip_permissions_egress: g.ip_permissions_egress().iter().map(permission).collect(),
        tags: tags(g.tags()),
    })
}

pub(crate) fn network_acl(a: &sdk::NetworkAcl) -> Option<m::NetworkAcl> {
    Some(m::NetworkAcl {
        network_acl_id: a.network_acl_id()?.to_owned(),
        vpc_id: a.vpc_id()?.to_owned(),
        is_default: a.is_default().unwrap_or(false),
        tags: tags(a.tags()),
        subnet_ids: a
            .associations()
            .iter()
            .filter_map(|x| owned(x.subnet_id()))
            .collect(),
        entries: a
            .entries()
            .iter()
            .filter_map(|e| {
                Some(m::NetworkAclEntry {
                    rule_number: e.rule_number()?,
                    protocol: e.protocol().unwrap_or("-1").to_owned(),
                    rule_action: e.rule_action()?.as_str().to_owned(),
                    egress: e.egress().unwrap_or(false),
                    cidr_block: owned(e.cidr_block()),
                    ipv6_cidr_block: owned(e.ipv6_cidr_block()),
                    port_range: e.port_range().and_then(|p| {
                        Some(m::PortRange {
                            from: p.from()?,
                            to: p.to()?,
                        })
                    }),
                })
            })
            .collect(),
    })
}

pub(crate) fn flow_log(f: &sdk::FlowLog) -> Option<m::FlowLog> {
    Some(m::FlowLog {
        flow_log_id: f.flow_log_id()?.to_owned(),
        resource_id: f.resource_id()?.to_owned(),
        traffic_type: f.traffic_type().map(|t| t.as_str().to_owned()),
        flow_log_status: owned(f.flow_log_status()),
        log_destination_type: f.log_destination_type().map(|t| t.as_str().to_owned()),
    })
}

pub(crate) fn instance(i: &sdk::Instance) -> Option<m::Instance> {
    Some(m::Instance {
        instance_id: i.instance_id()?.to_owned(),
        state: i
            .state()
            .and_then(|s| s.name())
            .map(|n| n.as_str().to_owned()),
        vpc_id: owned(i.vpc_id()),
        subnet_id: owned(i.subnet_id()),
        image_id: owned(i.image_id()),
        metadata_options: i.metadata_options().map(|o| m::MetadataOptions {
            http_tokens: o.http_tokens().map(|t| t.as_str().to_owned()),
            http_endpoint: o.http_endpoint().map(|t| t.as_str().to_owned()),
            http_put_response_hop_limit: o.http_put_response_hop_limit(),
        }),
        iam_instance_profile_arn: i.iam_instance_profile().and_then(|p| owned(p.arn())),
        public_ip_address: owned(i.public_ip_address()),
        tags: tags(i.tags()),
    })
}

pub(crate) fn vpc_endpoint(e: &sdk::VpcEndpoint) -> Option<m::VpcEndpoint> {
    Some(m::VpcEndpoint {
        vpc_endpoint_id: e.vpc_endpoint_id()?.to_owned(),
        vpc_id: e.vpc_id()?.to_owned(),
        service_name: e.service_name()?.to_owned(),
        vpc_endpoint_type: e.vpc_endpoint_type().map(|t| t.as_str().to_owned()),
        state: e.state().map(|t| t.as_str().to_owned()),
        policy_document: e.policy_document().map(str::to_owned),
    })
}

pub(crate) fn launch_template_version(
    v: &sdk::LaunchTemplateVersion,
) -> Option<m::LaunchTemplateVersion> {
    let data = v.launch_template_data();
    let nics = data.map(|d| d.network_interfaces()).unwrap_or_default();
    let mut sgs: Vec<String> = data
        .map(|d| d.security_group_ids().to_vec())
        .unwrap_or_default();
    sgs.extend(nics.iter().flat_map(|n| n.groups().iter().cloned()));
    sgs.sort();
    sgs.dedup();
    let public = nics
        .iter()
        .filter_map(|n| n.associate_public_ip_address())
        .reduce(|a, b| a || b);
    Some(m::LaunchTemplateVersion {
        launch_template_id: v.launch_template_id()?.to_owned(),
        launch_template_name: owned(v.launch_template_name()),
        version_number: v.version_number()?,
        default_version: v.default_version().unwrap_or(false),
        requested_as: Vec::new(),
        image_id: data.and_then(|d| owned(d.image_id())),
        key_name: data.and_then(|d| owned(d.key_name())),
        created_by: owned(v.created_by()),
        managed_by: v
            .operator()
            .filter(|o| o.managed() == Some(true))
            .map(|o| o.principal().unwrap_or("an AWS service").to_owned()),
        metadata_options: data
            .and_then(|d| d.metadata_options())
            .map(|o| m::MetadataOptions {
                http_tokens: o.http_tokens().map(|t| t.as_str().to_owned()),
                http_endpoint: o.http_endpoint().map(|t| t.as_str().to_owned()),
                http_put_response_hop_limit: o.http_put_response_hop_limit(),
            }),
        security_group_ids: sgs,
        associate_public_ip_address: public,
    })
}
