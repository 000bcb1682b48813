"""Adapters between dataframes and the compiled core: inputs become ``Baskets``, results Arrow lists.

The one idea: nothing crosses the boundary one Python object at a time. Labels are factorised
(pandas) into dense integer codes before the core sees them, and results come back as three numpy
arrays (item codes, offsets, counts) that become an Arrow ``list`` column by
``ListArray.from_arrays(offsets, labels.take(items))``. Only ``as_frozensets=True`` builds a Python
object per itemset, because that is what it asks for.
"""

from __future__ import annotations

import itertools
import os
import warnings
from typing import Any, Iterable, NamedTuple, Optional, Sequence, Union

import numpy as np
import pandas as pd
import pyarrow as pa

from upsell import _upsell
from upsell.exceptions import InvalidInputError, InvalidParameterError

__all__ = ["OneHotValueError", "Prepared", "itemsets_frame", "long_basket_codes", "one_hot_baskets", "prepare", "time_arguments", "to_polars"]

#: Labels by item code: an Arrow array, or an object ndarray when one Arrow column cannot hold
#: the labels: mixed types, or ints beyond 64 bits (only ``as_frozensets=True`` can return those).
Labels = Union[pa.Array, np.ndarray]

_OUTPUTS = ("pandas", "polars", "arrow")


class Prepared(NamedTuple):
    """Baskets ready for the core, and the label of each item code."""

    baskets: _upsell.Baskets
    labels: Labels


def prepare(
    data: Any,
    *,
    basket: Union[str, Sequence[str], None] = None,
    item: Optional[str] = None,
    format: Optional[str] = None,
    delimiter: Optional[str] = None,
) -> Prepared:
    """Turns any supported input into :class:`Prepared` baskets (see ``frequent_itemsets``)."""
    columns = _basket_columns(basket)
    if isinstance(data, _upsell.Baskets):
        return Prepared(data, _stored_labels(data, fimi=False))
    if isinstance(data, (str, os.PathLike)):
        return _from_path(os.fspath(data), columns, item, format, delimiter)
    if format is not None or delimiter is not None:
        raise _parameter("format", "format= and delimiter= apply to files only")
    if isinstance(data, pa.Table):
        data = data.to_pandas()
    elif _is_polars_frame(data):
        return _from_polars(data, columns, item)
    if isinstance(data, pd.DataFrame):
        if columns is not None or item is not None:
            return _from_long(data, columns, item)
        return _from_one_hot_frame(data)
    if columns is not None or item is not None:
        raise _parameter("basket", "basket= and item= apply to long dataframes and files only")
    if isinstance(data, np.ndarray) and data.ndim == 2:
        return Prepared(_dense(data), pa.array(np.arange(data.shape[1], dtype=np.int64)))
    if isinstance(data, np.ndarray) and data.ndim != 1:
        raise InvalidInputError(
            f"a {data.ndim}-D array is neither a list of baskets nor a one-hot matrix (2-D, baskets by items)",
            kind="invalid_input",
        )
    if isinstance(data, (bytes, bytearray)) or not isinstance(data, Iterable):
        raise _parameter(
            "data",
            f"cannot mine a {type(data).__name__}: give a list of baskets, a path, a dataframe "
            "or a one-hot matrix",
        )
    return _from_lists(data)


