//! # libupsell: the C ABI of `upsell`
//!
//! This crate builds `libupsell.so` and `libupsell.a` and, through cbindgen, the header
//! `include/upsell.h`. It holds translation only: C pointers and numbers in, core calls, C handles
//! and numbered statuses out. Every rule of the core (what a valid basket is, how a fraction
//! becomes a count) lives in the core crate, so C, Python and the command line agree.
//!
//! Conventions every function follows:
//!
//! - A fallible function returns an [`upsell_status`] and writes its results through
//!   out-parameters only when it returns `UPSELL_STATUS_OK`.
//! - Its last parameter is an optional `upsell_error **err`. Pass NULL to ignore details; otherwise
//!   `*err` is set to a new [`upsell_error`] on failure only, which the caller frees with
//!   `upsell_error_free`. There is no thread-local "last error".
//! - A NULL argument gives `UPSELL_STATUS_NULL_PARAMETER`; a Rust panic never crosses into C, it
//!   gives `UPSELL_STATUS_PANIC`.
//! - Every handle has exactly one `_free` function, which accepts NULL.
//! - Handles are immutable once built and may be read from several threads at once; a
//!   `upsell_control` may also be cancelled from another thread while `upsell_mine` runs.
//!
//! Source files mirror the core's modules: [`data`] for baskets, [`arrow`] for the Arrow C data
//! interface (streams in and out), [`mining`] for itemsets,
//! [`rules`] for association rules and affinity, [`recommend`] for "frequently bought together"
//! models, [`ease`] for the EASE recommender and `evaluate`, [`sequence`] for time-window
//! affinity, [`triggers`] for upsell rule sets, [`pricing`] for bundles and money, [`metrics`]
//! for order metrics and A/B tests, [`report`] for the upsell report, [`control`] for
//! cancellation and progress, [`library`] for the version and teardown; [`status`] and [`error`] are the error taxonomy and `ffi` the one
//! boundary helper every entry point goes through.
#![deny(missing_docs)]
#![allow(non_camel_case_types)]

pub mod arrow;
pub mod batch;
pub mod control;
pub mod data;
pub mod discover;
pub mod ease;
pub mod error;
mod ffi;
pub mod library;
pub mod metrics;
pub mod mining;
pub mod pricing;
pub mod recommend;
pub mod report;
pub mod rules;
pub mod sequence;
pub mod status;
pub mod triggers;

pub use arrow::*;
pub use batch::*;
pub use control::*;
pub use data::*;
pub use discover::*;
pub use ease::*;
pub use error::*;
pub use library::*;
pub use metrics::*;
pub use mining::*;
pub use pricing::*;
pub use recommend::*;
pub use report::*;
pub use rules::*;
pub use sequence::*;
pub use status::*;
pub use triggers::*;
