//! EKS-003: control-plane logging lacks api, audit or authenticator.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every EKS cluster's `logging.clusterLogging`. It fails when any of the `api`,
    /// `audit` and `authenticator` control-plane log types is not enabled, naming the
    /// missing ones; it passes when all three are sent to CloudWatch Logs. The types
    /// required are `checks.eks.required_log_types` in config (it must include `audit`);
    /// list all five to require `controllerManager` and `scheduler` too.
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
            let missing: Vec<&str> = ctx
                .settings
                .eks_required_log_types
                .iter()
                .map(String::as_str)
                .filter(|t| !c.enabled_log_types.iter().any(|e| e == t))
                .collect();
            if missing.is_empty() {
                out.pass(
                    res,
                    vec![ev(
                        "logging.clusterLogging",
                        on,
                        format!(
                            "{} logs are sent to CloudWatch Logs",
                            ctx.settings.eks_required_log_types.join(", ")
                        ),
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

#[cfg(test)]
mod tests {
    use crate::{run_check, Settings, EKS_LOG_TYPES};
    use auditor_model::{Inventory, Status};

    /// The fixture's inventory with all five log types required: only the cluster that
    /// sends all five passes, and the missing types are named.
    #[test]
    fn required_log_types_come_from_settings() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/EKS-003.json")).unwrap();
        let inv: Inventory = serde_json::from_value(fixture["inventory"].clone()).unwrap();
        let settings = Settings {
            eks_required_log_types: EKS_LOG_TYPES.iter().map(|t| (*t).to_owned()).collect(),
            ..Settings::default()
        };
        let check = crate::by_code("EKS-003").unwrap();
        let got: Vec<(String, Status, String)> = run_check(check, &inv, &settings)
            .into_iter()
            .map(|f| {
                let why = f
                    .evidence
                    .first()
                    .map(|e| e.reason.to_string())
                    .unwrap_or_default();
                (f.resource.id, f.status, why)
            })
            .collect();
        let of = |id: &str| got.iter().find(|g| g.0.ends_with(id)).unwrap();
        assert_eq!(of("all").1, Status::Pass, "{got:?}");
        assert_eq!(of("three").1, Status::Fail, "{got:?}");
        assert_eq!(of("three").2, "not logged: controllerManager, scheduler");
        assert_eq!(of("api-only").1, Status::Fail);
    }
}