def itemsets_frame(
    items: np.ndarray,
    offsets: np.ndarray,
    counts: np.ndarray,
    n_baskets: int,
    min_count: int,
    labels: Labels,
    *,
    output: str = "pandas",
    as_frozensets: bool = False,
    target: str = "all",
) -> Any:
    """Builds the result table: ``itemset``, ``count`` (int64), ``support`` (float64)."""
    if output not in _OUTPUTS:
        raise _parameter("output", f"{output!r} is not one of {', '.join(_OUTPUTS)}")
    support = counts / n_baskets if n_baskets else counts.astype(np.float64)
    if as_frozensets:
        if output != "pandas":
            raise _parameter("as_frozensets", "frozensets are a pandas (mlxtend-style) output only")
        column: Any = _frozensets(items, offsets, labels)
    else:
        if not isinstance(labels, pa.Array):
            raise InvalidInputError(
                "one Arrow column cannot hold the item labels (they mix types, or are ints beyond "
                "64 bits); pass as_frozensets=True or use labels of one type",
                kind="invalid_input",
            )
        column = _list_array(items, offsets, labels)
    if output == "pandas":
        # The arrays are this frame's alone: taking them as they are spares pandas copying them
        # into new blocks, memory that a first call has to fault in.
        frame = pd.DataFrame(
            {
                "itemset": column if as_frozensets else pd.arrays.ArrowExtensionArray(column),
                "count": counts.astype(np.int64, copy=False),
                "support": support,
            },
            copy=False,
        )
        frame.attrs["baskets"] = int(n_baskets)
        frame.attrs["min_count"] = int(min_count)
        frame.attrs["target"] = target
        return frame
    table = pa.table(
        {"itemset": column, "count": pa.array(counts, pa.int64()), "support": pa.array(support, pa.float64())},
        metadata={"baskets": str(n_baskets), "min_count": str(min_count), "target": target},
    )
    if output == "arrow":
        return table
    return to_polars(table)


def to_polars(table: pa.Table) -> Any:
    """``polars.from_arrow(table)``, or an ImportError that says how to install polars."""
    try:
        import polars as pl
    except ImportError:
        raise ImportError("output='polars' needs polars, an optional dependency: pip install 'upsell[polars]'") from None
    return pl.from_arrow(table)


# -- inputs -------------------------------------------------------------------------------------


def _basket_columns(basket: Union[str, Sequence[str], None]) -> Optional[list]:
    if basket is None:
        return None
    if isinstance(basket, str):
        return [basket]
    columns = list(basket)
    if not columns or not all(isinstance(c, str) for c in columns):
        raise _parameter("basket", "give a column name or a non-empty list of column names")
    return columns


def _from_path(
    path: str, columns: Optional[list], item: Optional[str], format: Optional[str], delimiter: Optional[str]
) -> Prepared:
    baskets = _upsell.Baskets.read(path, format=format, delimiter=delimiter, basket=columns, item=item)
    shape = baskets.shape_warning()
    if shape is not None:
        warnings.warn(f"{path}: {shape} (read as {baskets.format}; see format= and delimiter=)", stacklevel=4)
    return Prepared(baskets, _stored_labels(baskets, fimi=baskets.format == "fimi"))


def _stored_labels(baskets: _upsell.Baskets, *, fimi: bool) -> pa.Array:
    labels = baskets.labels
    if labels is None:
        return pa.array(np.arange(baskets.item_count, dtype=np.int64))
    strings = pa.array(labels, pa.string())
    return strings.cast(pa.int64()) if fimi else strings


def _from_long(frame: pd.DataFrame, columns: Optional[list], item: Optional[str]) -> Prepared:
    if columns is None or item is None:
        raise _parameter("basket", "a long dataframe needs both basket= and item= column names")
    for name in [*columns, item]:
        if name not in frame.columns:
            raise InvalidInputError(
                f"the dataframe was taken as long (one line item a row, as basket= and item= were given) "
                f"but has no column {name!r} (columns: {', '.join(map(str, frame.columns))})",
                kind="invalid_input",
                column_name=name,
            )
    # A missing basket key or item is refused, as in a list of baskets or a long CSV file.
    for name in [*columns, item]:
        missing = np.flatnonzero(pd.isna(frame[name]).to_numpy())
        if len(missing):
            raise InvalidInputError(
                f"row {frame.index[missing[0]]!r} has a missing value (None or NaN) in column {name!r}: "
                "drop or fill such rows first",
                kind="invalid_input",
                column_name=name,
            )
    basket_codes = long_basket_codes(frame, columns)
    item_codes, uniques = pd.factorize(frame[item])
    n_baskets = int(basket_codes.max()) + 1 if len(basket_codes) else 0
    order = np.argsort(basket_codes, kind="stable")
    offsets = np.zeros(n_baskets + 1, dtype=np.int64)
    np.cumsum(np.bincount(basket_codes, minlength=n_baskets), out=offsets[1:])
    baskets = _upsell.Baskets.from_arrays(item_codes[order].astype(np.uint32), offsets)
    return Prepared(baskets, _arrow_labels(uniques))


