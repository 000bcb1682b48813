//! `upsell._upsell.Baskets`: the core's flat basket store, built from a file or from numpy arrays.
//!
//! Mirrors `upsell::data`. Inputs are copied out of numpy while the GIL is held, then the core
//! builds (sorts, de-duplicates, validates) with the GIL released. Labels are kept only for data
//! read from files; in-memory inputs keep their own labels on the Python side.

use std::path::PathBuf;

use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use upsell::data::{Baskets, Dataset, Format, ReadOptions};
use upsell::{Error, Location};

use crate::{errors, gil};

/// Baskets: each a set of item ids, stored as flat items and offsets. Immutable.
#[pyclass(frozen, name = "Baskets", module = "upsell._upsell")]
pub struct PyBaskets {
    pub(crate) inner: Baskets,
    labels: Option<Vec<String>>,
}

impl PyBaskets {
    fn unlabelled(inner: Baskets) -> Self {
        PyBaskets { inner, labels: None }
    }
}

#[pymethods]
impl PyBaskets {
    /// Reads a FIMI, basket CSV or long CSV file (plain or gzip).
    #[staticmethod]
    #[pyo3(signature = (path, *, format=None, delimiter=None, basket=None, item=None))]
    fn read(
        py: Python<'_>,
        path: PathBuf,
        format: Option<&str>,
        delimiter: Option<&str>,
        basket: Option<Vec<String>>,
        item: Option<String>,
    ) -> PyResult<Self> {
        let options = ReadOptions {
            format: errors::map(py, format.map(str::parse::<Format>).transpose())?,
            delimiter: errors::map(py, delimiter.map(delimiter_byte).transpose())?,
            basket_columns: basket.unwrap_or_default(),
            item_column: item,
            ..ReadOptions::default()
        };
        let dataset = gil::run(py, move |_| Dataset::read(&path, &options))?;
        let labels = dataset.items.labels().map(str::to_owned).collect();
        Ok(PyBaskets { inner: dataset.baskets, labels: Some(labels) })
    }

    /// Baskets from item ids laid end to end (uint32) and where each basket starts (int64,
    /// one more offset than baskets).
    #[staticmethod]
    fn from_arrays(py: Python<'_>, items: PyReadonlyArray1<'_, u32>, offsets: PyReadonlyArray1<'_, i64>) -> PyResult<Self> {
        let items = items.as_array().to_vec();
        let offsets = errors::map(py, offsets.as_array().iter().map(|&o| offset(o)).collect::<upsell::Result<Vec<_>>>())?;
        gil::run(py, move |_| Baskets::from_arrays(items, offsets)).map(Self::unlabelled)
    }

    /// Baskets from one (basket id, item id) pair per line item; basket ids are dense `0..n`.
    #[staticmethod]
    fn from_pairs(py: Python<'_>, basket_ids: PyReadonlyArray1<'_, u32>, item_ids: PyReadonlyArray1<'_, u32>) -> PyResult<Self> {
        let basket_ids = basket_ids.as_array().to_vec();
        let item_ids = item_ids.as_array().to_vec();
        gil::run(py, move |_| Baskets::from_pairs(&basket_ids, &item_ids)).map(Self::unlabelled)
    }

    /// Baskets from a one-hot bool matrix: row `r` holds item `c` where `matrix[r, c]`.
    #[staticmethod]
    fn from_dense(py: Python<'_>, matrix: PyReadonlyArray2<'_, bool>) -> PyResult<Self> {
        let matrix = matrix.as_array().to_owned();
        gil::run(py, move |_| Ok(Baskets::from_dense(matrix.view()))).map(Self::unlabelled)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// One more than the largest item id: the number of item ids in use.
    #[getter]
    fn item_count(&self) -> usize {
        self.inner.item_count()
    }

    /// The item labels by id, for baskets read from a file; `None` otherwise.
    #[getter]
    fn labels(&self) -> Option<Vec<String>> {
        self.labels.clone()
    }

    /// Every basket's item ids back to back (a copy, uint32).
    fn items<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_slice(py, self.inner.items())
    }

    /// Where each basket starts, plus the end (a copy, int64).
    fn offsets<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        PyArray1::from_iter(py, self.inner.offsets().iter().map(|&o| i64::try_from(o).unwrap_or(i64::MAX)))
    }

    fn __repr__(&self) -> String {
        format!("Baskets({} baskets, {} item ids)", self.inner.len(), self.inner.item_count())
    }
}

pub(crate) fn delimiter_byte(text: &str) -> upsell::Result<u8> {
    match text.as_bytes() {
        [byte] => Ok(*byte),
        _ => Err(Error::invalid_parameter("delimiter", format!("must be one ASCII character, got {text:?}"))),
    }
}

fn offset(value: i64) -> upsell::Result<usize> {
    usize::try_from(value).map_err(|_| {
        Error::invalid_input(Location::memory().column_name("offsets"), format!("offsets must not be negative, found {value}"))
    })
}
