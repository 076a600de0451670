//! Small validated identifiers: account ids, services, severities, WA practice ids.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A value given by a user or AWS that is not of the expected form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(pub String);

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AccountId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(s.to_owned()))
        } else {
            Err(IdError(format!(
                "'{s}' is not an AWS account id (expected 12 digits)"
            )))
        }
    }
}

impl TryFrom<String> for AccountId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        s.parse()
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How bad a failing finding is. Ordered: `Info < Low < ... < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a weakness by itself.
    Info,
    /// A weakness with little reach.
    Low,
    /// A weakness an attacker needs more to exploit.
    Medium,
    /// A weakness that exposes the account or its data.
    High,
    /// Directly exploitable from the internet or across accounts.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name used in reports, config and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl FromStr for Severity {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                IdError(format!(
                    "unknown severity '{s}' (expected one of: info, low, medium, high, critical)"
                ))
            })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An AWS service the auditor collects from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// EC2 and VPC: security groups, network ACLs, flow logs, instances, EBS defaults.
    Ec2,
    /// Elastic Kubernetes Service.
    Eks,
    /// Identity and Access Management.
    Iam,
    /// Elastic Container Registry.
    Ecr,
    /// S3 (Terraform state buckets).
    S3,
    /// Elastic Load Balancing (application, network and gateway load balancers).
    Elb,
    /// GuardDuty (threat detection).
    GuardDuty,
    /// CloudTrail (API activity logging).
    CloudTrail,
}

impl Service {
    /// Every service, in report order.
    pub const ALL: [Service; 8] = [
        Service::Ec2,
        Service::Eks,
        Service::Iam,
        Service::Ecr,
        Service::S3,
        Service::Elb,
        Service::GuardDuty,
        Service::CloudTrail,
    ];

    /// The services this build can collect from; the others are announced but not built yet.
    pub const IMPLEMENTED: [Service; 8] = Service::ALL;

    /// The service whose data an IAM action of this prefix reads (`ec2` of
    /// `ec2:DescribeVpcs`, `elasticloadbalancing` → [`Service::Elb`]), if it is collected.
    pub fn of_action_prefix(prefix: &str) -> Option<Service> {
        match prefix {
            "elasticloadbalancing" => Some(Service::Elb),
            p => p.parse().ok(),
        }
    }

    /// The lowercase name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::Eks => "eks",
            Service::Iam => "iam",
            Service::Ecr => "ecr",
            Service::S3 => "s3",
            Service::Elb => "elb",
            Service::GuardDuty => "guardduty",
            Service::CloudTrail => "cloudtrail",
        }
    }
}

impl FromStr for Service {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Service::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                IdError(format!(
                    "unknown service '{s}' (expected one of: ec2, eks, iam, ecr, s3, elb, guardduty, cloudtrail)"
                ))
            })
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Well-Architected Security pillar best-practice id, such as `SEC05-BP02`.
///
/// The id alone is ambiguous across framework revisions; reports always carry the
/// catalog revision next to it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WaId(String);

impl WaId {
    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for WaId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let b = s.as_bytes();
        let ok = b.len() == 10
            && s.starts_with("SEC")
            && b[3].is_ascii_digit()
            && b[4].is_ascii_digit()
            && &s[5..8] == "-BP"
            && b[8].is_ascii_digit()
            && b[9].is_ascii_digit();
        if ok {
            Ok(WaId(s.to_owned()))
        } else {
            Err(IdError(format!(
                "'{s}' is not a Well-Architected practice id (expected SECnn-BPnn)"
            )))
        }
    }
}

impl TryFrom<String> for WaId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        s.parse()
    }
}

impl From<WaId> for String {
    fn from(w: WaId) -> String {
        w.0
    }
}

impl fmt::Display for WaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!("123456789012".parse::<AccountId>().is_ok());
        assert!("12345678901".parse::<AccountId>().is_err());
        assert!("12345678901a".parse::<AccountId>().is_err());
        assert!(" 123456789012".parse::<AccountId>().is_err());
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }

    #[test]
    fn wa_ids_have_one_shape() {
        assert!("SEC05-BP02".parse::<WaId>().is_ok());
        for bad in [
            "SEC5-BP02",
            "SEC05-BP2",
            "OPS05-BP02",
            "SEC05BP02",
            "sec05-bp02",
        ] {
            assert!(bad.parse::<WaId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn services_parse_and_reject_unknown() {
        assert_eq!("EC2".parse::<Service>(), Ok(Service::Ec2));
        let err = "lambda".parse::<Service>().unwrap_err();
        assert!(err.0.contains("unknown service 'lambda'"));
    }
}