def time_arguments(column: pd.Series, name: str) -> dict:
    """Datetimes cross as Unix seconds (naive read as UTC); anything else as text for the core."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(column.dtype) and not column.isna().any():
        nanoseconds = column.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        return {"seconds": nanoseconds // 1_000_000_000}
    texts = [None if pd.isna(v) else str(v) for v in column.tolist()]
    return {"times": texts, "time_column": name}


def long_basket_codes(frame: pd.DataFrame, columns: list) -> np.ndarray:
    """Each row's basket number, in order of first appearance (the order of the baskets built)."""
    if len(columns) == 1:
        codes, _ = pd.factorize(frame[columns[0]], use_na_sentinel=False)
        return codes
    return frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()


def _from_one_hot_frame(frame: pd.DataFrame) -> Prepared:
    try:
        baskets = one_hot_baskets(frame)
    except OneHotValueError as bad:
        raise _one_hot_error(frame, bad) from None
    return Prepared(baskets, _arrow_labels(np.asarray(frame.columns, dtype=object)))


class OneHotValueError(ValueError):
    """A cell of a one-hot frame that is neither true/false nor 0/1 (a missing value included)."""

    def __init__(self, column: int, row: int, value: Any) -> None:
        value = value.item() if isinstance(value, np.generic) else value
        super().__init__(f"column {column}, row {row} holds {value!r}")
        self.column, self.row, self.value = column, row, value


def one_hot_baskets(frame: pd.DataFrame) -> _upsell.Baskets:
    """The baskets of a one-hot frame, items numbered by column position.

    Columns may be bool, 0/1 numbers, or pandas sparse arrays of either; a frame with no columns is
    baskets without items. Raises :class:`OneHotValueError` at the first other value, missing
    values (NaN, ``pd.NA``, ``None``) included.
    """
    n_rows, n_columns = frame.shape
    # The dtypes tell a sparse frame without listing its columns (a tenth of a millisecond on
    # groceries' 169 dense ones).
    if n_columns and all(isinstance(dtype, pd.SparseDtype) for dtype in frame.dtypes):
        return _sparse_one_hot(n_rows, _column_arrays(frame))
    values = frame.to_numpy()
    if values.dtype == np.bool_:
        matrix = values
    else:
        bad = _bad_cells(values)
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad.T)[0][::-1])
            raise OneHotValueError(column, row, values[row, column])
        matrix = np.asarray(values == 1, dtype=bool).reshape(n_rows, n_columns)
    # The core reads any memory layout in place (a frame's block is column-major).
    return _upsell.Baskets.from_dense(matrix)


def _column_arrays(frame: pd.DataFrame) -> list:
    """The frame's column arrays, in order.

    pandas' private iterator takes microseconds a column where ``frame.iloc`` takes tens (retail's
    16,470 sparse columns: 2 ms against 400 ms); the public way is the fallback.
    """
    iterate = getattr(frame, "_iter_column_arrays", None)
    if callable(iterate):
        return list(iterate())
    return [frame.iloc[:, k].array for k in range(frame.shape[1])]


