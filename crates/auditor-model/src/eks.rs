//! EKS inventory types, one [`EksRegion`] per region.
//!
//! Field names follow the EKS API in snake_case; evidence names the API's camelCase field
//! (`publicAccessCidrs`), so a reader can find it in `aws eks describe-cluster` output.

use crate::ec2::LaunchTemplateVersion;
use crate::Collected;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything collected from EKS in one region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EksRegion {
    /// ListClusters + DescribeCluster, with each cluster's node groups, add-ons, access
    /// entries and pod identity associations.
    #[serde(default)]
    pub clusters: Collected<Vec<Cluster>>,
    /// DescribeClusterVersions: the Kubernetes versions EKS offers in this region.
    #[serde(default)]
    pub versions: Collected<Vec<ClusterVersion>>,
    /// ec2:DescribeLaunchTemplateVersions for exactly the template versions the node
    /// groups use (a cross-read the engine makes after listing node groups).
    #[serde(default)]
    pub launch_templates: Collected<Vec<LaunchTemplateVersion>>,
}

/// An EKS cluster (DescribeCluster) and what is listed per cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Kubernetes minor version, e.g. `1.31`.
    #[serde(default)]
    pub version: Option<String>,
    /// e.g. `eks.12`.
    #[serde(default)]
    pub platform_version: Option<String>,
    /// `ACTIVE`, `CREATING`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// The cluster IAM role.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// `resourcesVpcConfig`.
    #[serde(default)]
    pub vpc_config: VpcConfig,
    /// `encryptionConfig`: envelope encryption of Kubernetes resources.
    #[serde(default)]
    pub encryption_config: Vec<EncryptionConfig>,
    /// `logging.clusterLogging`: the control-plane log types that are enabled.
    #[serde(default)]
    pub enabled_log_types: Vec<String>,
    /// `identity.oidc.issuer`.
    #[serde(default)]
    pub oidc_issuer: Option<String>,
    /// `accessConfig`: absent when the endpoint does not return it.
    #[serde(default)]
    pub access_config: Option<AccessConfig>,
    /// `upgradePolicy.supportType`: `STANDARD` or `EXTENDED`.
    #[serde(default)]
    pub support_type: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// ListNodegroups + DescribeNodegroup.
    #[serde(default)]
    pub nodegroups: Collected<Vec<Nodegroup>>,
    /// ListAddons + DescribeAddon.
    #[serde(default)]
    pub addons: Collected<Vec<Addon>>,
    /// ListAccessEntries + DescribeAccessEntry + ListAssociatedAccessPolicies.
    #[serde(default)]
    pub access_entries: Collected<Vec<AccessEntry>>,
    /// ListPodIdentityAssociations.
    #[serde(default)]
    pub pod_identity_associations: Collected<Vec<PodIdentityAssociation>>,
}

/// A cluster's `resourcesVpcConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VpcConfig {
    /// The VPC (not returned by every endpoint; derive it from the subnets then).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Subnets of the control-plane network interfaces.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Additional security groups given at creation.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// The security group EKS creates for the cluster.
    #[serde(default)]
    pub cluster_security_group_id: Option<String>,
    /// `endpointPublicAccess`.
    #[serde(default)]
    pub endpoint_public_access: bool,
    /// `endpointPrivateAccess`.
    #[serde(default)]
    pub endpoint_private_access: bool,
    /// `publicAccessCidrs` (AWS answers `0.0.0.0/0` when none were given).
    #[serde(default)]
    pub public_access_cidrs: Vec<String>,
}

/// One `encryptionConfig` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncryptionConfig {
    /// Encrypted resources, e.g. `secrets`.
    #[serde(default)]
    pub resources: Vec<String>,
    /// The KMS key.
    #[serde(default)]
    pub key_arn: Option<String>,
}

/// A cluster's `accessConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessConfig {
    /// `CONFIG_MAP`, `API_AND_CONFIG_MAP` or `API`.
    #[serde(default)]
    pub authentication_mode: Option<String>,
    /// Whether the creator was made cluster admin at creation.
    #[serde(default)]
    pub bootstrap_cluster_creator_admin_permissions: Option<bool>,
}

/// A managed node group (DescribeNodegroup).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nodegroup {
    /// Its name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `AL2023_x86_64_STANDARD`, `BOTTLEROCKET_ARM_64`, `CUSTOM`, ...
    #[serde(default)]
    pub ami_type: Option<String>,
    /// The AMI release version.
    #[serde(default)]
    pub release_version: Option<String>,
    /// Kubernetes version of the nodes.
    #[serde(default)]
    pub version: Option<String>,
    /// The node IAM role.
    #[serde(default)]
    pub node_role: Option<String>,
    /// Subnets the nodes launch in.
    #[serde(default)]
    pub subnets: Vec<String>,
    /// `remoteAccess`: SSH access to the nodes.
    #[serde(default)]
    pub remote_access: Option<RemoteAccess>,
    /// `launchTemplate`: the template the nodes launch from.
    #[serde(default)]
    pub launch_template: Option<LaunchTemplateRef>,
    /// `resources.remoteAccessSecurityGroup`.
    #[serde(default)]
    pub remote_access_security_group: Option<String>,
    /// `resources.autoScalingGroups`.
    #[serde(default)]
    pub auto_scaling_groups: Vec<String>,
    /// `ACTIVE`, ...
    #[serde(default)]
    pub status: Option<String>,
}

