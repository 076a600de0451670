//! EC2/VPC inventory types, one [`Ec2Region`] per region.
//!
//! Field names follow the EC2 API in snake_case, so evidence can name the API field.

use crate::Collected;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything collected from EC2 in one region. Each part is collected independently:
/// an AccessDenied on one API leaves the others usable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ec2Region {
    /// DescribeVpcs.
    #[serde(default)]
    pub vpcs: Collected<Vec<Vpc>>,
    /// DescribeSubnets.
    #[serde(default)]
    pub subnets: Collected<Vec<Subnet>>,
    /// DescribeRouteTables.
    #[serde(default)]
    pub route_tables: Collected<Vec<RouteTable>>,
    /// DescribeSecurityGroups.
    #[serde(default)]
    pub security_groups: Collected<Vec<SecurityGroup>>,
    /// DescribeNetworkAcls.
    #[serde(default)]
    pub network_acls: Collected<Vec<NetworkAcl>>,
    /// DescribeFlowLogs.
    #[serde(default)]
    pub flow_logs: Collected<Vec<FlowLog>>,
    /// DescribeInstances (all states but terminated).
    #[serde(default)]
    pub instances: Collected<Vec<Instance>>,
    /// GetEbsEncryptionByDefault.
    #[serde(default)]
    pub ebs_encryption_by_default: Collected<bool>,
    /// DescribeVpcEndpoints.
    #[serde(default)]
    pub vpc_endpoints: Collected<Vec<VpcEndpoint>>,
    /// DescribeManagedPrefixLists, with the entries of each customer-managed list that a
    /// security group's inbound rule refers to.
    #[serde(default)]
    pub prefix_lists: Collected<Vec<PrefixList>>,
    /// DescribeLaunchTemplateVersions for `$Latest` and `$Default` of every launch template
    /// in the region (one version when they are the same), whether anything uses it yet.
    #[serde(default)]
    pub launch_templates: Collected<Vec<LaunchTemplateVersion>>,
}

/// A managed prefix list: a named set of CIDRs that security group rules refer to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefixList {
    /// `pl-...`
    pub prefix_list_id: String,
    /// Its name (`com.amazonaws.global.cloudfront.origin-facing` for CloudFront's).
    #[serde(default)]
    pub prefix_list_name: String,
    /// `AWS` for the lists AWS manages (its services' address ranges), else the owning
    /// account.
    #[serde(default)]
    pub owner_id: String,
    /// The CIDRs it holds (GetManagedPrefixListEntries), read for the customer-managed
    /// lists a security group's inbound rule refers to; `None` where not read.
    #[serde(default)]
    pub entries: Option<Collected<Vec<String>>>,
}

impl PrefixList {
    /// Whether AWS manages it (an AWS service's addresses, never "the internet").
    pub fn aws_managed(&self) -> bool {
        self.owner_id == "AWS"
    }
}

/// A VPC endpoint (interface, gateway or gateway load balancer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VpcEndpoint {
    /// `vpce-...`
    pub vpc_endpoint_id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// e.g. `com.amazonaws.eu-west-1.ecr.dkr`.
    pub service_name: String,
    /// `Interface`, `Gateway` or `GatewayLoadBalancer`.
    #[serde(default)]
    pub vpc_endpoint_type: Option<String>,
    /// `available`, `pending`, `deleted`, ...
    #[serde(default)]
    pub state: Option<String>,
    /// The endpoint policy (JSON), for the endpoint types and services that take one.
    #[serde(default)]
    pub policy_document: Option<String>,
}

