//! Security Hub's AWS Foundational Security Best Practices (FSBP): the controls for EKS,
//! ECR, IAM, S3 and EC2/VPC that reviewers compare an audit against, and those of
//! CloudTrail, GuardDuty and ELB that checks cover (not every control of those three). Each is covered by checks (their `fsbp` ids) or out of scope, with the reason.
//! `auditor checks --standard fsbp` prints the mapping, CHECKS.md carries it, and a test
//! keeps the two in step (a control is covered or out of scope, never both or neither).
//! Titles are AWS's, from the Security Hub user guide's control pages.

use crate::{all, CheckMeta};

/// One FSBP control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    /// e.g. `EC2.19`.
    pub id: &'static str,
    /// AWS's title of the control.
    pub title: &'static str,
    /// Why no check covers it; `None` when checks do.
    pub out_of_scope: Option<&'static str>,
}

/// The controls, in the order of the standard's services.
pub const CONTROLS: &[Control] = &[
    Control {
        id: "EKS.1",
        title: "EKS cluster endpoints should not be publicly accessible",
        out_of_scope: None,
    },
    Control {
        id: "EKS.2",
        title: "EKS clusters should run on a supported Kubernetes version",
        out_of_scope: None,
    },
    Control {
        id: "EKS.3",
        title: "EKS clusters should use encrypted Kubernetes secrets",
        out_of_scope: None,
    },
    Control {
        id: "EKS.8",
        title: "EKS clusters should have audit logging enabled",
        out_of_scope: None,
    },
    Control {
        id: "ECR.1",
        title: "ECR private repositories should have image scanning configured",
        out_of_scope: None,
    },
    Control {
        id: "ECR.2",
        title: "ECR private repositories should have tag immutability configured",
        out_of_scope: None,
    },
    Control {
        id: "ECR.3",
        title: "ECR repositories should have at least one lifecycle policy configured",
        out_of_scope: None,
    },
    Control {
        id: "IAM.1",
        title: "IAM policies should not allow full \"*\" administrative privileges",
        out_of_scope: None,
    },
    Control {
        id: "IAM.2",
        title: "IAM users should not have IAM policies attached",
        out_of_scope: None,
    },
    Control {
        id: "IAM.3",
        title: "IAM users' access keys should be rotated every 90 days or less",
        out_of_scope: None,
    },
    Control {
        id: "IAM.4",
        title: "IAM root user access key should not exist",
        out_of_scope: None,
    },
    Control {
        id: "IAM.5",
        title: "MFA should be enabled for all IAM users that have a console password",
        out_of_scope: None,
    },
    Control {
        id: "IAM.6",
        title: "Hardware MFA should be enabled for the root user",
        out_of_scope: Some("IAM-008 fails a root user without MFA; whether the device is hardware is not in the account summary it reads"),
    },
    Control {
        id: "IAM.7",
        title: "Password policies for IAM users should have strong configurations",
        out_of_scope: None,
    },
    Control {
        id: "IAM.8",
        title: "Unused IAM user credentials should be removed",
        out_of_scope: None,
    },
    Control {
        id: "IAM.21",
        title: "IAM customer managed policies that you create should not allow wildcard actions for services",
        out_of_scope: None,
    },
    Control {
        id: "S3.1",
        title: "S3 general purpose buckets should have block public access settings enabled",
        out_of_scope: Some("S3-003 judges each state bucket's effective block (its own settings with the account's); the account setting alone is not a finding"),
    },
    Control {
        id: "S3.2",
        title: "S3 general purpose buckets should block public read access",
        out_of_scope: None,
    },
    Control {
        id: "S3.3",
        title: "S3 general purpose buckets should block public write access",
        out_of_scope: None,
    },
    Control {
        id: "S3.5",
        title: "S3 general purpose buckets should require requests to use SSL",
        out_of_scope: None,
    },
    Control {
        id: "S3.6",
        title: "S3 general purpose bucket policies should restrict access to other AWS accounts",
        out_of_scope: None,
    },
    Control {
        id: "S3.8",
        title: "S3 general purpose buckets should block public access",
        out_of_scope: None,
    },
    Control {
        id: "S3.9",
        title: "S3 general purpose buckets should have server access logging enabled",
        out_of_scope: None,
    },
    Control {
        id: "S3.12",
        title: "ACLs should not be used to manage user access to S3 general purpose buckets",
        out_of_scope: None,
    },
    Control {
        id: "S3.13",
        title: "S3 general purpose buckets should have Lifecycle configurations",
        out_of_scope: Some("lifecycle rules manage cost; the state buckets' protection is versioning (S3-002) and who can reach them (S3-005, S3-008)"),
    },
    Control {
        id: "S3.19",
        title: "S3 access points should have block public access settings enabled",
        out_of_scope: Some("access points are not collected: Terraform reads and writes state through the bucket"),
    },
    Control {
        id: "S3.24",
        title: "S3 Multi-Region Access Points should have block public access settings enabled",
        out_of_scope: Some("Multi-Region Access Points are not collected: Terraform reads and writes state through the bucket"),
    },
    Control {
        id: "S3.25",
        title: "S3 directory buckets should have lifecycle configurations",
        out_of_scope: Some("directory buckets (S3 Express One Zone) do not hold Terraform state"),
    },
    Control {
        id: "EC2.1",
        title: "Amazon EBS snapshots should not be configured to be publicly restorable",
        out_of_scope: Some("EBS snapshots are not collected: data stores beyond the platform's network and identity are outside the seeds"),
    },
    Control {
        id: "EC2.2",
        title: "VPC default security groups should not allow inbound or outbound traffic",
        out_of_scope: None,
    },
    Control {
        id: "EC2.3",
        title: "Attached Amazon EBS volumes should be encrypted at-rest",
        out_of_scope: Some("volumes are not read one by one; EC2-009 checks the default that every new volume gets"),
    },
    Control {
        id: "EC2.4",
        title: "Stopped EC2 instances should be removed after a specified time period",
        out_of_scope: Some("stopped instances are an inventory and cost matter, not one of the seeds' practices"),
    },
    Control {
        id: "EC2.6",
        title: "VPC flow logging should be enabled in all VPCs",
        out_of_scope: None,
    },
    Control {
        id: "EC2.7",
        title: "EBS default encryption should be enabled",
        out_of_scope: None,
    },
    Control {
        id: "EC2.8",
        title: "EC2 instances should use Instance Metadata Service Version 2",
        out_of_scope: None,
    },
    Control {
        id: "EC2.9",
        title: "Amazon EC2 instances should not have a public IPv4 address",
        out_of_scope: Some("EKS-011 fails node groups in public subnets; other instances' addresses are not judged"),
    },
    Control {
        id: "EC2.10",
        title: "Amazon EC2 should be configured to use VPC endpoints that are created for the Amazon EC2 service",
        out_of_scope: Some("an EC2 interface endpoint is needed by private clusters' nodes and the VPC CNI, but the control asks it of every VPC; EC2-007 checks the endpoints image pulls need"),
    },
    Control {
        id: "EC2.15",
        title: "Amazon EC2 subnets should not automatically assign public IP addresses",
        out_of_scope: None,
    },
    Control {
        id: "EC2.16",
        title: "Unused Network Access Control Lists should be removed",
        out_of_scope: Some("unused network ACLs are housekeeping: an unassociated ACL admits nothing"),
    },
    Control {
        id: "EC2.17",
        title: "Amazon EC2 instances should not use multiple ENIs",
        out_of_scope: Some("several network interfaces per instance are normal for EKS nodes (the VPC CNI attaches them)"),
    },
    Control {
        id: "EC2.18",
        title: "Security groups should only allow unrestricted incoming traffic for authorized ports",
        out_of_scope: Some("EC2-001, EC2-002 and EC2-003 fail all traffic, administration ports and database ports open to the internet; other ports (which the control allows only as configured) are not judged"),
    },
    Control {
        id: "EC2.19",
        title: "Security groups should not allow unrestricted access to ports with high risk",
        out_of_scope: None,
    },
    Control {
        id: "EC2.20",
        title: "Both VPN tunnels for an AWS Site-to-Site VPN connection should be up",
        out_of_scope: Some("Site-to-Site VPN is not collected"),
    },
    Control {
        id: "EC2.21",
        title: "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
        out_of_scope: None,
    },
    Control {
        id: "EC2.22",
        title: "Unused Amazon EC2 security groups should be removed",
        out_of_scope: Some("no longer part of FSBP (AWS removed it on 2023-09-20); unused security groups admit nothing"),
    },
    Control {
        id: "EC2.23",
        title: "Amazon EC2 Transit Gateways should not automatically accept VPC attachment requests",
        out_of_scope: Some("Transit Gateways are not collected"),
    },
    Control {
        id: "EC2.24",
        title: "Amazon EC2 paravirtual instance types should not be used",
        out_of_scope: Some("paravirtual instance types are not offered for EKS nodes"),
    },
    Control {
        id: "EC2.25",
        title: "Amazon EC2 launch templates should not assign public IPs to network interfaces",
        out_of_scope: Some("judged in part: EKS-011 fails node groups whose launch template assigns public IPs, but the templates no node group uses are judged for their metadata options only (EC2-011)"),
    },
    Control {
        id: "EC2.51",
        title: "EC2 Client VPN endpoints should have client connection logging enabled",
        out_of_scope: Some("Client VPN is not collected"),
    },
    Control {
        id: "EC2.55",
        title: "VPCs should be configured with an interface endpoint for ECR API",
        out_of_scope: None,
    },
    Control {
        id: "EC2.56",
        title: "VPCs should be configured with an interface endpoint for Docker Registry",
        out_of_scope: None,
    },
    Control {
        id: "EC2.57",
        title: "VPCs should be configured with an interface endpoint for Systems Manager",
        out_of_scope: Some("Systems Manager endpoints: EC2-007 checks the endpoints image pulls need; SSM's depend on how nodes are reached"),
    },
    Control {
        id: "EC2.58",
        title: "VPCs should be configured with an interface endpoint for Systems Manager Incident Manager Contacts",
        out_of_scope: Some("Incident Manager is not part of the platform"),
    },
    Control {
        id: "EC2.60",
        title: "VPCs should be configured with an interface endpoint for Systems Manager Incident Manager",
        out_of_scope: Some("Incident Manager is not part of the platform"),
    },
    Control {
        id: "EC2.170",
        title: "EC2 launch templates should use Instance Metadata Service Version 2",
        out_of_scope: None,
    },
    Control {
        id: "EC2.171",
        title: "EC2 VPN connections should have logging enabled",
        out_of_scope: Some("Site-to-Site VPN is not collected"),
    },
    Control {
        id: "EC2.172",
        title: "EC2 VPC Block Public Access settings should block internet gateway traffic",
        out_of_scope: Some("VPC Block Public Access is not collected"),
    },
    Control {
        id: "EC2.173",
        title: "EC2 Spot Fleet requests with launch parameters should enable encryption for attached EBS volumes",
        out_of_scope: Some("Spot Fleet requests are not collected (EKS node groups use launch templates)"),
    },
    Control {
        id: "EC2.180",
        title: "EC2 network interfaces should have source/destination checking enabled",
        out_of_scope: Some("network interfaces are not collected one by one"),
    },
    Control {
        id: "EC2.181",
        title: "EC2 launch templates should enable encryption for attached EBS volumes",
        out_of_scope: Some("EC2-011 reads every launch template's default and latest version but judges their metadata options only; volumes' encryption is not collected (EC2-009 checks the account default)"),
    },
    Control {
        id: "CloudTrail.1",
        title: "CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events",
        out_of_scope: None,
    },
    Control {
        id: "CloudTrail.2",
        title: "CloudTrail should have encryption at-rest enabled",
        out_of_scope: None,
    },
    Control {
        id: "CloudTrail.4",
        title: "CloudTrail log file validation should be enabled",
        out_of_scope: None,
    },
    Control {
        id: "GuardDuty.1",
        title: "GuardDuty should be enabled",
        out_of_scope: None,
    },
    Control {
        id: "GuardDuty.5",
        title: "GuardDuty EKS Audit Log Monitoring should be enabled",
        out_of_scope: None,
    },
    Control {
        id: "GuardDuty.7",
        title: "GuardDuty EKS Runtime Monitoring should be enabled",
        out_of_scope: None,
    },
    Control {
        id: "ELB.1",
        title: "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
        out_of_scope: None,
    },
    Control {
        id: "ELB.4",
        title: "Application Load Balancer should be configured to drop invalid http headers",
        out_of_scope: None,
    },
    Control {
        id: "ELB.6",
        title: "Application, Gateway, and Network Load Balancers should have deletion protection enabled",
        out_of_scope: None,
    },
    Control {
        id: "ELB.17",
        title: "Application and Network Load Balancers with listeners should use recommended security policies",
        out_of_scope: None,
    },
];