/// A node group's `remoteAccess`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteAccess {
    /// The EC2 key pair allowed to SSH into the nodes.
    #[serde(default)]
    pub ec2_ssh_key: Option<String>,
    /// Security groups allowed to reach port 22 (none: the whole internet).
    #[serde(default)]
    pub source_security_groups: Vec<String>,
}

/// A node group's `launchTemplate`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LaunchTemplateRef {
    /// `lt-...`
    #[serde(default)]
    pub id: Option<String>,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// The version the node group uses (a number, `$Latest` or `$Default`).
    #[serde(default)]
    pub version: Option<String>,
}

/// An add-on (DescribeAddon).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Addon {
    /// e.g. `vpc-cni`, `eks-pod-identity-agent`.
    pub name: String,
    /// e.g. `v1.18.3-eksbuild.1`.
    #[serde(default)]
    pub version: Option<String>,
    /// `ACTIVE`, `DEGRADED`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// The IRSA role of the add-on's service account.
    #[serde(default)]
    pub service_account_role_arn: Option<String>,
    /// Pod identity associations made for the add-on.
    #[serde(default)]
    pub pod_identity_associations: Vec<String>,
    /// Its configuration values (JSON or YAML text), when set.
    #[serde(default)]
    pub configuration_values: Option<String>,
}

/// An access entry with its associated access policies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// The IAM principal.
    pub principal_arn: String,
    /// `STANDARD`, `EC2_LINUX`, `EC2_WINDOWS`, `FARGATE_LINUX`, ...
    #[serde(default)]
    pub kind: Option<String>,
    /// The Kubernetes user name.
    #[serde(default)]
    pub username: Option<String>,
    /// Kubernetes groups (RBAC), e.g. `system:masters`.
    #[serde(default)]
    pub kubernetes_groups: Vec<String>,
    /// ListAssociatedAccessPolicies.
    #[serde(default)]
    pub access_policies: Collected<Vec<AssociatedAccessPolicy>>,
}

/// An access policy associated with an access entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssociatedAccessPolicy {
    /// e.g. `arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`.
    pub policy_arn: String,
    /// `cluster` or `namespace`.
    #[serde(default)]
    pub scope_type: Option<String>,
    /// The namespaces of a namespace scope.
    #[serde(default)]
    pub namespaces: Vec<String>,
}

/// A pod identity association.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodIdentityAssociation {
    /// Kubernetes namespace.
    pub namespace: String,
    /// Kubernetes service account.
    pub service_account: String,
    /// `a-...`
    #[serde(default)]
    pub association_id: Option<String>,
}

/// A Kubernetes version as EKS offers it in a region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterVersion {
    /// e.g. `1.33`.
    pub version: String,
    /// `STANDARD_SUPPORT`, `EXTENDED_SUPPORT` or `UNSUPPORTED`.
    #[serde(default)]
    pub status: Option<String>,
    /// End of standard support (RFC 3339).
    #[serde(default)]
    pub end_of_standard_support: Option<String>,
    /// End of extended support (RFC 3339).
    #[serde(default)]
    pub end_of_extended_support: Option<String>,
}

/// A Kubernetes `major.minor` version as a comparable pair.
pub fn minor_version(v: &str) -> Option<(u32, u32)> {
    let mut it = v.trim().trim_start_matches('v').split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

impl Cluster {
    /// The OIDC issuer as IAM names it (no scheme, no trailing slash), e.g.
    /// `oidc.eks.eu-west-1.amazonaws.com/id/ABC`: how IAM OIDC providers and trust-policy
    /// condition keys spell it.
    pub fn issuer_host(&self) -> Option<&str> {
        self.oidc_issuer
            .as_deref()
            .map(|i| i.trim_start_matches("https://").trim_end_matches('/'))
    }

    /// The cluster security group and the additional ones: what guards the control plane.
    pub fn security_groups(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .vpc_config
            .cluster_security_group_id
            .iter()
            .chain(&self.vpc_config.security_group_ids)
            .map(String::as_str)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::minor_version;

    #[test]
    fn minor_versions_compare_numerically() {
        assert_eq!(minor_version("1.9"), Some((1, 9)));
        assert!(minor_version("1.10") > minor_version("1.9"));
        assert_eq!(minor_version("v1.31.2-eks-1"), Some((1, 31)));
        assert_eq!(minor_version("latest"), None);
    }
}
