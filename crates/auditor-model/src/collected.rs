//! `Collected<T>`: a piece of inventory that was either read or not, and why not.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a piece of data could not be read from AWS. Decides how the report explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// The caller lacks the IAM permission for the API.
    AccessDenied,
    /// AWS kept throttling after the SDK's retries.
    Throttled,
    /// The region is not enabled for the account (opt-in region).
    RegionDisabled,
    /// The endpoint does not offer this API (older region, emulator).
    NotOffered,
    /// The data is not in this inventory (an older snapshot, a service not selected).
    Absent,
    /// Anything else: a network failure, a malformed answer, an unexpected error.
    Other,
}

impl GapKind {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::AccessDenied => "access_denied",
            GapKind::Throttled => "throttled",
            GapKind::RegionDisabled => "region_disabled",
            GapKind::NotOffered => "not_offered",
            GapKind::Absent => "absent",
            GapKind::Other => "other",
        }
    }
}

/// A coverage gap: one API call (or region) whose data is missing from the inventory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Gap {
    /// The service, e.g. `ec2`.
    pub service: String,
    /// The region, or `None` for global services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The API as an IAM action, e.g. `ec2:DescribeFlowLogs`: what to grant to close the gap.
    pub api: String,
    /// The class of failure.
    pub kind: GapKind,
    /// One line of explanation, from AWS's error message where there is one.
    pub message: String,
    /// The one resource (its ARN) the gap is about, when it is about one that vanished with
    /// it: a bucket the discovery could not look into. Every check of the service then
    /// reports that resource "not assessed" (a resource whose own fields carry the gap is
    /// reported by its checks).
    /// (Boxed: a gap travels in every `Err` of the inventory and stays small.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<Box<str>>,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.region {
            // A part missing from a saved inventory has no API to name.
            _ if self.api.is_empty() => write!(f, "{}: {}", self.kind.as_str(), self.message),
            Some(r) => write!(
                f,
                "{} in {}: {}: {}",
                self.api,
                r,
                self.kind.as_str(),
                self.message
            ),
            None => write!(f, "{}: {}: {}", self.api, self.kind.as_str(), self.message),
        }
    }
}

/// A part of the inventory: the data that was read, or the gap that stands for it.
///
/// In JSON a collected value is written as itself and a gap as
/// `{"not_collected": {...}}`, so fixtures stay readable. A field that is missing from a
/// JSON inventory deserializes as [`GapKind::Absent`]: never as an empty (and passing) value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Collected<T> {
    /// The API call failed; checks that need this report "not assessed".
    NotCollected {
        /// Why the data is missing.
        not_collected: Gap,
    },
    /// The data, as read.
    Ok(T),
}

impl<T> Default for Collected<T> {
    fn default() -> Self {
        Collected::NotCollected {
            not_collected: Gap {
                resource: None,
                service: String::new(),
                region: None,
                api: String::new(),
                kind: GapKind::Absent,
                message: "not present in the inventory".into(),
            },
        }
    }
}

impl<T> Collected<T> {
    /// The data, or the gap that explains its absence.
    pub fn get(&self) -> Result<&T, &Gap> {
        match self {
            Collected::Ok(v) => Ok(v),
            Collected::NotCollected { not_collected } => Err(not_collected),
        }
    }

    /// The data, or an owned copy of the gap: chains after a check context's accessor
    /// (`ctx.ec2(region).and_then(|r| r.subnets.read())`).
    pub fn read(&self) -> Result<&T, Gap> {
        self.get().map_err(Clone::clone)
    }

    /// The gap, if this part was not collected.
    pub fn gap(&self) -> Option<&Gap> {
        self.get().err()
    }

    /// Builds a part from a collector's result.
    pub fn from_result(r: Result<T, Gap>) -> Self {
        match r {
            Ok(v) => Collected::Ok(v),
            Err(g) => Collected::NotCollected { not_collected: g },
        }
    }
}

/// Every coverage gap in a part of the inventory: the gap of each [`Collected`] that was not
/// read, and each gap recorded on its own (a bucket the discovery could not look into, an
/// object the secret scan skipped), wherever they are. Found by walking the part's
/// serialized form, so a field added to the model is covered without a list to keep.
pub fn gaps_in<T: Serialize>(part: &T) -> Vec<Gap> {
    fn walk(v: &serde_json::Value, out: &mut Vec<Gap>) {
        match v {
            serde_json::Value::Object(m) => {
                if let (1, Some(g)) = (m.len(), m.get("not_collected")) {
                    out.extend(serde_json::from_value::<Gap>(g.clone()).ok());
                    return;
                }
                let gap_shaped = ["service", "api", "kind", "message"]
                    .iter()
                    .all(|k| m.contains_key(*k))
                    && m.keys().all(|k| {
                        matches!(
                            k.as_str(),
                            "service" | "region" | "api" | "kind" | "message" | "resource"
                        )
                    });
                if gap_shaped {
                    if let Ok(g) = serde_json::from_value::<Gap>(v.clone()) {
                        out.push(g);
                        return;
                    }
                }
                m.values().for_each(|x| walk(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::to_value(part) {
        walk(&v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_json_is_collected_and_missing_is_absent() {
        #[derive(Deserialize)]
        struct Part {
            #[serde(default)]
            a: Collected<Vec<u32>>,
            #[serde(default)]
            b: Collected<Vec<u32>>,
            #[serde(default)]
            c: Collected<bool>,
        }
        let p: Part = serde_json::from_str(
            r#"{"a": [1, 2], "c": {"not_collected": {"service": "ec2", "api": "ec2:X",
                "kind": "access_denied", "message": "no"}}}"#,
        )
        .unwrap();
        assert_eq!(p.a.get().unwrap(), &vec![1, 2]);
        assert_eq!(p.b.gap().unwrap().kind, GapKind::Absent);
        assert_eq!(p.c.gap().unwrap().kind, GapKind::AccessDenied);
    }
}
