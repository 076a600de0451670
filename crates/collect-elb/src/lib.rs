//! The Elastic Load Balancing (v2) collector: each region's load balancers with their
//! listeners (and the rules of application load balancers' HTTP listeners) and attributes,
//! and the TLS policies the listeners use (`DescribeSslPolicies`, so that a policy's
//! protocols are AWS's answer, not a list kept here).
//!
//! Architecture invariant: SDK types stop here (see `auditor_model::elb`). Calls are
//! `Describe*` only; per-load-balancer calls run `concurrency` at a time.
#![deny(missing_docs)]

use auditor_model::elb::{Action, ElbRegion, Listener, LoadBalancer, Rule};
use auditor_model::{Collected, Gap};
use aws_config::SdkConfig;
use aws_sdk_elasticloadbalancingv2::Client;
use futures::stream::{self, StreamExt};
use std::collections::{BTreeMap, BTreeSet};

/// The service name used in coverage gaps.
pub const SERVICE: &str = "elb";

/// Collects one region. Never fails: an API that fails becomes a gap in its part.
pub async fn collect_region(cfg: &SdkConfig, region: &str, concurrency: usize) -> ElbRegion {
    let c = Client::new(cfg);
    let r = Some(region);
    let lbs = auditor_aws::paged(
        SERVICE,
        r,
        "elasticloadbalancing:DescribeLoadBalancers",
        c.describe_load_balancers()
            .page_size(400)
            .into_paginator()
            .items()
            .send(),
    )
    .await;
    let load_balancers: Result<Vec<LoadBalancer>, Gap> = match lbs {
        Ok(list) => Ok(stream::iter(list.iter().filter_map(|lb| {
            let arn = lb.load_balancer_arn()?.to_owned();
            Some(load_balancer(&c, region, arn, lb))
        }))
        .buffered(concurrency.max(1))
        .collect()
        .await),
        Err(g) => Err(g),
    };
    let used: BTreeSet<String> = load_balancers
        .iter()
        .flatten()
        .filter_map(|lb| lb.listeners.get().ok())
        .flatten()
        .filter_map(|l| l.ssl_policy.clone())
        .collect();
    let ssl_policies = if used.is_empty() {
        Ok(BTreeMap::new())
    } else {
        c.describe_ssl_policies()
            .set_names(Some(used.into_iter().collect()))
            .send()
            .await
            .map(|o| {
                o.ssl_policies()
                    .iter()
                    .filter_map(|p| Some((p.name()?.to_owned(), p.ssl_protocols().to_vec())))
                    .collect()
            })
            .map_err(|e| {
                auditor_aws::gap(SERVICE, r, "elasticloadbalancing:DescribeSslPolicies", &e)
            })
    };
    ElbRegion {
        load_balancers: Collected::from_result(load_balancers),
        ssl_policies: Collected::from_result(ssl_policies),
    }
}

fn action(a: &aws_sdk_elasticloadbalancingv2::types::Action) -> Action {
    Action {
        kind: a
            .r#type()
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        redirect_protocol: a
            .redirect_config()
            .and_then(|r| r.protocol())
            .map(str::to_owned),
    }
}

async fn load_balancer(
    c: &Client,
    region: &str,
    arn: String,
    lb: &aws_sdk_elasticloadbalancingv2::types::LoadBalancer,
) -> LoadBalancer {
    let r = Some(region);
    let kind = lb
        .r#type()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default();
    let (listeners, attributes) = futures::join!(
        auditor_aws::paged(
            SERVICE,
            r,
            "elasticloadbalancing:DescribeListeners",
            c.describe_listeners()
                .load_balancer_arn(&arn)
                .page_size(400)
                .into_paginator()
                .items()
                .send(),
        ),
        c.describe_load_balancer_attributes()
            .load_balancer_arn(&arn)
            .send(),
    );
    let listeners = match listeners {
        Ok(list) => {
            let mut out = Vec::with_capacity(list.len());
            for l in list {
                let Some(larn) = l.listener_arn() else {
                    continue;
                };
                let protocol = l
                    .protocol()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
                let rules = if kind == "application" && protocol == "HTTP" {
                    Some(Collected::from_result(
                        auditor_aws::paged(
                            SERVICE,
                            r,
                            "elasticloadbalancing:DescribeRules",
                            c.describe_rules()
                                .listener_arn(larn)
                                .page_size(400)
                                .into_paginator()
                                .items()
                                .send(),
                        )
                        .await
                        .map(|rules| {
                            rules
                                .iter()
                                .map(|rule| Rule {
                                    priority: rule.priority().unwrap_or("default").to_owned(),
                                    actions: rule.actions().iter().map(action).collect(),
                                })
                                .collect()
                        }),
                    ))
                } else {
                    None
                };
                out.push(Listener {
                    arn: larn.to_owned(),
                    // Only TLS listeners have a policy (an emulator may name one on HTTP).
                    ssl_policy: matches!(protocol.as_str(), "HTTPS" | "TLS")
                        .then(|| l.ssl_policy().map(str::to_owned))
                        .flatten(),
                    protocol,
                    port: l.port(),
                    default_actions: l.default_actions().iter().map(action).collect(),
                    rules,
                });
            }
            Ok(out)
        }
        Err(g) => Err(g),
    };
    let attributes = attributes
        .map(|o| {
            o.attributes()
                .iter()
                .filter_map(|a| Some((a.key()?.to_owned(), a.value()?.to_owned())))
                .collect()
        })
        .map_err(|e| {
            auditor_aws::gap(
                SERVICE,
                r,
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                &e,
            )
        });
    LoadBalancer {
        arn,
        name: lb.load_balancer_name().unwrap_or_default().to_owned(),
        kind,
        scheme: lb
            .scheme()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        vpc_id: lb.vpc_id().map(str::to_owned),
        subnets: lb
            .availability_zones()
            .iter()
            .filter_map(|z| z.subnet_id().map(str::to_owned))
            .collect(),
        security_groups: lb.security_groups().to_vec(),
        listeners: Collected::from_result(listeners),
        attributes: Collected::from_result(attributes),
    }
}
