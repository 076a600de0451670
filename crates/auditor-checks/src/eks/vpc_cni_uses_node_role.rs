//! EKS-007: the vpc-cni add-on has no role of its own, so aws-node uses the node role.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's `vpc-cni` add-on (the `aws-node` daemonset). It passes when the
    /// add-on has a service-account role (IRSA, `serviceAccountRoleArn`) or a pod identity
    /// association, or when a pod identity association exists for `kube-system/aws-node`.
    /// It fails when the managed add-on has neither. When vpc-cni is not a managed add-on,
    /// the daemonset's service account cannot be seen through AWS APIs, and the check says
    /// "not assessed".
    ///
    /// ## Why it matters
    /// Without its own role, aws-node uses the node's instance role, so
    /// `AmazonEKS_CNI_Policy` (create and attach network interfaces, assign IPs) must sit on
    /// the node role, where every pod that reaches IMDS inherits it. The Amazon EKS security checklist asks to
    /// "update the aws-node daemonset to use IRSA".
    ///
    /// ## Remediation
    /// Create a role for `system:serviceaccount:kube-system:aws-node` with
    /// `AmazonEKS_CNI_Policy`, set it on the add-on (`aws eks update-addon --region <region>
    /// --cluster-name <cluster> --addon-name vpc-cni --service-account-role-arn ARN`), then detach the policy from the
    /// node role.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html
    pub(crate) struct VpcCniNodeRole {
        code: "EKS-007",
        name: "vpc-cni-uses-node-role",
        title: "The vpc-cni add-on has no service-account role, so aws-node uses the node role",
        service: Eks,
        severity: Medium,
        wa: ["SEC03-BP02"],
        reads: [
            "eks:ListClusters",
            "eks:DescribeCluster",
            "eks:ListAddons",
            "eks:DescribeAddon",
            "eks:ListPodIdentityAssociations",
        ],
    }
}

impl Check for VpcCniNodeRole {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            // A pod identity association for aws-node settles it either way.
            if let Ok(assocs) = c.pod_identity_associations.get() {
                if let Some(a) = assocs
                    .iter()
                    .find(|a| a.namespace == "kube-system" && a.service_account == "aws-node")
                {
                    return out.pass(
                        res,
                        vec![ev(
                            "podIdentityAssociations",
                            format!(
                                "kube-system/aws-node ({})",
                                a.association_id.as_deref().unwrap_or("association")
                            ),
                            "aws-node gets its own role through EKS Pod Identity",
                        )],
                    );
                }
            }
            let addons = match c.addons.get() {
                Ok(a) => a,
                Err(gap) => return out.not_assessed(res, gap),
            };
            let Some(cni) = addons.iter().find(|a| a.name == "vpc-cni") else {
                return match c.pod_identity_associations.get() {
                    Err(gap) => out.not_assessed(res, gap),
                    Ok(_) => out.not_assessed_because(
                        res,
                        "vpc-cni is not a managed add-on; the self-managed aws-node \
                         service account's role annotation is not visible through AWS APIs",
                    ),
                };
            };
            if let Some(role) = &cni.service_account_role_arn {
                out.pass(
                    res,
                    vec![ev(
                        "addons[vpc-cni].serviceAccountRoleArn",
                        role.clone(),
                        "aws-node uses its own role (IRSA)",
                    )],
                );
            } else if !cni.pod_identity_associations.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "addons[vpc-cni].podIdentityAssociations",
                        cni.pod_identity_associations.join(", "),
                        "aws-node gets its own role through EKS Pod Identity",
                    )],
                );
            } else {
                out.fail(
                    res,
                    vec![ev(
                        "addons[vpc-cni].serviceAccountRoleArn",
                        "(none)",
                        "aws-node falls back to the node instance role, which must then \
                         carry AmazonEKS_CNI_Policy for every pod on the node",
                    )],
                );
            }
        });
    }
}
