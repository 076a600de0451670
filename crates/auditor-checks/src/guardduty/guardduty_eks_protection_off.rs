//! GUARDDUTY-002: a region runs EKS clusters without GuardDuty's EKS protection.

use crate::emit::ev;
use crate::{declare_check, Check, CheckContext, Emitter};

declare_check! {
    /// ## What it checks
    /// Every audited region that runs EKS clusters (ListClusters): its enabled GuardDuty
    /// detector must have EKS audit log monitoring (the `EKS_AUDIT_LOGS` feature, or the
    /// older `DataSources.Kubernetes.AuditLogs`) and runtime monitoring with its EKS agent
    /// managed by GuardDuty (`RUNTIME_MONITORING` or `EKS_RUNTIME_MONITORING` with
    /// `EKS_ADDON_MANAGEMENT`). It fails naming what is off; with no enabled detector both
    /// are off (GUARDDUTY-001 reports the detector itself). Regions without clusters are not
    /// evaluated.
    ///
    /// ## Why it matters
    /// Audit log monitoring reports Kubernetes API abuse (anonymous access, privileged
    /// pods, credentials read from secrets); runtime monitoring reports what runs inside
    /// the nodes (reverse shells, crypto-miners, container escapes). Without them a
    /// compromised cluster looks healthy. The Amazon EKS security checklist asks for
    /// threat detection with Amazon GuardDuty.
    ///
    /// ## Remediation
    /// `aws guardduty update-detector --region <region> --detector-id ID --features
    /// '[{"Name":"EKS_AUDIT_LOGS","Status":"ENABLED"},{"Name":"RUNTIME_MONITORING","Status":"ENABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"ENABLED"}]}]'`.
    /// With agent management off, deploy the GuardDuty security agent add-on to every
    /// cluster yourself and disable this check.
    ///
    /// ## References
    /// - https://docs.aws.amazon.com/guardduty/latest/ug/kubernetes-protection.html
    /// - https://docs.aws.amazon.com/guardduty/latest/ug/runtime-monitoring.html
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/guardduty-controls.html#guardduty-5
    /// - https://docs.aws.amazon.com/securityhub/latest/userguide/guardduty-controls.html#guardduty-7
    pub(crate) struct GuardDutyEksProtectionOff {
        code: "GUARDDUTY-002",
        name: "guardduty-eks-protection-off",
        title: "GuardDuty EKS audit log or runtime monitoring is off where EKS clusters run",
        service: GuardDuty,
        severity: Medium,
        wa: ["SEC04-BP02", "SEC06-BP04"],
        fsbp: ["GuardDuty.5", "GuardDuty.7"],
        reads: ["guardduty:ListDetectors", "guardduty:GetDetector", "eks:ListClusters"],
    }
}

impl Check for GuardDutyEksProtectionOff {
    fn run(&self, ctx: &CheckContext<'_>, out: &mut Emitter<'_>) {
        let inv = ctx.inventory;
        for (region, data) in &inv.guardduty {
            let clusters = match ctx.eks(region).and_then(|e| e.clusters.read()) {
                Ok(c) => c,
                Err(gap) => {
                    out.not_assessed(super::region_resource(inv, region, None), &gap);
                    continue;
                }
            };
            if clusters.is_empty() {
                continue;
            }
            let detectors = match data.detectors.get() {
                Ok(d) => d,
                Err(gap) => {
                    out.not_assessed(super::region_resource(inv, region, None), gap);
                    continue;
                }
            };
            let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
            let running = ev(
                "ListClusters",
                names.join(", "),
                "EKS clusters run in this region",
            );
            let Some(d) = super::enabled(detectors) else {
                out.fail(
                    super::region_resource(inv, region, detectors.first()),
                    vec![
                        running,
                        ev(
                            "ListDetectors",
                            "no enabled detector",
                            "neither EKS audit logs nor the nodes' runtime are watched",
                        ),
                    ],
                );
                continue;
            };
            let audit_logs = d.feature("EKS_AUDIT_LOGS").is_some_and(|f| f.enabled())
                || d.kubernetes_audit_logs
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("ENABLED"));
            let runtime = ["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"]
                .iter()
                .filter_map(|n| d.feature(n))
                .any(|f| f.enabled() && f.additional_enabled("EKS_ADDON_MANAGEMENT"));
            let res = super::region_resource(inv, region, Some(d));
            let mut evidence = vec![running];
            evidence.push(ev(
                "Features.EKS_AUDIT_LOGS",
                if audit_logs { "ENABLED" } else { "off" },
                if audit_logs {
                    "Kubernetes API activity is analysed"
                } else {
                    "Kubernetes API abuse goes unreported"
                },
            ));
            evidence.push(ev(
                "Features.RUNTIME_MONITORING (EKS_ADDON_MANAGEMENT)",
                if runtime { "ENABLED" } else { "off" },
                if runtime {
                    "GuardDuty manages its agent on the clusters and watches the nodes"
                } else {
                    "what runs on the nodes is not watched, or its agent is left to you"
                },
            ));
            if audit_logs && runtime {
                out.pass(res, evidence);
            } else {
                out.fail(res, evidence);
            }
        }
    }
}
