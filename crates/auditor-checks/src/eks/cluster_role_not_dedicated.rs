//! EKS-005: the cluster IAM role is not dedicated to the cluster.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_policy::PolicyDocument;

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's IAM role (`roleArn`), cross-read from IAM. It fails when the
    /// role's trust policy allows any principal other than the `eks.amazonaws.com` service
    /// (another service, an account, a user or role, a federated identity, or `*`, including
    /// through `NotPrincipal`), or when something else uses the role: another cluster in any
    /// audited region, a node group as its node role, or an instance profile. It passes when
    /// the role trusts only EKS and serves only this cluster.
    ///
    /// ## Why it matters
    /// The cluster role may manage network interfaces, security groups and load balancers
    /// in the VPC. Whoever else can assume it (an EC2 instance, a person, a CI job) gets
    /// those rights without touching the cluster, and a role shared by clusters couples
    /// their blast radius. The Amazon EKS security checklist asks for a dedicated cluster IAM role.
    ///
    /// ## Remediation
    /// Create a role per cluster that trusts only `eks.amazonaws.com` (with `sts:AssumeRole`
    /// and `sts:TagSession`), attach `AmazonEKSClusterPolicy`, and remove the extra
    /// principals, instance profiles and other users from the old one. The cluster role of
    /// an existing cluster cannot be changed, so scope the shared role's trust instead.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html
    pub(crate) struct ClusterRoleShared {
        code: "EKS-005",
        name: "cluster-role-not-dedicated",
        title: "Cluster IAM role is not dedicated: trusts more than EKS, or others use it",
        service: Eks,
        severity: Medium,
        wa: ["SEC03-BP02"],
        reads: [
            "eks:DescribeCluster",
            "eks:DescribeNodegroup",
            "iam:GetAccountAuthorizationDetails",
        ],
    }
}

impl Check for ClusterRoleShared {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let roles = ctx.iam().and_then(|i| i.roles.read());
        // Every use of a role by EKS in the audited regions: (role ARN, user).
        let mut uses: Vec<(&str, String)> = Vec::new();
        for (region, data) in &inv.eks {
            for c in data.clusters.get().into_iter().flatten() {
                if let Some(r) = &c.role_arn {
                    uses.push((r, format!("cluster {region}/{}", c.name)));
                }
                for n in c.nodegroups.get().into_iter().flatten() {
                    if let Some(r) = &n.node_role {
                        uses.push((r, format!("node group {region}/{}/{}", c.name, n.name)));
                    }
                }
            }
        }
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let Some(arn) = c.role_arn.as_deref() else {
                return out.not_assessed_because(res, "DescribeCluster returned no roleArn");
            };
            let roles = match &roles {
                Ok(r) => r,
                Err(gap) => return out.not_assessed(res, gap),
            };
            let Some(role) = super::role_by_arn(roles, arn) else {
                return out.not_assessed_because(
                    res,
                    format!("the cluster role {arn} is not among the account's IAM roles"),
                );
            };
            let Some(text) = role.trust_policy.as_deref() else {
                return out.not_assessed_because(res, "the cluster role has no trust policy");
            };
            let doc = match PolicyDocument::parse(text) {
                Ok(d) => d,
                Err(e) => {
                    return out.not_assessed_because(res, format!("AssumeRolePolicyDocument: {e}"))
                }
            };
            let mut fail = Vec::new();
            for s in doc.statements().iter().filter(|s| s.allow) {
                let label = s.label();
                if s.not_principal.is_some() {
                    fail.push(ev(
                        format!("{label}.NotPrincipal"),
                        "NotPrincipal",
                        "trusts everyone but the listed principals",
                    ));
                }
                let Some(p) = &s.principal else { continue };
                if p.any {
                    fail.push(ev(format!("{label}.Principal"), "*", "trusts anyone"));
                }
                for (kind, list) in [("AWS", &p.aws), ("Federated", &p.federated)] {
                    for who in list {
                        fail.push(ev(
                            format!("{label}.Principal.{kind}"),
                            who.clone(),
                            "can assume the cluster role without being EKS",
                        ));
                    }
                }
                for svc in p.service.iter().filter(|s| *s != "eks.amazonaws.com") {
                    fail.push(ev(
                        format!("{label}.Principal.Service"),
                        svc.clone(),
                        "another AWS service can assume the cluster role",
                    ));
                }
            }
            let me = format!("cluster {region}/{}", c.name);
            for (_, user) in uses.iter().filter(|(r, u)| {
                super::role_by_arn(roles, r).is_some_and(|x| x.arn == role.arn) && *u != me
            }) {
                fail.push(ev("roleArn", arn, format!("also used by {user}")));
            }
            for p in &role.instance_profiles {
                fail.push(ev(
                    "roleArn",
                    arn,
                    format!("also in instance profile {p}: EC2 instances can use it"),
                ));
            }
            if fail.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "roleArn",
                        arn,
                        "trusts only eks.amazonaws.com and serves only this cluster",
                    )],
                );
            } else {
                out.fail(res, fail);
            }
        });
    }
}
