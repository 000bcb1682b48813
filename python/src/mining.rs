//! `upsell._upsell.mine`: frequent itemsets as three numpy arrays, never one object per itemset.
//!
//! Mirrors `upsell::mining`. The result crosses as flat item ids (uint32), offsets (int64, one more
//! than itemsets) and counts (int64); `upsell/frames.py` turns them into Arrow list columns.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt};
use upsell::Error;
use upsell::data::Baskets;
use upsell::mining::{DEFAULT_MAX_ITEMSETS, Groups, Itemsets, MinSupport, MiningOptions, default_max_memory, mine_group_with, mine_with};

use crate::errors::{PyUpsellResult, Threads};
use crate::data::PyBaskets;
use crate::gil;

/// Flat itemsets: item ids, offsets, counts, the number of baskets, and the count threshold used.
type MinedArrays<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>, u64, u64);

/// Mines frequent itemsets of `baskets` with the GIL released, in `order`: `"count"` (most
/// frequent first), `"size"` (by size, then item ids: apriori's order) or `"mined"` (as found).
#[pyfunction]
#[pyo3(signature = (baskets, min_support, *, algorithm="auto", target="all", min_len=1, max_len=None, threads=None, max_itemsets=Some(DEFAULT_MAX_ITEMSETS), max_memory=Some(default_max_memory()), order="count"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn mine<'py>(
    py: Python<'py>,
    baskets: &Bound<'py, PyBaskets>,
    min_support: &Bound<'py, PyAny>,
    algorithm: &str,
    target: &str,
    min_len: usize,
    max_len: Option<usize>,
    threads: Option<Threads>,
    max_itemsets: Option<u64>,
    max_memory: Option<u64>,
    order: &str,
) -> PyUpsellResult<MinedArrays<'py>> {
    let threads = threads.map(Threads::get);
    let mut options = MiningOptions::new(threshold(min_support)?);
    options.algorithm = algorithm.parse()?;
    options.target = target.parse()?;
    options.min_len = min_len;
    options.max_len = max_len;
    options.threads = threads;
    options.max_itemsets = max_itemsets;
    options.max_memory = max_memory;
    let sort: fn(&mut Itemsets) = match order {
        "count" => Itemsets::sort_by_count,
        "size" => Itemsets::sort_canonical,
        "mined" => |_| {},
        other => {
            let message = format!("{other:?} is not one of \"count\", \"size\", \"mined\"");
            return Err(Error::invalid_parameter("order", message).into());
        }
    };
    let baskets = &baskets.get().inner;
    let itemsets = gil::run(py, |control| {
        let mut itemsets = mine_with(baskets, &options, control)?;
        sort(&mut itemsets);
        Ok(itemsets)
    })?;
    Ok(mined_arrays(py, itemsets))
}

/// Flat routed baskets: each basket's group (uint32), item ids and offsets (int64).
type RoutedArrays<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<i64>>);

/// What each basket, given as one (basket, ranked item) pair per line item, sends to each of
/// `groups` groups (`upsell::mining::Groups::route`), with the GIL released.
#[pyfunction]
pub(crate) fn route_to_groups<'py>(
    py: Python<'py>,
    basket_ids: PyReadonlyArray1<'py, u32>,
    item_ids: PyReadonlyArray1<'py, u32>,
    groups: usize,
) -> PyUpsellResult<RoutedArrays<'py>> {
    let (basket_ids, item_ids) = (basket_ids.as_array().to_vec(), item_ids.as_array().to_vec());
    let routed = gil::run(py, move |_| {
        let groups = Groups::new(groups)?;
        Ok(groups.route(&Baskets::from_pairs(&basket_ids, &item_ids)?))
    })?;
    let (groups, baskets) = routed.into_parts();
    let offsets: Vec<i64> = baskets.offsets().iter().map(|&o| o as i64).collect();
    Ok((groups.into_pyarray(py), baskets.items().to_vec().into_pyarray(py), offsets.into_pyarray(py)))
}

