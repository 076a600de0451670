//! Pure data of the auditor: identifiers, severities, Well-Architected ids, the
//! inventory that collectors fill, and the findings that checks produce.
//!
//! Architecture invariant: nothing in this crate does I/O or knows about the AWS SDK.
//! Every type here derives `Serialize`/`Deserialize`, so an inventory can be saved and
//! audited again offline, and check fixtures are plain JSON.
#![deny(missing_docs)]

mod audit;
pub mod cloudtrail;
mod collected;
pub mod ec2;
pub mod ecr;
pub mod eks;
pub mod elb;
mod finding;
pub mod guardduty;
pub mod iam;
mod ids;
mod inventory;
pub mod s3;
pub mod text;
pub mod wildcard;

pub use audit::{ApiCounts, AuditResult};
pub use collected::{gaps_in, Collected, Gap, GapKind};
pub use finding::{fingerprint, Evidence, Finding, Resource, Status, Suppression};
pub use ids::{AccountId, IdError, Service, Severity, WaId};
pub use inventory::{Inventory, Organization};
