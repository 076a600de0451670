//! The Kubernetes versions EKS offers in a region: the live `DescribeClusterVersions`
//! answer, else the release calendar the auditor ships (`config/eks-versions.toml`).

use auditor_model::eks::{minor_version, EksRegion};
use serde::Deserialize;
use std::sync::OnceLock;

/// The shipped calendar's text.
pub(crate) const SOURCE: &str = include_str!("../../../../config/eks-versions.toml");

#[derive(Debug, Deserialize)]
struct Calendar {
    as_of: String,
    version: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    version: String,
    released: String,
    end_of_standard_support: String,
    end_of_extended_support: String,
}

fn calendar() -> Option<&'static Calendar> {
    static CAL: OnceLock<Option<Calendar>> = OnceLock::new();
    // A unit test proves the shipped file parses; `None` is unreachable in a release.
    CAL.get_or_init(|| toml::from_str(SOURCE).ok()).as_ref()
}

/// Support status of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Support {
    Standard,
    Extended,
    Unsupported,
    /// The source does not say (no status, or no "now" to compare dates with).
    Unknown,
}

/// One version as offered.
#[derive(Debug, Clone)]
pub(crate) struct Offer {
    pub(crate) minor: (u32, u32),
    pub(crate) version: String,
    pub(crate) support: Support,
    pub(crate) end_of_standard_support: Option<String>,
}

/// What the region offers, and where that knowledge came from.
#[derive(Debug)]
pub(crate) struct Offered {
    pub(crate) versions: Vec<Offer>,
    /// e.g. `eks:DescribeClusterVersions` or `the auditor's EKS release calendar (as of ...)`.
    pub(crate) source: String,
}

impl Offered {
    /// The newest version still supported.
    pub(crate) fn newest(&self) -> Option<&Offer> {
        self.versions
            .iter()
            .filter(|o| o.support != Support::Unsupported)
            .max_by_key(|o| o.minor)
    }

    /// The entry for a version.
    pub(crate) fn get(&self, minor: (u32, u32)) -> Option<&Offer> {
        self.versions.iter().find(|o| o.minor == minor)
    }
}

fn day(s: &str) -> &str {
    s.get(..10).unwrap_or(s)
}

/// The versions of a region. `now` is the inventory's collection time (RFC 3339).
pub(crate) fn offered(region: &EksRegion, now: Option<&str>) -> Offered {
    match region.versions.get() {
        Ok(list) if !list.is_empty() => Offered {
            versions: list
                .iter()
                .filter_map(|v| {
                    Some(Offer {
                        minor: minor_version(&v.version)?,
                        version: v.version.clone(),
                        support: match v.status.as_deref() {
                            Some("STANDARD_SUPPORT") => Support::Standard,
                            Some("EXTENDED_SUPPORT") => Support::Extended,
                            Some("UNSUPPORTED") => Support::Unsupported,
                            _ => Support::Unknown,
                        },
                        end_of_standard_support: v.end_of_standard_support.clone(),
                    })
                })
                .collect(),
            source: "eks:DescribeClusterVersions".into(),
        },
        other => {
            let why = match other {
                Err(gap) => format!("eks:DescribeClusterVersions was {}", gap.kind.as_str()),
                Ok(_) => "eks:DescribeClusterVersions answered no versions".into(),
            };
            let Some(cal) = calendar() else {
                return Offered {
                    versions: Vec::new(),
                    source: why,
                };
            };
            Offered {
                versions: cal
                    .version
                    .iter()
                    .filter(|e| now.is_none_or(|n| day(n) >= e.released.as_str()))
                    .filter_map(|e| {
                        Some(Offer {
                            minor: minor_version(&e.version)?,
                            version: e.version.clone(),
                            support: match now.map(day) {
                                None => Support::Unknown,
                                Some(n) if n < e.end_of_standard_support.as_str() => {
                                    Support::Standard
                                }
                                Some(n) if n < e.end_of_extended_support.as_str() => {
                                    Support::Extended
                                }
                                Some(_) => Support::Unsupported,
                            },
                            end_of_standard_support: Some(e.end_of_standard_support.clone()),
                        })
                    })
                    .collect(),
                source: format!(
                    "the auditor's EKS release calendar as of {}, since {why}",
                    cal.as_of
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_calendar_parses_and_is_ordered() {
        let cal: Calendar = toml::from_str(SOURCE).expect("config/eks-versions.toml parses");
        assert!(cal.version.len() >= 10);
        for e in &cal.version {
            assert!(minor_version(&e.version).is_some(), "{}", e.version);
            assert!(e.released < e.end_of_standard_support, "{}", e.version);
            assert!(
                e.end_of_standard_support < e.end_of_extended_support,
                "{}",
                e.version
            );
        }
    }

    #[test]
    fn calendar_status_follows_the_collection_date() {
        let region = EksRegion::default();
        let o = offered(&region, Some("2026-11-22T00:00:00Z"));
        assert!(o.source.contains("calendar"), "{}", o.source);
        assert_eq!(o.get((1, 35)).map(|v| v.support), Some(Support::Standard));
        assert_eq!(o.get((1, 31)).map(|v| v.support), Some(Support::Extended));
        assert_eq!(
            o.get((1, 28)).map(|v| v.support),
            Some(Support::Unsupported)
        );
        assert_eq!(o.newest().map(|v| v.minor), Some((1, 35)));
        // Before 1.35's release, 1.34 was the newest.
        let o = offered(&region, Some("2025-12-01T00:00:00Z"));
        assert_eq!(o.newest().map(|v| v.minor), Some((1, 34)));
    }
}
