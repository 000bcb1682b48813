//! `upsell._upsell`: the compiled half of the `upsell` Python package.
//!
//! This crate holds translation only: Python values in, core calls with the GIL released, numpy
//! arrays out. Every decision (thresholds, formats, algorithms) is the core's; pandas, polars and
//! Arrow adapters live in Python (`py_src/upsell/frames.py`). Errors are translated once
//! (`errors.rs`) and the GIL is released by one helper (`gil.rs`).

use pyo3::prelude::*;

mod data;
mod errors;
mod gil;
mod mining;
mod triggers;

/// The extension module. Results are frozen classes and numpy arrays, so the module is safe on
/// free-threaded Python.
#[pymodule(gil_used = false)]
fn _upsell(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<data::PyBaskets>()?;
    module.add_function(wrap_pyfunction!(mining::mine, module)?)?;
    module.add_class::<triggers::PyRuleSet>()?;
    module.add_class::<triggers::PyHistory>()?;
    module.add("DEFAULT_MAX_ITEMSETS", upsell::mining::DEFAULT_MAX_ITEMSETS)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
