//! EKS-016: the vpc-cni add-on does not enforce Kubernetes network policies.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every cluster's `vpc-cni` add-on (DescribeAddon): its configuration values must set
    /// `enableNetworkPolicy` to `"true"`. A cluster whose vpc-cni is not a managed add-on is
    /// "not assessed" (its self-managed configuration, or another CNI, is only visible in
    /// the cluster).
    ///
    /// ## Why it matters
    /// Kubernetes NetworkPolicy objects do nothing unless the network plugin enforces them.
    /// On EKS the VPC CNI enforces them only when its add-on configuration turns network
    /// policy on; otherwise every pod can reach every other pod, in every namespace, and a
    /// compromised pod reaches databases and internal APIs directly. The Amazon EKS
    /// security checklist and the GitOps security practices both ask for network policies
    /// between pods.
    ///
    /// ## Remediation
    /// `aws eks update-addon --region <region> --cluster-name <cluster> --addon-name
    /// vpc-cni --configuration-values '{"enableNetworkPolicy":"true"}'` (vpc-cni 1.14 or
    /// later), then write default-deny NetworkPolicies per namespace.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
    /// - https://docs.aws.amazon.com/eks/latest/best-practices/network-security.html
    pub(crate) struct VpcCniNetworkPolicyOff {
        code: "EKS-016",
        name: "vpc-cni-network-policy-off",
        title: "The vpc-cni add-on does not enforce Kubernetes network policies",
        service: Eks,
        severity: Medium,
        wa: ["SEC05-BP02"],
        reads: [
            "eks:ListClusters",
            "eks:DescribeCluster",
            "eks:ListAddons",
            "eks:DescribeAddon",
        ],
    }
}

/// The `enableNetworkPolicy` value of an add-on's configuration (JSON, or YAML's simple
/// `key: value` form), if set.
fn network_policy_setting(config: &str) -> Option<String> {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(config) {
        return v.get("enableNetworkPolicy").map(|x| match x {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    config.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == "enableNetworkPolicy")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\'').to_owned())
    })
}

impl Check for VpcCniNetworkPolicyOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let addons = match c.addons.get() {
                Ok(a) => a,
                Err(gap) => return out.not_assessed(res, gap),
            };
            let Some(cni) = addons.iter().find(|a| a.name == "vpc-cni") else {
                return out.not_assessed_because(
                    res,
                    "vpc-cni is not a managed add-on: whether network policies are enforced is \
                     set in the cluster (aws-node's configuration, or another CNI)",
                );
            };
            let setting = cni
                .configuration_values
                .as_deref()
                .and_then(network_policy_setting);
            match setting.as_deref() {
                Some(v) if v.eq_ignore_ascii_case("true") => out.pass(
                    res,
                    vec![ev(
                        "addon vpc-cni configurationValues.enableNetworkPolicy",
                        v,
                        "NetworkPolicy objects are enforced",
                    )],
                ),
                other => out.fail(
                    res,
                    vec![ev(
                        "addon vpc-cni configurationValues.enableNetworkPolicy",
                        other.unwrap_or("not set (false)"),
                        "NetworkPolicy objects are ignored: every pod reaches every pod",
                    )],
                ),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::network_policy_setting;

    #[test]
    fn the_setting_is_read_from_json_or_yaml() {
        assert_eq!(
            network_policy_setting(r#"{"enableNetworkPolicy":"true","env":{}}"#).as_deref(),
            Some("true")
        );
        assert_eq!(
            network_policy_setting(r#"{"enableNetworkPolicy":true}"#).as_deref(),
            Some("true")
        );
        assert_eq!(
            network_policy_setting("env:\n  A: b\nenableNetworkPolicy: \"true\"\n").as_deref(),
            Some("true")
        );
        assert_eq!(network_policy_setting(r#"{"env":{}}"#), None);
    }
}