/// Mines one group's routed baskets (`upsell::mining::mine_group`) at the global `min_count`,
/// with the GIL released.
#[pyfunction]
#[pyo3(signature = (items, offsets, groups, group, min_count, *, algorithm="auto", max_len=None, threads=None, max_itemsets=Some(DEFAULT_MAX_ITEMSETS)))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn mine_group<'py>(
    py: Python<'py>,
    items: PyReadonlyArray1<'py, u32>,
    offsets: PyReadonlyArray1<'py, i64>,
    groups: usize,
    group: u32,
    min_count: u64,
    algorithm: &str,
    max_len: Option<usize>,
    threads: Option<usize>,
    max_itemsets: Option<u64>,
) -> PyUpsellResult<MinedArrays<'py>> {
    let mut options = MiningOptions::new(MinSupport::count(min_count));
    options.algorithm = algorithm.parse()?;
    options.max_len = max_len;
    options.threads = threads;
    options.max_itemsets = max_itemsets;
    let items = items.as_array().to_vec();
    let offsets = offsets.as_array().iter().map(|&o| crate::data::offset(o)).collect::<upsell::Result<Vec<_>>>()?;
    let itemsets = gil::run(py, move |control| {
        let baskets = Baskets::from_arrays(items, offsets)?;
        mine_group_with(&baskets, &Groups::new(groups)?, group, &options, control)
    })?;
    Ok(mined_arrays(py, itemsets))
}

/// The absolute count that `min_support` (an int count or a float fraction) means for `baskets`
/// baskets: the one rule every surface applies.
#[pyfunction]
pub(crate) fn min_count(min_support: &Bound<'_, PyAny>, baskets: u64) -> PyUpsellResult<u64> {
    Ok(threshold(min_support)?.to_count(baskets)?)
}

fn mined_arrays(py: Python<'_>, itemsets: Itemsets) -> MinedArrays<'_> {
    let (n_baskets, min_count) = (itemsets.baskets(), itemsets.min_count());
    // The arrays become numpy's without a copy (the conversions to i64 reuse their memory): on
    // millions of itemsets, fresh copies cost more in page faults than the mining.
    let (items, offsets, counts) = itemsets.into_parts();
    let wide = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let offsets: Vec<i64> = offsets.into_iter().map(|o| wide(o as u64)).collect();
    let counts: Vec<i64> = counts.into_iter().map(wide).collect();
    (items.into_pyarray(py), offsets.into_pyarray(py), counts.into_pyarray(py), n_baskets, min_count)
}

/// The core's warning about `min_support` for data of `baskets` baskets (a count above them), if any.
#[pyfunction]
pub(crate) fn support_warning(min_support: &Bound<'_, PyAny>, baskets: u64) -> PyUpsellResult<Option<String>> {
    Ok(threshold(min_support)?.warning(baskets))
}

/// An `int` is a basket count, a `float` a fraction of baskets; anything else is refused.
pub(crate) fn threshold(value: &Bound<'_, PyAny>) -> upsell::Result<MinSupport> {
    let refuse = |message: String| Error::invalid_parameter("min_support", message);
    if value.is_instance_of::<PyBool>() {
        return Err(refuse(format!(
            "got the bool {value}: give an int (a basket count, at least 1) or a float (a fraction in (0, 1])"
        )));
    }
    if value.is_instance_of::<PyInt>() {
        return match value.extract::<i64>() {
            Ok(count) if count >= 1 => Ok(MinSupport::count(count.unsigned_abs())),
            Ok(count) => Err(refuse(format!("a count must be at least 1, got {count}"))),
            Err(_) => Err(refuse(format!("the count {value} is too large"))),
        };
    }
    if value.is_instance_of::<PyFloat>() {
        let fraction = value.extract::<f64>().map_err(|e| refuse(e.to_string()))?;
        return MinSupport::fraction(fraction);
    }
    let type_name = value.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".to_owned());
    Err(refuse(format!("must be an int (a basket count) or a float (a fraction of baskets), got {type_name}")))
}