def _sparse_one_hot(n_rows: int, arrays: list) -> _upsell.Baskets:
    # Only the stored values are read, all columns at once; a column whose fill value is not
    # 0/False is read whole.
    fills = [a.fill_value for a in arrays]
    # A frame's columns share a few fill values: each is judged once (retail's 16,470 columns:
    # 4 ms where judging every column's took 18).
    zero_fill = {fill: not pd.isna(fill) and fill in (0, False) for fill in set(fills)}
    stored = [
        (np.asarray(a.sp_values), np.asarray(a.sp_index.indices))
        if zero_fill[fill]
        else (np.asarray(a), np.arange(n_rows))
        for a, fill in zip(arrays, fills)
    ]
    lengths = np.fromiter((len(values) for values, _ in stored), dtype=np.int64, count=len(stored))
    values = np.concatenate([values for values, _ in stored])
    positions = np.concatenate([positions for _, positions in stored]).astype(np.int64, copy=False)
    column_of = np.repeat(np.arange(len(stored), dtype=np.uint32), lengths)
    bad = _bad_cells(values)
    if bad.any():
        first = int(np.argmax(bad))
        raise OneHotValueError(int(column_of[first]), int(positions[first]), values[first])
    present = np.asarray(values == 1, dtype=bool)
    return _grouped(positions[present].astype(np.uint32), column_of[present], n_rows)


def _grouped(row_of: np.ndarray, column_of: np.ndarray, n_rows: int) -> _upsell.Baskets:
    """Baskets of (row, column) pairs; the core groups them by row with a counting sort."""
    grouped = _upsell.Baskets.from_pairs(row_of, column_of)
    if len(grouped) == n_rows:
        return grouped
    # Rows after the last non-empty one are empty baskets, which count too.
    offsets = np.full(n_rows + 1, grouped.offsets()[-1], dtype=np.int64)
    offsets[: len(grouped) + 1] = grouped.offsets()
    return _upsell.Baskets.from_arrays(grouped.items(), offsets)


def _bad_cells(values: np.ndarray) -> np.ndarray:
    if values.dtype == np.bool_:
        return np.zeros(values.shape, dtype=bool)
    if values.dtype.kind in "iuf":
        return ~((values == 0) | (values == 1))
    missing = pd.isna(values)
    bad = np.ones(values.shape, dtype=bool)
    known = values[~missing]
    bad[~missing] = ~((known == 0) | (known == 1)).astype(bool)
    return bad


def _one_hot_error(frame: pd.DataFrame, bad: OneHotValueError) -> Exception:
    name = frame.columns[bad.column]
    taken = "the dataframe was taken as one-hot (no basket= or item= given)"
    if pd.isna(bad.value):
        return InvalidInputError(
            f"{taken}, and its column {name!r} holds a missing value (row {bad.row}): a one-hot "
            "frame holds only True/False or 0/1; fill the gaps (with False) first",
            kind="invalid_input",
            column_name=str(name),
        )
    return InvalidParameterError(
        f"invalid parameter 'basket': {taken}, but its column {name!r} holds {bad.value!r} "
        f"(row {bad.row}): a one-hot frame holds only True/False or 0/1; for a long frame (one "
        "line item a row) give basket= and item=",
        kind="invalid_parameter",
        column_name=str(name),
    )


def _is_polars_frame(data: Any) -> bool:
    return type(data).__module__.split(".")[0] == "polars" and type(data).__name__ == "DataFrame"


def _from_polars(frame: Any, columns: Optional[list], item: Optional[str]) -> Prepared:
    if columns is None and item is None:
        return _from_one_hot_frame(frame.to_pandas())
    wanted = [c for c in [*(columns or []), *([item] if item else [])] if c in frame.columns]
    return _from_long(frame.select(wanted).to_pandas(), columns, item)


def _dense(matrix: np.ndarray) -> _upsell.Baskets:
    if matrix.dtype != np.bool_:
        if not np.issubdtype(matrix.dtype, np.integer) or not np.isin(matrix, (0, 1)).all():
            raise InvalidInputError(
                f"a one-hot matrix must be bool (or 0/1 integers), got dtype {matrix.dtype}", kind="invalid_input"
            )
        matrix = matrix.astype(bool)
    return _upsell.Baskets.from_dense(matrix)