/// The checks that cover `id` (by their `fsbp` metadata), in registry order.
pub fn covered_by(id: &str) -> Vec<&'static CheckMeta> {
    all()
        .iter()
        .map(|c| c.meta())
        .filter(|m| m.fsbp.contains(&id))
        .collect()
}

/// The mapping as a Markdown section (for CHECKS.md).
pub fn markdown() -> String {
    let mut s = String::from(
        "## Security Hub: AWS Foundational Security Best Practices\n\n\
         The FSBP controls for the services audited, each covered by checks or out of scope \
         with the reason. Only Terraform state buckets are audited among S3 buckets, so the \
         S3 controls are covered for those; S3.2 and S3.3 by the bucket policy (ACL grants are \
         S3-007's: ACLs enabled at all). `auditor checks --standard fsbp` prints the \
         same.\n\n\
         | control | title | covered by | out of scope because |\n|---|---|---|---|\n",
    );
    for c in CONTROLS {
        let by: Vec<&str> = covered_by(c.id).iter().map(|m| m.code).collect();
        s += &format!(
            "| {} | {} | {} | {} |\n",
            c.id,
            c.title,
            by.join(", "),
            c.out_of_scope.unwrap_or("")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_is_covered_or_out_of_scope_and_every_id_is_known() {
        for c in CONTROLS {
            let by = covered_by(c.id);
            match c.out_of_scope {
                None => assert!(!by.is_empty(), "{}: no check covers it", c.id),
                Some(_) => assert!(
                    by.is_empty(),
                    "{}: out of scope, yet covered by {:?}",
                    c.id,
                    by.iter().map(|m| m.code).collect::<Vec<_>>()
                ),
            }
        }
        for m in all().iter().map(|c| c.meta()) {
            for id in m.fsbp {
                assert!(
                    CONTROLS.iter().any(|c| c.id == *id),
                    "{}: FSBP id {id} is not among the controls",
                    m.code
                );
            }
        }
        let mut ids: Vec<&str> = CONTROLS.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), CONTROLS.len(), "a control is listed twice");
    }
}
