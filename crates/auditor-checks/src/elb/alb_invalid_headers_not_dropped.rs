//! ELB-003: an application load balancer passes invalid HTTP headers on.

use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every application load balancer's attribute
    /// `routing.http.drop_invalid_header_fields.enabled` (DescribeLoadBalancerAttributes):
    /// it must be `true`. Absent, it is AWS's default, `false`.
    ///
    /// ## Why it matters
    /// Header names that are not valid HTTP are how request smuggling and header
    /// injection reach the targets behind the load balancer. Dropping them at the edge
    /// protects every workload behind it at once.
    ///
    /// ## Remediation
    /// `aws elbv2 modify-load-balancer-attributes --region <region> --load-balancer-arn
    /// <arn> --attributes Key=routing.http.drop_invalid_header_fields.enabled,Value=true`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-4
    pub(crate) struct AlbInvalidHeadersNotDropped {
        code: "ELB-003",
        name: "alb-invalid-headers-not-dropped",
        title: "Application load balancer does not drop invalid HTTP headers",
        service: Elb,
        severity: Low,
        wa: ["SEC05-BP04"],
        fsbp: ["ELB.4"],
        reads: [
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
        ],
    }
}

impl Check for AlbInvalidHeadersNotDropped {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_lb(ctx, out, |region, _, lb, out| {
            if lb.kind != "application" {
                return;
            }
            super::judge_attribute(
                inv,
                region,
                lb,
                out,
                "routing.http.drop_invalid_header_fields.enabled",
                "invalid header fields are dropped before they reach the targets",
                "requests with invalid header fields reach the targets (request smuggling, header injection)",
            );
        });
    }
}