def _from_lists(data: Iterable[Any]) -> Prepared:
    fast = _upsell.Baskets.from_lists(data) if isinstance(data, list) else None
    if fast is not None:
        baskets_store, labels = fast
        return Prepared(baskets_store, pa.array(labels))
    baskets = []
    for index, basket in enumerate(data):
        if isinstance(basket, (str, bytes)) or not isinstance(basket, Iterable):
            raise InvalidInputError(
                f"basket {index} is a {type(basket).__name__}, not a collection of items "
                f"(write [{basket!r}] for a basket of one item)",
                kind="invalid_input",
            )
        baskets.append(basket if isinstance(basket, (list, tuple)) else list(basket))
    lengths = np.fromiter((len(b) for b in baskets), dtype=np.int64, count=len(baskets))
    offsets = np.zeros(len(baskets) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = list(itertools.chain.from_iterable(baskets))
    codes, uniques = pd.factorize(pd.Series(flat, dtype=object if not flat else None))
    if (codes < 0).any():
        position = int(np.flatnonzero(codes < 0)[0])
        index = int(np.searchsorted(offsets, position, side="right")) - 1
        raise InvalidInputError(f"basket {index} holds a missing item (None or NaN)", kind="invalid_input")
    baskets_store = _upsell.Baskets.from_arrays(codes.astype(np.uint32), offsets)
    return Prepared(baskets_store, _arrow_labels(uniques))


def _arrow_labels(uniques: Any) -> Labels:
    values = np.asarray(uniques, dtype=object) if isinstance(uniques, pd.Index) and uniques.dtype == object else uniques
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return np.fromiter(uniques, dtype=object, count=len(uniques))


# -- outputs ------------------------------------------------------------------------------------


#: Rows per chunk of a large itemset column. Python looks for Ctrl-C only between calls into
#: Arrow, so a column of tens of millions of rows is built a chunk at a time (about 0.1 s each):
#: a Ctrl-C stops it at once instead of after the whole column.
ROWS_PER_CHUNK = 1 << 20


def _list_array(items: np.ndarray, offsets: np.ndarray, labels: pa.Array) -> Union[pa.Array, pa.ChunkedArray]:
    rows = len(offsets) - 1
    large = offsets[-1] > np.iinfo(np.int32).max
    if rows <= ROWS_PER_CHUNK:
        return _list_chunk(items, offsets, labels, large)
    return pa.chunked_array(
        [
            _list_chunk(items, offsets[start : min(start + ROWS_PER_CHUNK, rows) + 1], labels, large)
            for start in range(0, rows, ROWS_PER_CHUNK)
        ]
    )


def _list_chunk(items: np.ndarray, offsets: np.ndarray, labels: pa.Array, large: bool) -> pa.Array:
    """The lists of ``offsets`` (a slice of the offsets, with its end) as one Arrow list array."""
    first, last = int(offsets[0]), int(offsets[-1])
    values = labels.take(pa.array(items[first:last]))
    local = offsets - first
    if large:
        return pa.LargeListArray.from_arrays(pa.array(local), values)
    return pa.ListArray.from_arrays(pa.array(local.astype(np.int32)), values)


def _frozensets(items: np.ndarray, offsets: np.ndarray, labels: Labels) -> np.ndarray:
    objects = labels.to_pylist() if isinstance(labels, pa.Array) else list(labels)
    return _upsell.frozensets(
        np.asarray(items, dtype=np.uint32), np.asarray(offsets, dtype=np.int64), objects
    )


def _parameter(name: str, message: str) -> InvalidParameterError:
    return InvalidParameterError(f"invalid parameter '{name}': {message}", kind="invalid_parameter")
