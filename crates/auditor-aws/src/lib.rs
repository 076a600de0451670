//! One path to AWS for every collector.
//!
//! - [`AwsOptions`] + [`load_base_config`]: the standard credential chain (environment,
//!   profiles incl. SSO, web identity, container and instance roles) through aws-config,
//!   with an optional profile, endpoint override (emulators), adaptive retry and timeouts.
//! - [`open_account`]: confirms the caller with `sts:GetCallerIdentity`, assumes the audit
//!   role when the caller is in another account, and refuses any account but the one asked for.
//! - [`classify`]: the one place where SDK errors are sorted into AccessDenied, throttling,
//!   region disabled, not offered by the endpoint, credentials, unreachable, other.
//!
//! Architecture invariant: the only AWS calls this crate makes are `sts:GetCallerIdentity`
//! and `sts:AssumeRole`, and [`deliver::put_report`], the daemon's opt-in upload of its
//! reports to the operator's own bucket (the auditor's one write).
#![deny(missing_docs)]

pub mod counting;
pub mod deliver;
mod errors;
mod session;

pub use errors::{classify, gap, paged, AwsError, Classified, ErrorKind};
pub use session::{load_base_config, open_account, AccountSession, AssumeOptions, AwsOptions};