/// One version of a launch template (DescribeLaunchTemplateVersions), reduced to what
/// decides how EKS nodes launch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaunchTemplateVersion {
    /// `lt-...`
    pub launch_template_id: String,
    /// Its name.
    #[serde(default)]
    pub launch_template_name: Option<String>,
    /// The version number.
    pub version_number: i64,
    /// Whether this is the template's default version.
    #[serde(default)]
    pub default_version: bool,
    /// The symbolic versions that resolved to this one (`$Latest`, `$Default`).
    #[serde(default)]
    pub requested_as: Vec<String>,
    /// The AMI, when the template sets one (a custom AMI for EKS).
    #[serde(default)]
    pub image_id: Option<String>,
    /// The EC2 key pair installed on instances, when the template names one.
    #[serde(default)]
    pub key_name: Option<String>,
    /// Who created the version (`CreatedBy`, an ARN): EKS's service-linked role for the
    /// copies it makes of a managed node group's template.
    #[serde(default)]
    pub created_by: Option<String>,
    /// The service that manages the template (`Operator.Principal` when `Operator.Managed`),
    /// e.g. EKS Auto Mode: its settings are that service's, not to be edited.
    #[serde(default)]
    pub managed_by: Option<String>,
    /// Metadata options; absent when the template leaves them to the defaults.
    #[serde(default)]
    pub metadata_options: Option<MetadataOptions>,
    /// Security groups the template attaches (top level and on network interfaces).
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// Whether any network interface asks for a public IPv4 address.
    #[serde(default)]
    pub associate_public_ip_address: Option<bool>,
}

impl LaunchTemplateVersion {
    /// Whether this is the version a node group's launch-template reference resolves to.
    pub fn answers(&self, r: &crate::eks::LaunchTemplateRef) -> bool {
        let same_template = r.id.as_deref() == Some(self.launch_template_id.as_str())
            || (r.id.is_none() && r.name.is_some() && r.name == self.launch_template_name);
        let wanted = r.version.as_deref().unwrap_or("$Default");
        same_template
            && (wanted == self.version_number.to_string()
                || self.requested_as.iter().any(|v| v == wanted))
    }
}

/// Resource tags, key to value.
pub type Tags = BTreeMap<String, String>;

/// A VPC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vpc {
    /// `vpc-...`
    pub vpc_id: String,
    /// The primary IPv4 CIDR.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// Whether this is the region's default VPC.
    #[serde(default)]
    pub is_default: bool,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subnet {
    /// `subnet-...`
    pub subnet_id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// IPv4 CIDR.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// Availability zone.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// Whether instances launched here get a public IPv4 address.
    #[serde(default)]
    pub map_public_ip_on_launch: bool,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
}

/// A route table and the subnets it is associated with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteTable {
    /// `rtb-...`
    pub route_table_id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Whether it is the VPC's main table (used by subnets with no explicit association).
    #[serde(default)]
    pub main: bool,
    /// Explicitly associated subnets.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Routes.
    #[serde(default)]
    pub routes: Vec<Route>,
}

/// One route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// IPv4 destination.
    #[serde(default)]
    pub destination_cidr_block: Option<String>,
    /// IPv6 destination.
    #[serde(default)]
    pub destination_ipv6_cidr_block: Option<String>,
    /// `igw-...` (internet gateway) or `local`.
    #[serde(default)]
    pub gateway_id: Option<String>,
    /// `nat-...`
    #[serde(default)]
    pub nat_gateway_id: Option<String>,
    /// `eigw-...` (egress-only internet gateway).
    #[serde(default)]
    pub egress_only_internet_gateway_id: Option<String>,
    /// `active` or `blackhole`.
    #[serde(default)]
    pub state: Option<String>,
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityGroup {
    /// `sg-...`
    pub group_id: String,
    /// Group name (`default` for a VPC's default group).
    pub group_name: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Inbound rules (`IpPermissions`).
    #[serde(default)]
    pub ip_permissions: Vec<IpPermission>,
    /// Outbound rules (`IpPermissionsEgress`).
    #[serde(default)]
    pub ip_permissions_egress: Vec<IpPermission>,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
}

