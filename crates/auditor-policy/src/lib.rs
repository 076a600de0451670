//! IAM policy documents: parse, inspect, evaluate.
//!
//! - [`PolicyDocument::parse`] takes a document as AWS returns it: plain JSON or
//!   URL-encoded (GetRole, ListRoles and GetAccountAuthorizationDetails encode; the Rust SDK
//!   does not decode), `Statement` as one object or a list, every element single-valued or
//!   a list. A malformed document is a typed [`PolicyError`], never a panic.
//! - [`PolicyDocument::statements`] gives a static view of each statement (Sid or index,
//!   effect, principals by kind, actions, resources, conditions) for checks that read
//!   policies rather than evaluate requests, such as trust-policy checks.
//! - [`evaluate`] decides a concrete request (principal, action, resource, context keys)
//!   against identity policies, an optional permission boundary and resource policies, as
//!   AWS's policy-evaluation logic does for one account: an explicit deny anywhere wins;
//!   otherwise an allow is needed, and a boundary must allow too. It names the statements
//!   that granted or denied.
//!
//! Statement matching (wildcards in actions, resources and principals, every condition
//! operator with `IfExists`, `ForAnyValue:`/`ForAllValues:`, `Null`, policy variables) is
//! done by the `iam-rs` crate, which we evaluated against the cases of the AWS
//! policy-evaluation documentation (see the tests) before adopting it. This crate adds what
//! it lacks: URL-decoding, documents without `Version`, the layering of policy types,
//! account principals as delegation, and containment of any panic inside it.
#![deny(missing_docs)]

mod document;
mod evaluate;

pub use document::{
    decode, Assumption, Condition, PolicyDocument, PolicyError, Principals, StatementView,
};
pub use evaluate::{evaluate, Decision, Evaluation, Named, PolicySet, Request, StatementRef};
pub use iam_rs::ContextValue;
