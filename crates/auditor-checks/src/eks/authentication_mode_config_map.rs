//! EKS-013: the cluster authenticates through aws-auth only, or made its creator admin.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's `accessConfig`. It fails when `authenticationMode` is
    /// `CONFIG_MAP` (only the `aws-auth` ConfigMap maps IAM principals to Kubernetes), or
    /// when `bootstrapClusterCreatorAdminPermissions` is true (the IAM principal that created
    /// the cluster is a permanent, invisible cluster admin). It passes for `API` or
    /// `API_AND_CONFIG_MAP` without the bootstrap admin.
    ///
    /// ## Why it matters
    /// `aws-auth` lives inside the cluster: who may administer it cannot be read or
    /// controlled through IAM or CloudTrail, one bad edit locks everyone out, and anyone who
    /// can edit it can make themselves admin. Access entries are AWS resources, audited and
    /// managed with IAM. The creator's bootstrap admin is often a CI role or a person who
    /// has left. The Amazon EKS security checklist and the EKS GitOps security guide §1 ask for access entries and least privilege.
    ///
    /// ## Remediation
    /// `aws eks update-cluster-config --region <region> --name <cluster> --access-config
    /// authenticationMode=API_AND_CONFIG_MAP`, migrate the `aws-auth` mappings to access
    /// entries, then switch to `API`. Create new clusters with
    /// `bootstrapClusterCreatorAdminPermissions=false` and explicit admin access entries;
    /// on existing ones delete the creator's access entry.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/grant-k8s-access.html
    /// - https://docs.aws.amazon.com/eks/latest/userguide/setting-up-access-entries.html
    pub(crate) struct AuthenticationMode {
        code: "EKS-013",
        name: "authentication-mode-config-map",
        title: "Cluster authentication uses only the aws-auth ConfigMap, or its creator is a bootstrap admin",
        service: Eks,
        severity: Medium,
        wa: ["SEC02-BP04", "SEC03-BP02"],
        reads: ["eks:ListClusters", "eks:DescribeCluster"],
    }
}

impl Check for AuthenticationMode {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let Some(ac) = &c.access_config else {
                return out.not_assessed_because(
                    res,
                    "DescribeCluster returned no accessConfig (an endpoint that predates \
                     access entries, or an emulator)",
                );
            };
            let Some(mode) = ac.authentication_mode.as_deref() else {
                return out.not_assessed_because(res, "accessConfig has no authenticationMode");
            };
            let mut fail = Vec::new();
            if mode == "CONFIG_MAP" {
                fail.push(ev(
                    "accessConfig.authenticationMode",
                    mode,
                    "only the in-cluster aws-auth ConfigMap grants access; IAM cannot see or \
                     control who administers the cluster",
                ));
            }
            if ac.bootstrap_cluster_creator_admin_permissions == Some(true) {
                fail.push(ev(
                    "accessConfig.bootstrapClusterCreatorAdminPermissions",
                    "true",
                    "the principal that created the cluster is a cluster admin",
                ));
            }
            if fail.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "accessConfig.authenticationMode",
                        mode,
                        "access is granted by access entries, managed through the EKS API",
                    )],
                );
            } else {
                out.fail(res, fail);
            }
        });
    }
}
