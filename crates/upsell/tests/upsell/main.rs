//! Integration tests of the core: every miner against the brute-force reference on random baskets,
//! against reference counts on real data, and the readers' errors.

mod bad_inputs;
mod cross_surface;
mod mining;
mod readers;
mod recommend;
mod ease;
mod rules;
mod sequence;
mod pricing;
mod metrics;
mod triggers;
mod trigger_sequences;
mod conformance;
