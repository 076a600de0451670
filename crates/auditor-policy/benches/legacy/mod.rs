//! The engine this crate replaced (commit 6518f51, `iam-rs` 0.8 behind a thin wrapper),
//! kept verbatim for the benchmark's comparison only: it is not part of the product.
#![allow(dead_code, unreachable_pub, clippy::all)]

pub mod document;
pub mod evaluate;
