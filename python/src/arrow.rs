//! Frames in and out through the Arrow PyCapsule interface: an object with `__arrow_c_stream__`
//! (a pyarrow Table or RecordBatch, a polars DataFrame; `upsell/triggers.py` passes pandas through
//! pyarrow) crosses as an Arrow C stream without a copy, and the core's `upsell::arrow` converts
//! its columns; results cross back as a stream in a capsule.
//!
//! The one idea: no column is converted here or in Python, so every type is read the way the C
//! library reads it.

use std::ffi::CStr;

use arrow_array::RecordBatchReader;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::RecordBatchIterator;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use upsell::arrow::Table;
use upsell::{Error, Location};

use crate::errors::PyUpsellResult;

/// The capsule name the PyCapsule interface gives an `ArrowArrayStream`.
const STREAM: &CStr = c"arrow_array_stream";

/// The stream of `data`, an object with `__arrow_c_stream__`, moved out of its capsule: it may be
/// read without the GIL (pyarrow's and polars' producers take it themselves when they need it).
pub(crate) fn stream(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyUpsellResult<ArrowArrayStreamReader> {
    let capsule = data.call_method1("__arrow_c_stream__", (py.None(),))?;
    let capsule = capsule.cast::<PyCapsule>().map_err(PyErr::from)?;
    let pointer = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: a capsule named "arrow_array_stream" holds an `ArrowArrayStream` (the PyCapsule
    // interface); `from_raw` moves it out and leaves a released stream, which the capsule's
    // destructor does not release again.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(pointer.cast().as_ptr()) };
    Ok(reader.map_err(|e| {
        Error::invalid_input(Location::memory(), format!("cannot read the input stream's schema: {e}"))
    })?)
}

/// `table` as a capsule holding a new `ArrowArrayStream` (what `__arrow_c_stream__` returns).
pub(crate) fn capsule(py: Python<'_>, table: Table) -> PyResult<Bound<'_, PyCapsule>> {
    let reader: Box<dyn RecordBatchReader + Send> = Box::new(RecordBatchIterator::new(
        table.batches.into_iter().map(Ok),
        table.schema,
    ));
    PyCapsule::new_with_value(py, FFI_ArrowArrayStream::new(reader), STREAM)
}
