//! EKS-003: control-plane logging lacks api, audit or authenticator.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

/// The log types an investigation needs.
const REQUIRED: [&str; 3] = ["api", "audit", "authenticator"];

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's `logging.clusterLogging`. It fails when any of the `api`,
    /// `audit` and `authenticator` control-plane log types is not enabled, naming the
    /// missing ones; it passes when all three are sent to CloudWatch Logs.
    ///
    /// ## Why it matters
    /// The audit log records who did what through the Kubernetes API; the authenticator
    /// log maps those requests to IAM principals; the api log shows the API server's own
    /// view. Without them an incident on the cluster cannot be reconstructed. The Amazon EKS security checklist
    /// (Monitoring) and the EKS GitOps security guide §7 ask for control-plane logs.
    ///
    /// ## Remediation
    /// `aws eks update-cluster-config --region <region> --name <cluster> --logging
    /// '{"clusterLogging":[{"types":["api","audit","authenticator"],"enabled":true}]}'`,
    /// and set a retention period on the `/aws/eks/<cluster>/cluster` log group.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/eks-controls.html#eks-8
    pub(crate) struct ControlPlaneLogging {
        code: "EKS-003",
        name: "control-plane-logging-incomplete",
        title: "Control-plane logging lacks api, audit or authenticator",
        service: Eks,
        severity: Medium,
        wa: ["SEC04-BP01"],
        fsbp: ["EKS.8"],
        reads: ["eks:ListClusters", "eks:DescribeCluster"],
    }
}

impl Check for ControlPlaneLogging {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        super::for_each_cluster(ctx, out, |region, _, c, out| {
            let res = super::cluster_resource(inv, region, c);
            let on = if c.enabled_log_types.is_empty() {
                "none enabled".to_owned()
            } else {
                format!("enabled: {}", c.enabled_log_types.join(", "))
            };
            let missing: Vec<&str> = REQUIRED
                .into_iter()
                .filter(|t| !c.enabled_log_types.iter().any(|e| e == t))
                .collect();
            if missing.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "logging.clusterLogging",
                        on,
                        "api, audit and authenticator logs are sent to CloudWatch Logs",
                    )],
                );
            } else {
                out.fail(
                    res,
                    vec![ev(
                        "logging.clusterLogging",
                        on,
                        format!("not logged: {}", missing.join(", ")),
                    )],
                );
            }
        });
    }
}
