//! The Well-Architected Security pillar catalog, from `config/wa-catalog.toml`.
//!
//! The file is compiled in, so the binary needs no data files at run time; a unit test
//! proves it parses and that every WA id of every check is in it.

use serde::Deserialize;
use std::sync::OnceLock;

/// The catalog file, as shipped.
pub const SOURCE: &str = include_str!("../../../config/wa-catalog.toml");

/// The revision every WA id in this build refers to.
pub const REVISION: &str = "2023-10-03";

/// One best practice.
#[derive(Debug, Clone, Deserialize)]
pub struct Practice {
    /// e.g. `SEC05-BP02`.
    pub id: String,
    /// Its title in [`REVISION`].
    pub title: String,
    /// High / Medium / Low / none.
    pub risk: String,
    /// Whether the title was seen on an AWS page of this revision (else inferred).
    pub verified: bool,
}

/// How an id of [`REVISION`] reads in the latest published revision.
#[derive(Debug, Clone, Deserialize)]
pub struct LatestChange {
    /// The id in [`REVISION`].
    pub id: String,
    /// Its title in the latest revision; empty when removed.
    pub latest_title: String,
    /// Where a removed practice went.
    #[serde(default)]
    pub moved_to: Option<String>,
}

/// The whole catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    /// The revision of the file.
    pub revision: String,
    /// Every practice, in id order.
    pub practice: Vec<Practice>,
    /// Changes in the latest revision.
    #[serde(default)]
    pub latest: Vec<LatestChange>,
}

impl Catalog {
    /// Looks a practice up by id.
    pub fn get(&self, id: &str) -> Option<&Practice> {
        self.practice.iter().find(|p| p.id == id)
    }
}

/// Parses a catalog file.
pub fn parse(text: &str) -> Result<Catalog, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

/// The shipped catalog. A broken catalog file is a build defect caught by unit tests;
/// should one ever ship, the catalog is empty rather than the program aborting.
pub fn catalog() -> &'static Catalog {
    static CAT: OnceLock<Catalog> = OnceLock::new();
    CAT.get_or_init(|| {
        parse(SOURCE).unwrap_or_else(|_| Catalog {
            revision: REVISION.into(),
            practice: Vec::new(),
            latest: Vec::new(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalog_parses_and_is_complete() {
        let c = parse(SOURCE).expect("config/wa-catalog.toml parses");
        assert_eq!(c.revision, REVISION);
        assert_eq!(
            c.practice.len(),
            66,
            "SEC01..SEC11 of 2023-10-03 have 66 practices"
        );
        let mut ids: Vec<&str> = c.practice.iter().map(|p| p.id.as_str()).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
        for p in &c.practice {
            assert!(p.id.parse::<auditor_model::WaId>().is_ok(), "{}", p.id);
            assert!(!p.title.is_empty());
        }
        assert_eq!(
            c.get("SEC06-BP02").map(|p| p.title.as_str()),
            Some("Reduce attack surface")
        );
        for l in &c.latest {
            assert!(c.get(&l.id).is_some(), "translation of unknown id {}", l.id);
        }
    }
}
