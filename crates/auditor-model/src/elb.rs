//! Elastic Load Balancing (v2) inventory types, one [`ElbRegion`] per region.

use crate::Collected;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything collected from Elastic Load Balancing in one region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ElbRegion {
    /// DescribeLoadBalancers, with each one's listeners and attributes.
    #[serde(default)]
    pub load_balancers: Collected<Vec<LoadBalancer>>,
    /// DescribeSslPolicies of the policies the listeners use: name → TLS protocols
    /// (`TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`).
    #[serde(default)]
    pub ssl_policies: Collected<BTreeMap<String, Vec<String>>>,
}

/// A load balancer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadBalancer {
    /// Its ARN.
    pub arn: String,
    /// Its name.
    pub name: String,
    /// `application`, `network` or `gateway`.
    pub kind: String,
    /// `internet-facing` or `internal`.
    pub scheme: String,
    /// Its VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The subnets it has nodes in.
    #[serde(default)]
    pub subnets: Vec<String>,
    /// Its security groups.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// DescribeListeners.
    #[serde(default)]
    pub listeners: Collected<Vec<Listener>>,
    /// DescribeLoadBalancerAttributes: key → value, as AWS names them
    /// (`routing.http.drop_invalid_header_fields.enabled`, `deletion_protection.enabled`).
    #[serde(default)]
    pub attributes: Collected<BTreeMap<String, String>>,
}

/// A listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    /// Its ARN.
    pub arn: String,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`.
    pub protocol: String,
    /// Its port.
    #[serde(default)]
    pub port: Option<i32>,
    /// The TLS policy of an HTTPS or TLS listener.
    #[serde(default)]
    pub ssl_policy: Option<String>,
    /// What it does with requests no rule matches.
    #[serde(default)]
    pub default_actions: Vec<Action>,
    /// DescribeRules, for HTTP listeners of application load balancers (whose rules can
    /// forward some requests in plain HTTP while the default redirects).
    #[serde(default)]
    pub rules: Option<Collected<Vec<Rule>>>,
}

/// A listener's or rule's action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// `forward`, `redirect`, `fixed-response`, `authenticate-oidc`, ...
    pub kind: String,
    /// A redirect's protocol (`HTTPS`, `HTTP`, `#{protocol}`).
    #[serde(default)]
    pub redirect_protocol: Option<String>,
}

/// A listener rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Its priority (`default` for the default rule).
    pub priority: String,
    /// Its actions, in order.
    #[serde(default)]
    pub actions: Vec<Action>,
}

impl LoadBalancer {
    /// Whether it is reachable from the internet.
    pub fn internet_facing(&self) -> bool {
        self.scheme == "internet-facing"
    }

    /// An attribute's value, when read and set.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .get()
            .ok()
            .and_then(|a| a.get(key))
            .map(String::as_str)
    }
}

impl Action {
    /// Whether the action answers without serving the request over plain HTTP: a redirect
    /// to HTTPS, or a fixed response.
    pub fn keeps_http_off(&self) -> bool {
        match self.kind.as_str() {
            "redirect" => self
                .redirect_protocol
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case("HTTPS")),
            "fixed-response" => true,
            _ => false,
        }
    }
}
