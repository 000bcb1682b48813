//! `upsell._upsell.Baskets`: the core's flat basket store, built from a file or from numpy arrays.
//!
//! Mirrors `upsell::data`. Inputs are copied out of numpy while the GIL is held, then the core
//! builds (sorts, de-duplicates, validates) with the GIL released. Labels are kept only for data
//! read from files; in-memory inputs keep their own labels on the Python side.

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::{Borrowed, ffi};
use pyo3::types::frozenset::PyFrozenSetBuilder;
use pyo3::types::{PyInt, PyList, PyString, PyTuple};
use rustc_hash::FxHashMap;
use upsell::data::{Baskets, Dataset, Format, ReadOptions};
use upsell::{Error, Location};

use crate::errors::PyUpsellResult;
use crate::gil;

/// Baskets: each a set of item ids, stored as flat items and offsets. Immutable.
#[pyclass(frozen, name = "Baskets", module = "upsell._upsell")]
pub struct PyBaskets {
    pub(crate) inner: Baskets,
    labels: Option<Vec<String>>,
    format: Option<Format>,
}

impl PyBaskets {
    fn unlabelled(inner: Baskets) -> Self {
        PyBaskets { inner, labels: None, format: None }
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
    ) -> PyUpsellResult<Self> {
        let options = ReadOptions {
            format: format.map(str::parse::<Format>).transpose()?,
            delimiter: delimiter.map(upsell::data::parse_delimiter).transpose()?,
            basket_columns: basket.unwrap_or_default(),
            item_column: item,
            ..ReadOptions::default()
        };
        let dataset = gil::run(py, move |_| Dataset::read(&path, &options))?;
        let labels = dataset.items.labels().map(str::to_owned).collect();
        Ok(PyBaskets { inner: dataset.baskets, labels: Some(labels), format: Some(dataset.format) })
    }

    /// Baskets from item ids laid end to end (uint32) and where each basket starts (int64,
    /// one more offset than baskets).
    #[staticmethod]
    fn from_arrays(py: Python<'_>, items: PyReadonlyArray1<'_, u32>, offsets: PyReadonlyArray1<'_, i64>) -> PyUpsellResult<Self> {
        let items = items.as_array().to_vec();
        let offsets = offsets.as_array().iter().map(|&o| offset(o)).collect::<upsell::Result<Vec<_>>>()?;
        gil::run(py, move |_| Baskets::from_arrays(items, offsets)).map(Self::unlabelled)
    }

    /// Baskets from a list of lists (or tuples) whose items are all ints, or all strings, and
    /// the labels by id (an int64 array or a list of str). Strings get ids in order of first
    /// appearance; ints in `0..2**20` ascending, then any others in order of first appearance.
    /// `None` for any other input: the caller takes the general path, which also words the
    /// errors. A fast path because Python's own hashing of a million items would take longer
    /// than mining them.
    #[staticmethod]
    fn from_lists<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyUpsellResult<Option<(Self, Bound<'py, PyAny>)>> {
        let Ok(list) = data.cast::<PyList>() else {
            return Ok(None);
        };
        let mut codes = Codes::Unknown;
        let mut items = Vec::new();
        let mut offsets = Vec::with_capacity(list.len() + 1);
        offsets.push(0);
        let len = list.len();
        for i in 0..len {
            if i + PREFETCH_BASKETS < len {
                list_item(list, i + PREFETCH_BASKETS).inspect(|ahead| prefetch(ahead.as_ptr()));
            }
            let Some(basket) = list_item(list, i) else {
                return Ok(None);
            };
            let added = if let Ok(basket) = basket.cast::<PyList>() {
                push_list_items(&basket, &mut codes, &mut items)
            } else if let Ok(basket) = basket.cast::<PyTuple>() {
                basket.iter_borrowed().try_for_each(|item| codes.push(&item, &mut items))
            } else {
                None
            };
            if added.is_none() {
                return Ok(None);
            }
            offsets.push(items.len());
        }
        let labels = match codes {
            Codes::Int(codes) => codes.finish(&mut items).into_pyarray(py).into_any(),
            Codes::Str(_, labels) => PyList::new(py, labels)?.into_any(),
            Codes::Unknown => PyArray1::<i64>::zeros(py, 0, false).into_any(),
        };
        let baskets = gil::run(py, move |_| Baskets::from_arrays(items, offsets))?;
        Ok(Some((Self::unlabelled(baskets), labels)))
    }

