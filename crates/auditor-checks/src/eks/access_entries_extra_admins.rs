//! EKS-014: access entries grant cluster admin beyond the configured principals.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::ecr::filter_matches;

/// The access policy that is Kubernetes `cluster-admin`.
const CLUSTER_ADMIN: &str = "AmazonEKSClusterAdminPolicy";

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's access entries (`ListAccessEntries`, `DescribeAccessEntry`,
    /// `ListAssociatedAccessPolicies`). A principal is a cluster admin when it is associated
    /// with `AmazonEKSClusterAdminPolicy` or mapped to the `system:masters` group. The check
    /// fails for each such principal not listed in `checks.eks.cluster_admins` (ARNs, `*`
    /// wildcards allowed), and passes when every admin is listed.
    ///
    /// ## Why it matters
    /// Cluster admin can read every secret, run privileged pods and so take the nodes and
    /// their IAM roles. Each admin principal is a path to all of it; the AWS Security Profile asks for least
    /// privilege in RoleBindings, and access entries are where EKS grants it.
    ///
    /// ## Remediation
    /// Disassociate the policy (`aws eks disassociate-access-policy --region <region>
    /// --cluster-name <cluster> --principal-arn ARN --policy-arn ...AmazonEKSClusterAdminPolicy`) and associate a
    /// narrower one (`AmazonEKSEditPolicy` scoped to namespaces), or delete the entry. List
    /// the intended admins (a platform break-glass role) in `checks.eks.cluster_admins`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html
    /// - https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
    pub(crate) struct AccessEntriesAdmins {
        code: "EKS-014",
        name: "access-entries-extra-admins",
        title: "Access entries grant cluster admin to principals not configured as admins",
        service: Eks,
        severity: High,
        wa: ["SEC03-BP02"],
        reads: [
            "eks:ListAccessEntries",
            "eks:DescribeAccessEntry",
            "eks:ListAssociatedAccessPolicies",
        ],
    }
}

impl Check for AccessEntriesAdmins {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let allowed = &ctx.settings.eks_cluster_admins;
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let entries = match c.access_entries.get() {
                Ok(e) => e,
                Err(gap) => return out.not_assessed(res, gap),
            };
            let (mut extra, mut expected) = (Vec::new(), Vec::new());
            for e in entries {
                let policies = match e.access_policies.get() {
                    Ok(p) => p,
                    Err(gap) => return out.not_assessed(res, gap),
                };
                let via = policies
                    .iter()
                    .find(|p| p.policy_arn.ends_with(&format!("/{CLUSTER_ADMIN}")))
                    .map(|p| {
                        format!(
                            "{CLUSTER_ADMIN} ({} scope)",
                            p.scope_type.as_deref().unwrap_or("cluster")
                        )
                    })
                    .or_else(|| {
                        e.kubernetes_groups
                            .iter()
                            .any(|g| g == "system:masters")
                            .then(|| "kubernetesGroups: system:masters".to_owned())
                    });
                let Some(via) = via else { continue };
                let field = format!("accessEntries[{}]", e.principal_arn);
                if allowed.iter().any(|a| filter_matches(a, &e.principal_arn)) {
                    expected.push(ev(field, via, "a configured cluster admin"));
                } else {
                    extra.push(ev(
                        field,
                        via,
                        "cluster admin, not listed in checks.eks.cluster_admins",
                    ));
                }
            }
            if !extra.is_empty() {
                out.fail(res, extra);
            } else if expected.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "accessEntries",
                        format!("{} entries", entries.len()),
                        "no access entry grants cluster admin",
                    )],
                );
            } else {
                out.pass(res, expected);
            }
        });
    }
}
