//! ELB-002: an HTTPS or TLS listener accepts TLS 1.0 or 1.1.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every HTTPS and TLS listener of every load balancer (DescribeListeners), against the
    /// protocols its security policy allows, as AWS describes the policy
    /// (DescribeSslPolicies). It fails when the policy allows TLS 1.0 or 1.1
    /// (`ELBSecurityPolicy-2016-08`, the default of older tools, does), and passes when it
    /// allows TLS 1.2 and later only. It judges protocol versions only: Security Hub's ELB.17
    /// also fails TLS-1.2-only policies that are not on its list of recommended policies
    /// (`ELBSecurityPolicy-TLS-1-2-2017-01`, the `FS-1-2` family). A load balancer without TLS
    /// listeners is not evaluated; a listener whose policy was not described makes the
    /// finding "not assessed" unless another listener already fails.
    ///
    /// ## Why it matters
    /// TLS 1.0 and 1.1 are deprecated (RFC 8996): their cipher suites and handshakes have
    /// known weaknesses, and a client can be pushed down to them. AWS recommends the TLS
    /// 1.3 policies (`ELBSecurityPolicy-TLS13-1-2-2021-06`), which keep TLS 1.2 for older
    /// clients.
    ///
    /// ## Remediation
    /// `aws elbv2 modify-listener --region <region> --listener-arn LISTENER --ssl-policy
    /// ELBSecurityPolicy-TLS13-1-2-2021-06`; with the AWS Load Balancer Controller, the
    /// annotation `alb.ingress.kubernetes.io/ssl-policy`.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-17
    /// - https://www.rfc-editor.org/rfc/rfc8996
    pub(crate) struct ListenerTlsPolicyOutdated {
        code: "ELB-002",
        name: "listener-tls-policy-outdated",
        title: "HTTPS or TLS listener allows TLS 1.0 or 1.1",
        service: Elb,
        severity: Medium,
        wa: ["SEC09-BP02"],
        fsbp: ["ELB.17"],
        reads: [
            "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeSslPolicies",
        ],
    }
}

impl Check for ListenerTlsPolicyOutdated {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_lb(ctx, out, |region, data, lb, out| {
            let res = super::lb_resource(inv, region, lb);
            let listeners = match lb.listeners.get() {
                Ok(l) => l,
                Err(gap) => return out.not_assessed(res, gap),
            };
            let tls: Vec<_> = listeners
                .iter()
                .filter(|l| matches!(l.protocol.as_str(), "HTTPS" | "TLS"))
                .collect();
            if tls.is_empty() {
                return;
            }
            let policies = match data.ssl_policies.get() {
                Ok(p) => p,
                Err(gap) => return out.not_assessed(res, gap),
            };
            let mut failing = Vec::new();
            let mut fine = Vec::new();
            let mut unknown = None;
            for l in tls {
                let port = l.port.map(|p| p.to_string()).unwrap_or_default();
                let field = format!("Listener {}:{port} SslPolicy", l.protocol);
                let Some(name) = &l.ssl_policy else {
                    unknown.get_or_insert_with(|| {
                        format!(
                            "the {} listener on port {port} names no security policy",
                            l.protocol
                        )
                    });
                    continue;
                };
                let Some(protocols) = policies.get(name) else {
                    unknown.get_or_insert_with(|| {
                        format!("DescribeSslPolicies did not describe {name}")
                    });
                    continue;
                };
                let old: Vec<&str> = protocols
                    .iter()
                    .map(String::as_str)
                    .filter(|p| matches!(*p, "TLSv1" | "TLSv1.1" | "SSLv3"))
                    .collect();
                if old.is_empty() {
                    fine.push(ev(field, name.clone(), "TLS 1.2 or later only"));
                } else {
                    failing.push(ev(
                        field,
                        format!("{name} ({})", protocols.join(", ")),
                        format!("allows {}", old.join(", ")),
                    ));
                }
            }
            match unknown {
                _ if !failing.is_empty() => out.fail(res, failing),
                Some(why) => out.not_assessed_because(res, why),
                None => out.pass(res, fine),
            }
        });
    }
}