    /// Baskets from one (basket id, item id) pair per line item; basket ids are dense `0..n`.
    #[staticmethod]
    fn from_pairs(py: Python<'_>, basket_ids: PyReadonlyArray1<'_, u32>, item_ids: PyReadonlyArray1<'_, u32>) -> PyUpsellResult<Self> {
        let basket_ids = basket_ids.as_array().to_vec();
        let item_ids = item_ids.as_array().to_vec();
        gil::run(py, move |_| Baskets::from_pairs(&basket_ids, &item_ids)).map(Self::unlabelled)
    }

    /// Baskets from a one-hot bool matrix: row `r` holds item `c` where `matrix[r, c]`.
    #[staticmethod]
    fn from_dense(matrix: PyReadonlyArray2<'_, bool>) -> Self {
        // Read in place, in any memory layout (a frame's column-major block needs no copy): one
        // pass over the cells under the GIL, as numpy's own scans.
        Self::unlabelled(Baskets::from_dense(matrix.as_array()))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// One more than the largest item id: the number of item ids in use.
    #[getter]
    fn item_count(&self) -> usize {
        self.inner.item_count()
    }

    /// The format a file was read in (`"fimi"`, `"baskets"` or `"long"`); `None` for baskets
    /// not read from a file.
    /// A warning when every basket has at most one item or every item occurs in one basket,
    /// which usually means the wrong format; `None` when the shape is usable.
    fn shape_warning(&self) -> Option<String> {
        self.inner.shape_warning()
    }

    #[getter]
    fn format(&self) -> Option<&'static str> {
        self.format.map(Format::name)
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

/// Pushes the ids of `list`'s items (see [`Codes::push`]), reading each item borrowed. The
/// stable ABI turns each reference count change into a call into the interpreter: iterating with
/// owned items made two of them per item, a third of the time `from_lists` takes.
fn push_list_items(list: &Bound<'_, PyList>, codes: &mut Codes, items: &mut Vec<u32>) -> Option<()> {
    for i in 0..list.len() {
        let item = list_item(list, i)?;
        codes.push(&item, items)?;
    }
    Some(())
}

/// Item `i` of `list`, borrowed; `None` past the end.
fn list_item<'a, 'py>(list: &'a Bound<'py, PyList>, i: usize) -> Option<Borrowed<'a, 'py, PyAny>> {
    let i = ffi::Py_ssize_t::try_from(i).ok()?;
    // SAFETY: the GIL is held, and `from_lists` runs no Python code while it reads the lists
    // (`Codes::push` runs none either), so nothing can change a list, whose reference keeps the
    // item alive, while the item is in use. `PyList_GetItem` returns a borrowed reference, or
    // null with an exception set for an index out of range, which is cleared here.
    let item = unsafe { Borrowed::from_ptr_or_opt(list.py(), ffi::PyList_GetItem(list.as_ptr(), i)) };
    if item.is_none() {
        PyErr::take(list.py());
    }
    item
}

/// Baskets read ahead of the one being read: each basket is an object of its own somewhere in
/// the heap, and the first touch of it would otherwise wait for memory.
const PREFETCH_BASKETS: usize = 8;

/// Asks the CPU to start loading the object at `object` into the cache; nothing off x86_64.
#[inline(always)]
fn prefetch(object: *mut ffi::PyObject) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that never faults, whatever the address; SSE is part of x86_64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(object.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = object;
}

/// Item ids by label, for [`PyBaskets::from_lists`]: the first item decides the kind.
enum Codes {
    Unknown,
    Int(IntCodes),
    Str(FxHashMap<String, u32>, Vec<String>),
}

impl Codes {
    /// Pushes the (for ints, provisional) id of `item`; `None` when the item is of another kind.
    /// Runs no Python code (exact ints and strs only), which [`push_list_items`] relies on.
    fn push(&mut self, item: &Bound<'_, PyAny>, items: &mut Vec<u32>) -> Option<()> {
        if let Codes::Unknown = self {
            *self = if item.is_exact_instance_of::<PyInt>() {
                Codes::Int(IntCodes::default())
            } else if item.is_exact_instance_of::<PyString>() {
                Codes::Str(FxHashMap::default(), Vec::new())
            } else {
                return None;
            };
        }
        let code = match self {
            Codes::Int(codes) => {
                if !item.is_exact_instance_of::<PyInt>() {
                    return None;
                }
                let mut overflow = 0;
                // SAFETY: the GIL is held and `item` is an int. For an exact int this sets no
                // exception and runs no Python code; it reports a value out of range in
                // `overflow`. (`extract` would check the type again, in two more calls.)
                let label = unsafe { ffi::PyLong_AsLongLongAndOverflow(item.as_ptr(), &mut overflow) };
                if overflow != 0 {
                    return None;
                }
                codes.provisional(label)
            }
            Codes::Str(ids, labels) => {
                if !item.is_exact_instance_of::<PyString>() {
                    return None;
                }
                let label = item.cast::<PyString>().ok()?.to_cow().ok()?;
                match ids.get(label.as_ref()) {
                    Some(&code) => code,
                    None => {
                        labels.push(label.to_string());
                        ids.insert(label.into_owned(), labels.len() as u32 - 1);
                        labels.len() as u32 - 1
                    }
                }
            }
            Codes::Unknown => return None,
        };
        items.push(code);
        Some(())
    }
}

/// Int labels in `0..DENSE` (the usual product codes) are their own provisional id, marked in a
/// table; others get `DENSE + j`, `j` counting them in order of first appearance.
const DENSE: u32 = 1 << 20;

/// Int labels met so far, on the way to ids.
#[derive(Default)]
struct IntCodes {
    seen: Vec<bool>,
    others: FxHashMap<i64, u32>,
    other_labels: Vec<i64>,
}

impl IntCodes {
    fn provisional(&mut self, label: i64) -> u32 {
        match u32::try_from(label) {
            Ok(value) if value < DENSE => {
                let at = value as usize;
                if at >= self.seen.len() {
                    self.seen.resize(at + 1, false);
                }
                self.seen[at] = true;
                value
            }
            _ => {
                let next = self.other_labels.len() as u32;
                let j = *self.others.entry(label).or_insert(next);
                if j == next {
                    self.other_labels.push(label);
                }
                DENSE + j
            }
        }
    }

    /// Turns provisional ids into dense final ones: the small labels ascending, then the others in
    /// order of first appearance. Baskets listed in ascending order (as FIMI data is) then stay
    /// sorted, which makes them much cheaper to store than ids in order of first appearance.
    /// Returns the labels by id.
    fn finish(self, items: &mut [u32]) -> Vec<i64> {
        let mut id = vec![0u32; self.seen.len()];
        let mut labels = Vec::new();
        for (value, _) in self.seen.iter().enumerate().filter(|(_, seen)| **seen) {
            id[value] = labels.len() as u32;
            labels.push(value as i64);
        }
        let small = labels.len() as u32;
        labels.extend(self.other_labels);
        for item in items {
            // Provisional ids below `seen.len()` are small labels; the rest count from DENSE.
            *item = match id.get(*item as usize) {
                Some(&code) => code,
                None => small + (*item - DENSE),
            };
        }
        labels
    }
}

pub(crate) fn offset(value: i64) -> upsell::Result<usize> {
    usize::try_from(value).map_err(|_| {
        Error::invalid_input(Location::memory().column_name("offsets"), format!("offsets must not be negative, found {value}"))
    })
}

/// One frozenset of labels per itemset: itemset `k` holds `labels[items[j]]` for `j` in
/// `offsets[k]..offsets[k + 1]`, as a numpy object array (mlxtend's `itemsets` column). One pass
/// with the GIL held, each label added borrowed: a Python loop costs twice as much.
#[pyfunction]
pub(crate) fn frozensets<'py>(
    py: Python<'py>,
    items: PyReadonlyArray1<'py, u32>,
    offsets: PyReadonlyArray1<'py, i64>,
    labels: &Bound<'py, PyList>,
) -> PyUpsellResult<Bound<'py, PyArray1<Py<PyAny>>>> {
    let (items, offsets) = (items.as_array(), offsets.as_array().to_vec());
    let labels: Vec<Bound<'py, PyAny>> = labels.iter().collect();
    let bad = |message: String| Error::invalid_input(Location::memory(), message);
    let mut sets = Vec::with_capacity(offsets.len().saturating_sub(1));
    for (k, bounds) in offsets.windows(2).enumerate() {
        let (start, end) = (offset(bounds[0])?, offset(bounds[1])?);
        if start > end || end > items.len() {
            return Err(bad(format!("itemset {k} spans items {start}..{end} of {}", items.len())).into());
        }
        let mut set = PyFrozenSetBuilder::new(py)?;
        for j in start..end {
            let item = items[j] as usize;
            match labels.get(item) {
                Some(label) => set.add(label)?,
                None => return Err(bad(format!("itemset {k} holds item {item}, beyond the {} labels", labels.len())).into()),
            }
        }
        sets.push(set.finalize().into_any().unbind());
    }
    Ok(PyArray1::from_vec(py, sets))
}
