//! `upsell._upsell`: the compiled half of the `upsell` Python package.
//!
//! This crate holds translation only: Python values in, core calls with the GIL released, numpy
//! arrays out. Every decision (thresholds, formats, algorithms) is the core's; pandas, polars and
//! Arrow adapters live in Python (`py_src/upsell/frames.py`). Errors are translated once
//! (`errors.rs`) and the GIL is released by one helper (`gil.rs`).

use pyo3::prelude::*;

mod arrow;
mod data;
mod errors;
mod gil;
mod metrics;
mod mining;
mod recommend;
mod report;
mod rules;
mod sequence;
mod pricing;
mod triggers;
mod discover;

/// The extension module. Results are frozen classes and numpy arrays, so the module is safe on
/// free-threaded Python.
#[pymodule(gil_used = false)]
fn _upsell(module: &Bound<'_, PyModule>) -> PyResult<()> {
    // NumPy's array module is imported here, during `import upsell`, where a Ctrl-C is an ordinary
    // KeyboardInterrupt. Left to the first conversion, the numpy crate imports it lazily and turns
    // any failure, a Ctrl-C included, into a panic (PanicException, which `except Exception`
    // misses); once imported, that lazy step only looks the module up.
    let py = module.py();
    let numpy = py.import("numpy")?;
    py.import(if numpy.hasattr("_core")? { "numpy._core.multiarray" } else { "numpy.core.multiarray" })?;
    let threads = std::env::var(upsell::parallel::THREADS_VARIABLE).ok();
    upsell::parallel::set_default_threads(threads.as_deref());
    module.add_class::<data::PyBaskets>()?;
    module.add_function(wrap_pyfunction!(data::frozensets, module)?)?;
    module.add_function(wrap_pyfunction!(gil::set_progress, module)?)?;
    module.add_function(wrap_pyfunction!(mining::mine, module)?)?;
    module.add_function(wrap_pyfunction!(mining::support_warning, module)?)?;
    module.add_function(wrap_pyfunction!(mining::route_to_groups, module)?)?;
    module.add_function(wrap_pyfunction!(mining::mine_group, module)?)?;
    module.add_function(wrap_pyfunction!(mining::min_count, module)?)?;
    module.add_function(wrap_pyfunction!(sequence::sequences_from_path, module)?)?;
    module.add_function(wrap_pyfunction!(sequence::sequences_from_arrays, module)?)?;
    module.add_function(wrap_pyfunction!(sequence::sequence_counts_from_arrays, module)?)?;
    module.add_function(wrap_pyfunction!(sequence::sequence_rules_from_counts, module)?)?;
    for function in [
        wrap_pyfunction!(pricing::currency_exponent, module)?,
        wrap_pyfunction!(pricing::price_bundle_json, module)?,
        wrap_pyfunction!(pricing::bundles_json, module)?,
        wrap_pyfunction!(pricing::threshold_json, module)?,
        wrap_pyfunction!(pricing::mixed_bundle_json, module)?,
        wrap_pyfunction!(pricing::tiers_json, module)?,
        wrap_pyfunction!(pricing::tier_migration_json, module)?,
        wrap_pyfunction!(metrics::ab_test_json, module)?,
        wrap_pyfunction!(metrics::sample_size_json, module)?,
        wrap_pyfunction!(metrics::mde, module)?,
        wrap_pyfunction!(metrics::test_power, module)?,
        wrap_pyfunction!(metrics::order_metrics_json, module)?,
        wrap_pyfunction!(metrics::forecast_json, module)?,
        wrap_pyfunction!(report::report_json, module)?,
    ] {
        module.add_function(function)?;
    }
    module.add_class::<triggers::PyRuleSet>()?;
    module.add_function(wrap_pyfunction!(discover::discover_arrow, module)?)?;
    module.add_function(wrap_pyfunction!(discover::synthetic_subscriptions, module)?)?;
    module.add_function(wrap_pyfunction!(discover::adoption_gaps_arrow, module)?)?;
    module.add_class::<triggers::PyHistory>()?;
    module.add("DEFAULT_MAX_ITEMSETS", upsell::mining::DEFAULT_MAX_ITEMSETS)?;
    module.add("DEFAULT_MAX_MEMORY", upsell::mining::default_max_memory())?;
    module.add("MAX_THREADS", upsell::parallel::MAX_THREADS)?;
    module.add_function(wrap_pyfunction!(rules::association_rules, module)?)?;
    module.add("DEFAULT_MAX_RULES", upsell::rules::DEFAULT_MAX_RULES)?;
    module.add_class::<recommend::PyRecommender>()?;
    module.add_class::<recommend::PyEase>()?;
    module.add_function(wrap_pyfunction!(recommend::evaluate, module)?)?;
    module.add_function(wrap_pyfunction!(recommend::affinity, module)?)?;
    module.add_class::<recommend::PyAffinity>()?;
    module.add_function(wrap_pyfunction!(recommend::basket_times, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
