//! IAM-015: the AWS Load Balancer Controller's role has more than the controller needs.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::Evidence;
use auditor_policy::PolicyDocument;

declare_check! {
    /// ## What it checks
    /// Roles of the AWS Load Balancer Controller: IRSA roles whose `:sub` condition names
    /// the service account `aws-load-balancer-controller`, or roles whose name contains
    /// `load-balancer-controller`. Every `Allow` statement of their identity policies may
    /// only grant the actions the controller's published IAM policy uses: Elastic Load
    /// Balancing management, the EC2 security-group and tag actions it needs and EC2
    /// `Describe*`, ACM and IAM server-certificate reads, `iam:CreateServiceLinkedRole`,
    /// Cognito user-pool client reads, WAF/WAFv2 web ACL association, and Shield protection.
    /// It fails on any other action, any service-wide or global wildcard (`ec2:*`, `*`), and
    /// any `NotAction`. The list is the auditor's own reading of the controller's documented
    /// needs; the check says which action is extra, for a person to confirm.
    ///
    /// ## Why it matters
    /// The controller runs in the cluster; its role is available to anything that can read
    /// its service account token. The platform's security review: "keeping the role sufficiently narrow is
    /// important", with "only the ALBIngressControllerIAMPolicy".
    ///
    /// ## Remediation
    /// Attach only the IAM policy published with the controller version you run
    /// (`docs/install/iam_policy.json` in the controller's repository), and nothing else.
    ///
    /// ## References
    /// - https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/installation/
    /// - https://docs.aws.amazon.com/eks/latest/userguide/lbc-helm.html
    pub(crate) struct LbControllerOverprivileged {
        code: "IAM-015",
        name: "lb-controller-role-overprivileged",
        title: "Load balancer controller role has more than the controller's published policy",
        service: Iam,
        severity: Medium,
        wa: ["SEC03-BP02"],
        reads: ["iam:GetAccountAuthorizationDetails", "iam:GetPolicyVersion"],
    }
}

/// Actions (and the only wildcards) the controller's policy uses.
const NEEDED: &[&str] = &[
    "iam:CreateServiceLinkedRole",
    "iam:ListServerCertificates",
    "iam:GetServerCertificate",
    "ec2:Describe*",
    "ec2:GetCoipPoolUsage",
    "ec2:GetSecurityGroupsForVpc",
    "ec2:CreateSecurityGroup",
    "ec2:DeleteSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:CreateTags",
    "ec2:DeleteTags",
    "elasticloadbalancing:Describe*",
    "elasticloadbalancing:CreateLoadBalancer",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:CreateTargetGroup",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:DeleteListener",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:ModifyListenerAttributes",
    "elasticloadbalancing:AddListenerCertificates",
    "elasticloadbalancing:RemoveListenerCertificates",
    "elasticloadbalancing:CreateRule",
    "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:AddTags",
    "elasticloadbalancing:RemoveTags",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:SetWebAcl",
    "elasticloadbalancing:RegisterTargets",
    "elasticloadbalancing:DeregisterTargets",
    "acm:ListCertificates",
    "acm:DescribeCertificate",
    "cognito-idp:DescribeUserPoolClient",
    "waf-regional:GetWebACL",
    "waf-regional:GetWebACLForResource",
    "waf-regional:AssociateWebACL",
    "waf-regional:DisassociateWebACL",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "wafv2:AssociateWebACL",
    "wafv2:DisassociateWebACL",
    "shield:GetSubscriptionState",
    "shield:DescribeProtection",
    "shield:CreateProtection",
    "shield:DeleteProtection",
];

fn is_controller(role: &auditor_model::iam::Role) -> bool {
    if role
        .role_name
        .to_ascii_lowercase()
        .contains("load-balancer-controller")
    {
        return true;
    }
    role.trust_policy
        .as_deref()
        .and_then(|t| PolicyDocument::parse(t).ok())
        .is_some_and(|d| {
            d.statements().iter().any(|s| {
                s.conditions.iter().any(|c| {
                    c.key.to_ascii_lowercase().ends_with(":sub")
                        && c.values
                            .iter()
                            .any(|v| v.ends_with(":aws-load-balancer-controller"))
                })
            })
        })
}

impl Check for LbControllerOverprivileged {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let (Some(iam), Some(roles)) =
            (ctx.iam().ok(), super::part(ctx, out, "role", |a| &a.roles))
        else {
            return;
        };
        for role in roles.iter().filter(|r| is_controller(r)) {
            let res = super::resource(ctx, &role.arn, "role", &role.role_name);
            let inline: Vec<_> = role.inline_policies.iter().collect();
            let attached: Vec<_> = role.attached_policies.iter().collect();
            let policies = match super::load(
                iam,
                &format!("role/{}", role.role_name),
                &inline,
                &attached,
                role.permissions_boundary.as_ref(),
            ) {
                Ok(p) => p,
                Err(why) => {
                    out.not_assessed_because(res, why);
                    continue;
                }
            };
            let mut extra: Vec<Evidence> = Vec::new();
            for (name, doc) in &policies.identity {
                for s in doc.statements().iter().filter(|s| s.allow) {
                    let field = format!("{name}.{}", s.label());
                    if !s.not_action.is_empty() {
                        extra.push(ev(
                            field.clone(),
                            format!("NotAction {}", s.not_action.join(", ")),
                            "allows everything but a list: far beyond the controller's needs",
                        ));
                    }
                    for a in &s.action {
                        if !NEEDED.iter().any(|n| n.eq_ignore_ascii_case(a)) {
                            extra.push(ev(
                                field.clone(),
                                a.clone(),
                                "not an action the controller's published policy uses",
                            ));
                        }
                    }
                }
            }
            if extra.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "identity policies",
                        format!("{} policies", policies.identity.len()),
                        "only actions the controller needs",
                    )],
                );
            } else {
                out.fail(res, extra);
            }
        }
    }
}
