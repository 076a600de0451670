//! ELB-004: a load balancer can be deleted without first turning protection off.

use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every load balancer's attribute `deletion_protection.enabled`
    /// (DescribeLoadBalancerAttributes): it must be `true`. Absent, it is AWS's default,
    /// `false`.
    ///
    /// ## Why it matters
    /// A load balancer deleted by mistake or by a compromised automation identity takes the
    /// service down and releases its DNS name. With protection on, deleting it takes a
    /// second, deliberate change that shows in CloudTrail first.
    ///
    /// ## Remediation
    /// `aws elbv2 modify-load-balancer-attributes --region <region> --load-balancer-arn
    /// <arn> --attributes Key=deletion_protection.enabled,Value=true` (with the AWS Load
    /// Balancer Controller, `alb.ingress.kubernetes.io/load-balancer-attributes:
    /// deletion_protection.enabled=true`).
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#deletion-protection
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-6
    pub(crate) struct LbDeletionProtectionOff {
        code: "ELB-004",
        name: "lb-deletion-protection-off",
        title: "Load balancer deletion protection is off",
        service: Elb,
        severity: Low,
        wa: ["SEC06-BP02"],
        fsbp: ["ELB.6"],
        reads: [
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
        ],
    }
}

impl Check for LbDeletionProtectionOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_lb(ctx, out, |region, _, lb, out| {
            super::judge_attribute(
                inv,
                region,
                lb,
                out,
                "deletion_protection.enabled",
                "deleting it takes a deliberate change first",
                "one API call deletes it and takes the service down",
            );
        });
    }
}
