//! EKS-004: the Kubernetes version is behind, or in extended support.

use super::calendar::{self, Support};
use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};
use auditor_model::eks::minor_version;

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's Kubernetes version against the versions EKS offers in its region
    /// (`DescribeClusterVersions`). It fails when the cluster is more than one minor version
    /// behind the newest supported version, when its version is in extended support, or when
    /// the version is no longer supported at all. Where `DescribeClusterVersions` is not
    /// offered or refused, it uses the release calendar the auditor ships
    /// (`config/eks-versions.toml`) against the audit's collection date, and the evidence
    /// says so.
    ///
    /// ## Why it matters
    /// Kubernetes fixes security bugs only in recent minor versions. A cluster in extended
    /// support costs more per hour and is auto-upgraded, untested, when that ends; a cluster
    /// two versions behind faces several consecutive upgrades under pressure when a CVE
    /// lands. The EKS GitOps security guide §9 asks to stay on a supported version.
    ///
    /// ## Remediation
    /// Upgrade one minor version at a time: check deprecated APIs (EKS upgrade insights),
    /// then `aws eks update-cluster-version --region <region> --name <cluster> --kubernetes-version 1.xx`, then
    /// upgrade add-ons and node groups.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
    /// - https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html
    pub(crate) struct VersionOutdated {
        code: "EKS-004",
        name: "version-outdated",
        title: "Kubernetes version more than one minor behind, or in extended support",
        service: Eks,
        severity: Medium,
        wa: ["SEC06-BP01"],
        fsbp: ["EKS.2"],
        reads: ["eks:ListClusters", "eks:DescribeCluster", "eks:DescribeClusterVersions"],
    }
}

impl Check for VersionOutdated {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        let now = inv.collected_at.as_deref();
        super::for_each_cluster(ctx, out, |region, data, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let Some(version) = c.version.as_deref() else {
                return out.not_assessed_because(res, "DescribeCluster returned no version");
            };
            let Some(minor) = minor_version(version) else {
                return out.not_assessed_because(
                    res,
                    format!("version '{version}' is not a Kubernetes major.minor version"),
                );
            };
            let offered = calendar::offered(data, now);
            let Some(newest) = offered.newest() else {
                return out.not_assessed_because(
                    res,
                    format!("no supported versions are known ({})", offered.source),
                );
            };
            let source = format!("source: {}", offered.source);
            let mut failing = Vec::new();
            let behind = if newest.minor.0 == minor.0 {
                newest.minor.1.saturating_sub(minor.1)
            } else if newest.minor > minor {
                u32::MAX
            } else {
                0
            };
            if behind > 1 {
                failing.push(ev(
                    "version",
                    version,
                    format!(
                        "{} minor versions behind {}, the newest offered ({source})",
                        if behind == u32::MAX {
                            "many".to_owned()
                        } else {
                            behind.to_string()
                        },
                        newest.version
                    ),
                ));
            }
            match offered.get(minor).map(|o| (o.support, o)) {
                Some((Support::Extended, o)) => failing.push(ev(
                    "version",
                    version,
                    format!(
                        "in extended support{} ({source})",
                        o.end_of_standard_support
                            .as_deref()
                            .map(|d| format!(" since {}", d.get(..10).unwrap_or(d)))
                            .unwrap_or_default()
                    ),
                )),
                Some((Support::Unsupported, _)) => failing.push(ev(
                    "version",
                    version,
                    format!("no longer supported by EKS ({source})"),
                )),
                None if offered
                    .versions
                    .iter()
                    .map(|o| o.minor)
                    .min()
                    .is_some_and(|oldest| minor < oldest) =>
                {
                    failing.push(ev(
                        "version",
                        version,
                        format!("older than every version EKS offers ({source})"),
                    ))
                }
                _ => {}
            }
            if failing.is_empty() {
                let support = match offered.get(minor).map(|o| o.support) {
                    Some(Support::Standard) => "in standard support",
                    _ => "support status not stated by the source",
                };
                out.pass(
                    res,
                    vec![ev(
                        "version",
                        version,
                        format!(
                            "within one minor of {}, {support} ({source})",
                            newest.version
                        ),
                    )],
                );
            } else {
                out.fail(res, failing);
            }
        });
    }
}
