//! EKS-015: the node instance role has more than the node policies.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use std::collections::BTreeMap;

declare_check! {
    /// ## What it checks
    /// The IAM role of every managed node group (`nodeRole`), cross-read from IAM. It fails
    /// when the role has an inline policy, or an attached policy that is not one of the AWS
    /// managed node policies in `checks.eks.node_role_policies` (by default
    /// `AmazonEKSWorkerNodePolicy`, `AmazonEKS_CNI_Policy`,
    /// `AmazonEC2ContainerRegistryReadOnly` and `AmazonEC2ContainerRegistryPullOnly`). It
    /// passes when the role has only those. One finding per role, naming the node groups
    /// that use it.
    ///
    /// ## Why it matters
    /// Every pod that reaches the instance metadata service gets the node role's
    /// credentials, so whatever the node role may do, every workload on the node may do.
    /// The EKS GitOps security guide §5 ("Node IAM Scoping") asks for node roles with only what the kubelet, the
    /// CNI and image pulls need; workloads get their own roles through IRSA or Pod Identity.
    ///
    /// ## Remediation
    /// Move the extra permissions to IRSA or Pod Identity roles of the workloads that need
    /// them, then `aws iam detach-role-policy --role-name <role> --policy-arn ...` / `aws iam
    /// delete-role-policy --role-name <role> --policy-name ...` on the node role. Move `AmazonEKS_CNI_Policy` to the vpc-cni add-on's own role as well (EKS-007).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html
    pub(crate) struct NodeRoleOverprivileged {
        code: "EKS-015",
        name: "node-role-overprivileged",
        title: "Node instance role has permissions beyond the EKS node, CNI and ECR read-only policies",
        service: Eks,
        severity: High,
        wa: ["SEC03-BP02"],
        reads: [
            "eks:ListNodegroups",
            "eks:DescribeNodegroup",
            "iam:GetAccountAuthorizationDetails",
        ],
    }
}

impl Check for NodeRoleOverprivileged {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let allowed = &ctx.settings.eks_node_role_policies;
        // Node role ARN → the node groups that use it (gaps reported as they are met).
        let mut users: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        super::for_each_nodegroup(ctx, out, |region, _, c, n, out| match &n.node_role {
            Some(r) => users
                .entry(r.as_str())
                .or_default()
                .push(format!("{region}/{}/{}", c.name, n.name)),
            None => out.not_assessed_because(
                super::nodegroup_resource(inv, region, c, n),
                "DescribeNodegroup returned no nodeRole",
            ),
        });
        if users.is_empty() {
            return;
        }
        let roles = match ctx.iam().and_then(|i| i.roles.read()) {
            Ok(r) => r,
            Err(gap) => {
                for arn in users.keys() {
                    out.not_assessed(role_resource(ctx, arn), &gap);
                }
                return;
            }
        };
        for (arn, groups) in users {
            let res = role_resource(ctx, arn);
            let used_by = format!("node role of {}", groups.join(", "));
            let Some(role) = super::role_by_arn(roles, arn) else {
                out.not_assessed_because(
                    res,
                    format!("{arn} is not among the account's IAM roles ({used_by})"),
                );
                continue;
            };
            let mut fail = Vec::new();
            for p in &role.attached_policies {
                let name = p.rsplit('/').next().unwrap_or(p);
                let aws_managed = p.contains(":iam::aws:policy/");
                if !(aws_managed && allowed.iter().any(|a| a == name)) {
                    fail.push(ev(
                        "AttachedManagedPolicies",
                        p.clone(),
                        format!("not a node policy; every pod on the nodes gets it ({used_by})"),
                    ));
                }
            }
            for p in &role.inline_policies {
                fail.push(ev(
                    "RolePolicyList",
                    p.name.clone(),
                    format!("an inline policy; every pod on the nodes gets it ({used_by})"),
                ));
            }
            if fail.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "AttachedManagedPolicies",
                        role.attached_policies
                            .iter()
                            .map(|p| p.rsplit('/').next().unwrap_or(p))
                            .collect::<Vec<_>>()
                            .join(", "),
                        format!("only node policies ({used_by})"),
                    )],
                );
            } else {
                out.fail(res, fail);
            }
        }
    }
}

fn role_resource(ctx: &CheckContext<'_>, arn: &str) -> auditor_model::Resource {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    crate::iam::resource(ctx, arn, "role", name)
}
