//! ELB-001: an internet-facing application load balancer serves plain HTTP.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every internet-facing application load balancer's HTTP listeners
    /// (DescribeListeners) and their rules (DescribeRules). A listener passes when its
    /// default action and every rule's actions redirect to HTTPS or answer with a fixed
    /// response; it fails when any request can be forwarded (or authenticated) over plain
    /// HTTP. A load balancer without HTTP listeners passes. Internal and network load
    /// balancers are not evaluated.
    ///
    /// ## Why it matters
    /// Plain HTTP from the internet can be read and changed on the way: session cookies,
    /// tokens and form data in clear text. The AWS Security Profile review asks to verify
    /// that load balancers require HTTPS, and the GitOps security practices terminate TLS
    /// at the load balancer with certificates from ACM or cert-manager.
    ///
    /// ## Remediation
    /// Make the HTTP listener's default action a redirect: `aws elbv2 modify-listener
    /// --region <region> --listener-arn LISTENER --default-actions
    /// 'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}'`,
    /// and remove rules that forward HTTP. With the AWS Load Balancer Controller, annotate
    /// the Ingress with `alb.ingress.kubernetes.io/ssl-redirect: '443'`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-1
    pub(crate) struct AlbHttpNotRedirected {
        code: "ELB-001",
        name: "alb-http-not-redirected",
        title: "Internet-facing application load balancer serves plain HTTP instead of redirecting to HTTPS",
        service: Elb,
        severity: High,
        wa: ["SEC09-BP02"],
        fsbp: ["ELB.1"],
        reads: [
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeRules",
        ],
    }
}

impl Check for AlbHttpNotRedirected {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_lb(ctx, out, |region, _, lb, out| {
            if lb.kind != "application" || !lb.internet_facing() {
                return;
            }
            let res = super::lb_resource(inv, region, lb);
            let listeners = match lb.listeners.get() {
                Ok(l) => l,
                Err(gap) => return out.not_assessed(res, gap),
            };
            let mut failing = Vec::new();
            let mut fine = Vec::new();
            for l in listeners.iter().filter(|l| l.protocol == "HTTP") {
                let port = l.port.map(|p| p.to_string()).unwrap_or_default();
                let rules = match &l.rules {
                    Some(r) => match r.get() {
                        Ok(r) => r.as_slice(),
                        Err(gap) => return out.not_assessed(res, gap),
                    },
                    None => &[],
                };
                let leaks: Vec<String> = l
                    .default_actions
                    .iter()
                    .filter(|a| !a.keeps_http_off())
                    .map(|a| format!("default action {}", a.kind))
                    .chain(
                        rules
                            .iter()
                            .filter(|r| r.priority != "default")
                            .flat_map(|r| {
                                r.actions
                                    .iter()
                                    .filter(|a| !a.keeps_http_off())
                                    .map(move |a| format!("rule {} {}", r.priority, a.kind))
                            }),
                    )
                    .collect();
                if leaks.is_empty() {
                    fine.push(ev(
                        format!("Listener HTTP:{port}"),
                        "redirects to HTTPS",
                        "no request is served in clear text",
                    ));
                } else {
                    failing.push(ev(
                        format!("Listener HTTP:{port}"),
                        leaks.join(", "),
                        "requests from the internet are served over plain HTTP",
                    ));
                }
            }
            if !failing.is_empty() {
                out.fail(res, failing);
            } else if fine.is_empty() {
                out.pass(
                    res,
                    vec![ev("Listeners", "no HTTP listener", "only TLS is offered")],
                );
            } else {
                out.pass(res, fine);
            }
        });
    }
}
