//! Which regions to audit: the account's enabled regions by default, or the user's list,
//! validated against the regions AWS knows.

use auditor_aws::AccountSession;
use auditor_model::Gap;

/// A region to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionPlan {
    /// e.g. `eu-west-1`.
    pub name: String,
    /// False for an opt-in region the account has not enabled: not collected, reported.
    pub enabled: bool,
    /// Gaps met while planning (the region list could not be read).
    pub gaps: Vec<Gap>,
}

/// Why no region plan could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    /// The user named a region AWS does not know.
    #[error("unknown region(s): {unknown} ({hint})")]
    Unknown {
        /// The unknown names.
        unknown: String,
        /// The close known name of each (`did you mean eu-west-1?`), or every known one
        /// when none is close.
        hint: String,
    },
    /// A name that cannot be a region.
    #[error("'{0}' is not a region name (expected something like eu-west-1)")]
    Malformed(String),
    /// No regions were given and the account's regions could not be listed.
    #[error("cannot list the account's regions ({0}); pass --regions explicitly")]
    Discovery(String),
}

/// Whether `s` has the shape of a region name (`eu-west-1`, `us-gov-west-1`).
pub fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Plans the regions: `requested` if given (validated), else every enabled region.
pub async fn resolve_regions(
    session: &AccountSession,
    requested: Option<&[String]>,
) -> Result<Vec<RegionPlan>, RegionError> {
    if let Some(req) = requested {
        if let Some(bad) = req.iter().find(|r| !looks_like_region(r)) {
            return Err(RegionError::Malformed(bad.clone()));
        }
    }
    let home = session.home_region();
    let listed = collect_ec2::account_regions(&session.for_region(&home)).await;
    plan(requested, listed)
}

fn plan(
    requested: Option<&[String]>,
    listed: Result<Vec<collect_ec2::AccountRegion>, Gap>,
) -> Result<Vec<RegionPlan>, RegionError> {
    match (requested, listed) {
        (None, Ok(all)) => Ok(all
            .into_iter()
            .filter(|r| r.enabled)
            .map(|r| RegionPlan {
                name: r.name,
                enabled: true,
                gaps: Vec::new(),
            })
            .collect()),
        (None, Err(gap)) => Err(RegionError::Discovery(gap.to_string())),
        (Some(req), Ok(all)) => {
            let unknown: Vec<&str> = req
                .iter()
                .filter(|r| !all.iter().any(|a| &a.name == *r))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                let names: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
                let close: Vec<&str> = unknown.iter().filter_map(|u| closest(u, &names)).collect();
                let hint = if close.len() == unknown.len() {
                    format!("did you mean {}?", close.join(", "))
                } else {
                    format!("regions this endpoint knows: {}", names.join(", "))
                };
                return Err(RegionError::Unknown {
                    unknown: unknown.join(", "),
                    hint,
                });
            }
            let mut out: Vec<RegionPlan> = req
                .iter()
                .map(|r| RegionPlan {
                    name: r.clone(),
                    enabled: all.iter().any(|a| &a.name == r && a.enabled),
                    gaps: Vec::new(),
                })
                .collect();
            out.dedup_by(|a, b| a.name == b.name);
            Ok(out)
        }
        // The region list is unreadable (AccessDenied on DescribeRegions): trust the
        // user's well-formed names and say so in the report.
        (Some(req), Err(gap)) => Ok(req
            .iter()
            .enumerate()
            .map(|(i, r)| RegionPlan {
                name: r.clone(),
                enabled: true,
                gaps: if i == 0 {
                    vec![gap.clone()]
                } else {
                    Vec::new()
                },
            })
            .collect()),
    }
}

/// The known name closest to `typed` by edit distance, when it is within two edits (a
/// swapped or missing letter, a wrong digit).
fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, cb) in b.iter().enumerate() {
                cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1);
            }
            prev = cur;
        }
        prev[b.len()]
    }
    known
        .iter()
        .map(|k| (distance(typed, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use collect_ec2::AccountRegion;

    fn listed() -> Result<Vec<AccountRegion>, Gap> {
        Ok(vec![
            AccountRegion {
                name: "eu-west-1".into(),
                enabled: true,
            },
            AccountRegion {
                name: "me-south-1".into(),
                enabled: false,
            },
            AccountRegion {
                name: "us-east-1".into(),
                enabled: true,
            },
        ])
    }

    #[test]
    fn default_is_every_enabled_region() {
        let p = plan(None, listed()).unwrap();
        let names: Vec<_> = p.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["eu-west-1", "us-east-1"]);
    }

    #[test]
    fn requested_regions_are_validated() {
        let req = vec!["eu-west-1".to_owned(), "xx-nowhere-9".to_owned()];
        let err = plan(Some(&req), listed()).unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown region(s): xx-nowhere-9 (regions this endpoint knows: eu-west-1, me-south-1, us-east-1)"),
            "{err}"
        );
        // A typo gets the close name, not the list.
        let req = vec!["eu-wset-1".to_owned(), "us-east-2".to_owned()];
        let err = plan(Some(&req), listed()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown region(s): eu-wset-1, us-east-2 (did you mean eu-west-1, us-east-1?)"
        );
        let req = vec!["me-south-1".to_owned()];
        let p = plan(Some(&req), listed()).unwrap();
        assert!(
            !p[0].enabled,
            "an opt-in region not enabled is planned as disabled"
        );
    }

    #[test]
    fn malformed_names_are_refused_before_any_call() {
        assert!(looks_like_region("eu-west-1"));
        assert!(looks_like_region("us-gov-west-1"));
        assert!(!looks_like_region("eu_west_1"));
        assert!(!looks_like_region("Europe"));
        assert!(!looks_like_region("eu-west-"));
    }
}
