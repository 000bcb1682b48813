//! # upsell
//!
//! Purchase data in, revenue decisions out: which products sell together, when a customer should
//! see which offer, and at what price. This crate is the core that every surface (the `upsell`
//! command, the Python package, the C library) calls; it knows nothing of Python or C.
//!
//! - [`data`]: baskets stored flat, an item dictionary, streaming readers for FIMI, basket CSV and
//!   long (one line item a row) CSV, plain or gzip.
//! - [`mining`]: FP-growth, Eclat and Apriori, all, closed or maximal itemsets, exact integer
//!   thresholds, parallel and deterministic, with a budget against explosion.
//! - [`rules`]: association rules with every measure of mlxtend and arules, filters, redundancy
//!   pruning.
//! - [`recommend`]: a "frequently bought together" recommender from rules, saved as a model file,
//!   queried in microseconds; EASE, item x item weights in closed form; both evaluated against
//!   popularity on held-out baskets.
//! - [`time`]: explicit UTC timestamps, parsed one way everywhere.
//! - [`sequence`]: time-window affinity, "B: 37% of buyers of A within 30 days", from customer histories.
//! - [`pricing`] and [`metrics`]: exact money, priced bundles, threshold fillers, tiers; expansion
//!   metrics, A/B tests and forecasts.
//! - [`triggers`]: declarative upsell rules (YAML/JSON/TOML), typed and checked at load, evaluated
//!   per customer with a reason trace or column-wise over millions.
//! - `arrow` (feature `arrow`): customers, baskets and carts from Arrow record batches, results as
//!   record batches, read one way for every surface.
//! - [`Control`]: progress and cancellation for long work; [`Error`] with a stable [`ErrorKind`].
//!
//! ```
//! use upsell::data::{Dataset, ReadOptions};
//! use upsell::mining::{mine, MinSupport, MiningOptions};
//!
//! let text = "bread,milk\nbread,butter\nbread,milk,butter\nmilk\n";
//! let data = Dataset::from_reader(text.as_bytes(), "inline.csv", &ReadOptions::baskets(b','))?;
//! let itemsets = mine(&data.baskets, &MiningOptions::new(MinSupport::fraction(0.5)?))?;
//! for (items, count) in itemsets.iter() {
//!     let names: Vec<&str> = items.iter().filter_map(|&i| data.items.label(i)).collect();
//!     println!("{names:?} in {count} baskets");
//! }
//! assert_eq!(itemsets.len(), 5); // bread, milk, butter, {bread, milk}, {bread, butter}
//! # Ok::<(), upsell::Error>(())
//! ```
//!
//! Parallel work runs on the crate's own thread pool, sized by the caller's `threads` or the number
//! of cores (see [`parallel::set_default_threads`]), never on rayon's global pool; results never
//! depend on the number of threads.
#![deny(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
pub mod data;
mod error;
mod memory;
pub mod mining;
pub mod metrics;
pub mod parallel;
pub mod sequence;
pub mod pricing;
mod progress;
pub mod recommend;
pub mod report;
pub mod rules;
pub mod time;
pub mod triggers;
pub mod write;

pub use error::{Diagnostic, Error, ErrorKind, Location, Result};
pub use progress::Control;