/// One security-group rule as the API groups it: a protocol and port range with sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpPermission {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, a protocol number, or `-1` for all.
    pub ip_protocol: String,
    /// First port (ICMP type for ICMP); absent for all protocols.
    #[serde(default)]
    pub from_port: Option<i32>,
    /// Last port (ICMP code for ICMP); absent for all protocols.
    #[serde(default)]
    pub to_port: Option<i32>,
    /// IPv4 sources.
    #[serde(default)]
    pub ip_ranges: Vec<String>,
    /// IPv6 sources.
    #[serde(default)]
    pub ipv6_ranges: Vec<String>,
    /// Prefix-list sources.
    #[serde(default)]
    pub prefix_list_ids: Vec<String>,
    /// Security-group sources.
    #[serde(default)]
    pub user_id_group_pairs: Vec<String>,
}

/// A network ACL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkAcl {
    /// `acl-...`
    pub network_acl_id: String,
    /// Its VPC.
    pub vpc_id: String,
    /// Whether it is the VPC's default ACL.
    #[serde(default)]
    pub is_default: bool,
    /// Associated subnets.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Entries, in any order (evaluation sorts by rule number).
    #[serde(default)]
    pub entries: Vec<NetworkAclEntry>,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
}

/// One network ACL entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkAclEntry {
    /// Rule number; lower numbers are evaluated first.
    pub rule_number: i32,
    /// Protocol number as a string (`6` tcp, `17` udp) or `-1` for all.
    pub protocol: String,
    /// `allow` or `deny`.
    pub rule_action: String,
    /// Outbound when true.
    #[serde(default)]
    pub egress: bool,
    /// IPv4 CIDR.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// IPv6 CIDR.
    #[serde(default)]
    pub ipv6_cidr_block: Option<String>,
    /// Port range (absent means all ports).
    #[serde(default)]
    pub port_range: Option<PortRange>,
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    /// First port.
    pub from: i32,
    /// Last port.
    pub to: i32,
}

/// A VPC flow log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowLog {
    /// `fl-...`
    pub flow_log_id: String,
    /// The VPC, subnet or interface it watches.
    pub resource_id: String,
    /// `ACCEPT`, `REJECT` or `ALL`.
    #[serde(default)]
    pub traffic_type: Option<String>,
    /// `ACTIVE` when delivering.
    #[serde(default)]
    pub flow_log_status: Option<String>,
    /// Where logs go (`cloud-watch-logs`, `s3`, ...).
    #[serde(default)]
    pub log_destination_type: Option<String>,
}

/// An EC2 instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// `i-...`
    pub instance_id: String,
    /// `running`, `stopped`, ...
    #[serde(default)]
    pub state: Option<String>,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Its subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// AMI.
    #[serde(default)]
    pub image_id: Option<String>,
    /// Instance-metadata options.
    #[serde(default)]
    pub metadata_options: Option<MetadataOptions>,
    /// Instance profile ARN.
    #[serde(default)]
    pub iam_instance_profile_arn: Option<String>,
    /// Public IPv4 address, if any.
    #[serde(default)]
    pub public_ip_address: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Tags,
}

/// Instance-metadata-service options (IMDS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataOptions {
    /// `required` (IMDSv2 only) or `optional` (IMDSv1 allowed).
    #[serde(default)]
    pub http_tokens: Option<String>,
    /// `enabled` or `disabled`.
    #[serde(default)]
    pub http_endpoint: Option<String>,
    /// How many network hops a metadata response may travel.
    #[serde(default)]
    pub http_put_response_hop_limit: Option<i32>,
}

impl Ec2Region {
    /// The route table that governs a subnet: its explicit association, else its VPC's main table.
    pub fn route_table_for_subnet<'a>(
        tables: &'a [RouteTable],
        subnet: &Subnet,
    ) -> Option<&'a RouteTable> {
        tables
            .iter()
            .find(|t| t.subnet_ids.iter().any(|s| s == &subnet.subnet_id))
            .or_else(|| tables.iter().find(|t| t.vpc_id == subnet.vpc_id && t.main))
    }
}

/// The `Name` tag, if any.
pub fn name_tag(tags: &Tags) -> Option<String> {
    tags.get("Name").cloned()
}
