//! GuardDuty inventory types, one [`GuardDutyRegion`] per region.

use crate::Collected;
use serde::{Deserialize, Serialize};

/// Everything collected from GuardDuty in one region.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GuardDutyRegion {
    /// ListDetectors, each read with GetDetector (a region has at most one per account).
    #[serde(default)]
    pub detectors: Collected<Vec<Detector>>,
}

/// A detector and its protection plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detector {
    /// The detector id.
    pub id: String,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// Protection plans (`EKS_AUDIT_LOGS`, `RUNTIME_MONITORING`, `EKS_RUNTIME_MONITORING`,
    /// ...), as GetDetector's `Features` lists them.
    #[serde(default)]
    pub features: Vec<Feature>,
    /// The older `DataSources.Kubernetes.AuditLogs.Status`, when GuardDuty sends it.
    #[serde(default)]
    pub kubernetes_audit_logs: Option<String>,
}

/// A protection plan of a detector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// e.g. `EKS_AUDIT_LOGS`.
    pub name: String,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// Its additional configuration, e.g. (`EKS_ADDON_MANAGEMENT`, `ENABLED`).
    #[serde(default)]
    pub additional: Vec<(String, String)>,
}

impl Detector {
    /// Whether the detector is on.
    pub fn enabled(&self) -> bool {
        self.status.eq_ignore_ascii_case("ENABLED")
    }

    /// The status of a protection plan, if the detector lists it.
    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.name == name)
    }
}

impl Feature {
    /// Whether the plan is on.
    pub fn enabled(&self) -> bool {
        self.status.eq_ignore_ascii_case("ENABLED")
    }

    /// Whether an additional configuration of the plan is on.
    pub fn additional_enabled(&self, name: &str) -> bool {
        self.additional
            .iter()
            .any(|(n, s)| n == name && s.eq_ignore_ascii_case("ENABLED"))
    }
}
