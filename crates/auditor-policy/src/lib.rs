//! IAM policy documents: parse once into a compiled form, inspect, and decide requests
//! exactly as AWS's documented policy-evaluation logic does.
//!
//! - [`PolicyDocument::parse`] takes a document as AWS returns it: plain JSON or
//!   URL-encoded (GetRole, ListRoles and GetAccountAuthorizationDetails encode; the Rust SDK
//!   does not decode), `Statement` as one object or a list, every element single-valued or
//!   a list, `Version` `2012-10-17`, `2008-10-17` or absent. It compiles each statement:
//!   actions and resources into wildcard patterns ([`auditor_model::wildcard`], linear,
//!   never backtracking), principals by kind, conditions into typed operators with parsed
//!   values. A document AWS would refuse is a [`PolicyError`] naming the statement and
//!   element; nothing panics.
//! - [`PolicyDocument::statements`] gives the statements as written, for checks that read
//!   policies (who is named, under which conditions).
//! - [`decide`] and [`evaluate`] decide a [`Request`] (principal, action, resource,
//!   resource account, [`Context`]) against a [`PolicySet`]: identity policies (a user's
//!   groups' included), a permissions boundary and a resource-based policy, within one
//!   account or across accounts. `decide` allocates nothing for documents without policy
//!   variables; `evaluate` also names the statements that decided and the conditions it
//!   assumed (see [`Context::assume_unknown`]). A [`Plan`] prepares a set for one
//!   principal, action and context (conditions decided, policy variables resolved), so that
//!   many resources are then decided by matching resource elements alone.
//! - [`reach`] asks the question behind trust-policy and resource-policy checks: can a
//!   principal outside the account (or organisation) get in? It puts the question as
//!   constraints on the parts of a request (caller, organisation, action, resource, each
//!   condition key) and decides it: a request that gets in (confirmed by evaluation), or
//!   the conditions or Deny statements that refuse every outsider, or "undecided" with the
//!   reason when a budget runs out.
//! - [`simulate`] runs the cases of `auditor policy simulate`.
//!
//! # Semantics
//!
//! Evaluation follows the IAM User Guide ("Policy evaluation logic", "IAM JSON policy
//! elements", "Condition operators", "Variables and tags"), and is checked against an
//! independent simulator (`@cloud-copilot/iam-simulate`) on thousands of generated
//! requests in every CI run (`tests/conformance`); where the two differ, the file
//! `tests/conformance/disagreements.toml` cites the documentation that decides.
//!
//! # Out of scope
//!
//! Service control policies, resource control policies, session policies, VPC endpoint
//! policies, S3 Block Public Access and ACLs, and KMS grants are not on the request path
//! this crate evaluates. A decision here is what the identity, boundary and resource
//! policies allow; an organisation's SCPs or RCPs can only narrow it. Checks that report
//! access say so in their evidence.
#![deny(missing_docs)]

mod context;
mod document;
mod evaluate;
pub mod reach;
mod request;
pub mod simulate;
mod template;
mod values;

pub use context::{Context, ContextValue, KnownKeys};
pub use document::{
    decode, Condition, Op, PolicyDocument, PolicyError, PolicyKind, Principals, StatementView,
    Version,
};
pub use evaluate::{
    decide, evaluate, Assumption, Decision, Evaluation, Layer, Named, Plan, PolicySet, StatementRef,
};
pub use request::{Action, Request};
