//! The inventory: everything the collectors read from one account, plus what they could not.

use crate::{
    cloudtrail::CloudTrailRegion, ec2::Ec2Region, ecr::EcrRegion, eks::EksRegion, elb::ElbRegion,
    guardduty::GuardDutyRegion, iam::IamAccount, s3::S3Account, Collected, Gap,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A snapshot of one account. Checks are pure functions of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// The audited account.
    pub account_id: String,
    /// The partition, `aws` unless in China or GovCloud.
    #[serde(default = "default_partition")]
    pub partition: String,
    /// When collection started (RFC 3339): the "now" of checks that measure age, so that
    /// checks stay pure and a saved inventory audits the same way later.
    #[serde(default)]
    pub collected_at: Option<String>,
    /// The regions audited.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The services collected; checks of other services do not run.
    #[serde(default)]
    pub services: Vec<crate::Service>,
    /// EC2/VPC data per region.
    #[serde(default)]
    pub ec2: BTreeMap<String, Ec2Region>,
    /// EKS data per region.
    #[serde(default)]
    pub eks: BTreeMap<String, EksRegion>,
    /// ECR data per region.
    #[serde(default)]
    pub ecr: BTreeMap<String, EcrRegion>,
    /// Elastic Load Balancing data per region.
    #[serde(default)]
    pub elb: BTreeMap<String, ElbRegion>,
    /// GuardDuty data per region.
    #[serde(default)]
    pub guardduty: BTreeMap<String, GuardDutyRegion>,
    /// CloudTrail data per region (each trail read in full in its home region).
    #[serde(default)]
    pub cloudtrail: BTreeMap<String, CloudTrailRegion>,
    /// IAM (global): `None` when IAM was not collected.
    #[serde(default)]
    pub iam: Option<IamAccount>,
    /// S3 Terraform state buckets (global): `None` when S3 was not collected.
    #[serde(default)]
    pub s3: Option<S3Account>,
    /// The organisation the account belongs to (`organizations:DescribeOrganization`),
    /// `None` when it belongs to none. Policy checks decide `aws:PrincipalOrgID`
    /// conditions with it instead of assuming.
    #[serde(default)]
    pub organization: Collected<Option<Organization>>,
    /// Every API call (or region) whose data is missing, and why.
    #[serde(default)]
    pub gaps: Vec<Gap>,
    /// AWS requests the collection sent, per service.
    #[serde(default)]
    pub api: BTreeMap<String, crate::ApiCounts>,
}

/// An AWS Organizations organisation, as the audited account sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// `o-...`.
    pub id: String,
    /// The management account.
    pub management_account: String,
}

fn default_partition() -> String {
    "aws".into()
}

impl Inventory {
    /// Builds an ARN in this inventory's partition and account.
    pub fn arn(&self, service: &str, region: &str, resource: &str) -> String {
        format!(
            "arn:{}:{}:{}:{}:{}",
            self.partition, service, region, self.account_id, resource
        )
    }
}
