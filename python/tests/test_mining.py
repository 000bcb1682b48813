"""`upsell.frequent_itemsets`: every input kind, every output kind, and the errors users meet."""

from __future__ import annotations

import _thread
import gzip
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import upsell
from upsell import (
    CancelledError,
    InvalidInputError,
    InvalidParameterError,
    LimitExceededError,
    RuleSyntaxError,
    UpsellError,
)

from conftest import itemset_counts, mine_set

BASKETS = [["bread", "milk"], ["bread", "butter"], ["bread", "milk", "butter"], ["milk"]]
EXPECTED = {
    (frozenset({"bread"}), 3),
    (frozenset({"milk"}), 3),
    (frozenset({"butter"}), 2),
    (frozenset({"bread", "milk"}), 2),
    (frozenset({"bread", "butter"}), 2),
}


# -- inputs ---------------------------------------------------------------------------------------


def test_lists_of_strings():
    result = upsell.frequent_itemsets(BASKETS, 0.5)
    assert itemset_counts(result) == EXPECTED
    assert list(result.columns) == ["itemset", "count", "support"]
    assert isinstance(result["itemset"].dtype, pd.ArrowDtype)
    assert pa.types.is_list(result["itemset"].dtype.pyarrow_dtype)
    assert result["count"].dtype == np.int64
    assert result["support"].dtype == np.float64
    np.testing.assert_allclose(result["support"], result["count"] / 4)
    assert result.attrs == {"baskets": 4, "min_count": 2, "target": "all"}


@pytest.mark.parametrize("target", ["all", "closed", "maximal"])
@pytest.mark.parametrize("algorithm", ["fpgrowth", "eclat", "apriori"])
def test_most_frequent_itemsets_come_first(target: str, algorithm: str):
    rng = np.random.default_rng(7)
    matrix = rng.random((300, 12)) < 0.35
    result = upsell.frequent_itemsets(matrix, 10, target=target, algorithm=algorithm)
    counts = result["count"].to_numpy()
    sizes = result["itemset"].list.len().to_numpy()
    assert len(result) > 10
    keys = list(zip(-counts, sizes))
    assert keys == sorted(keys)


def test_label_types_come_back():
    ints = upsell.frequent_itemsets([[1, 2], [1, 3], [1, 2, 3]], 2)
    assert pa.types.is_integer(ints["itemset"].dtype.pyarrow_dtype.value_type)
    assert itemset_counts(ints) == {
        (frozenset({1}), 3),
        (frozenset({2}), 2),
        (frozenset({3}), 2),
        (frozenset({1, 2}), 2),
        (frozenset({1, 3}), 2),
    }
    tuples = upsell.frequent_itemsets([[("a", 1), ("b", 2)], [("a", 1)]], 2, as_frozensets=True)
    assert tuples["itemset"].tolist() == [frozenset({("a", 1)})]


@pytest.mark.parametrize(
    ("baskets", "outputs"),
    [
        ([[3, 1, 3], (2, 1), [1, 2, 3], [], [2**40, 1], [2**40], [-5, 2**20, 2**20 - 1], [2**20, -5]], ("pandas", "arrow")),
        ([["b", "a", "b"], ("c", "a"), ["a", "c", "b"], [], ["é", "a"], ["é"]], ("pandas", "arrow")),
        ([[2**70, 1], [2**70], [1, -(2**63)]], ("pandas",)),  # ints beyond int64 take the general path
        ([[1, "a"], ["a", 1], [1]], ("pandas",)),  # mixed kinds take the general path
        ([[True, 1], [1]], ("pandas",)),  # bools are not ints here
        ([[1, 2], {1, 2}], ("pandas", "arrow")),  # a set basket takes the general path
    ],
)
def test_list_fast_path_equals_the_general_path(baskets, outputs):
    def general():
        yield from baskets  # a generator: never the fast path

    for output in outputs:
        fast = upsell.frequent_itemsets(baskets, 2, output=output, as_frozensets=output == "pandas")
        slow = upsell.frequent_itemsets(general(), 2, output=output, as_frozensets=output == "pandas")
        if output == "pandas":
            assert sorted(map(tuple, fast.values.tolist()), key=repr) == sorted(map(tuple, slow.values.tolist()), key=repr)
        else:
            # Labels keep their kind; str labels may come back as string or large_string.
            kinds = [t.column("itemset").type.value_type for t in (fast, slow)]
            assert len({"str" if pa.types.is_string(k) or pa.types.is_large_string(k) else str(k) for k in kinds}) == 1
            # An itemset is a set: the order of its items is not part of the result.
            rows = [sorted(({**r, "itemset": sorted(r["itemset"])} for r in t.to_pylist()), key=repr) for t in (fast, slow)]
            assert rows[0] == rows[1]


def test_generators_sets_and_duplicates():
    baskets = (set(b) for b in [["x", "x", "y"], ["y"], ("x", "y")])
    assert mine_set(baskets, 2) == {
        (frozenset({"x"}), 2),
        (frozenset({"y"}), 3),
        (frozenset({"x", "y"}), 2),
    }


def test_empty_baskets_count_in_support():
    result = upsell.frequent_itemsets([["a"], [], ["a"], []], 0.5)
    assert itemset_counts(result) == {(frozenset({"a"}), 2)}
    assert result.attrs["baskets"] == 4


def test_as_frozensets_like_mlxtend():
    result = upsell.frequent_itemsets(BASKETS, 2, as_frozensets=True)
    assert result["itemset"].dtype == object
    assert set(zip(result["itemset"], result["count"])) == EXPECTED


def test_fimi_path_gives_int_items(tmp_path: Path):
    path = tmp_path / "small.dat"
    path.write_text("1 2\n1 3\n1 2 3\n")
    for data in (path, str(path)):
        assert mine_set(data, 2) == {
            (frozenset({1}), 3),
            (frozenset({2}), 2),
            (frozenset({3}), 2),
            (frozenset({1, 2}), 2),
            (frozenset({1, 3}), 2),
        }


def test_gzip_fimi_and_format_override(tmp_path: Path):
    path = tmp_path / "small.txt.gz"
    with gzip.open(path, "wt") as f:
        f.write("7 8\n7\n")
    assert mine_set(path, 2, format="fimi") == {(frozenset({7}), 2)}


def test_basket_csv_gives_str_items(tmp_path: Path):
    path = tmp_path / "small.csv"
    path.write_text("\n".join(",".join(b) for b in BASKETS) + "\n")
    assert mine_set(path, 2) == EXPECTED
    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("\n".join(";".join(b) for b in BASKETS) + "\n")
    assert mine_set(semicolons, 2, delimiter=";") == EXPECTED
    # The core's delimiter rule, as on the command line: `tab` names the tab.
    tabs = tmp_path / "tabs.tsv"
    tabs.write_text("\n".join("\t".join(b) for b in BASKETS) + "\n")
    assert mine_set(tabs, 2, format="baskets", delimiter="tab") == mine_set(tabs, 2, format="baskets", delimiter="\t") == EXPECTED
    with pytest.raises(upsell.InvalidParameterError, match="delimiter"):
        mine_set(tabs, 2, format="baskets", delimiter=";;")


LONG = pd.DataFrame(
    {
        "member": [1, 1, 2, 2, 2, 3, 3, 4],
        "day": ["d1", "d1", "d1", "d1", "d2", "d1", "d1", "d1"],
        "product": ["bread", "milk", "bread", "butter", "bread", "milk", "butter", "milk"],
    }
)


def test_long_pandas_frame_one_and_two_key_columns():
    # Keyed by member only: 4 baskets; member 2 bought bread twice (counted once).
    by_member = mine_set(LONG, 2, basket="member", item="product")
    assert (frozenset({"bread", "butter"}), 1) not in by_member
    assert (frozenset({"milk"}), 3) in by_member
    by_visit = upsell.frequent_itemsets(LONG, 1, basket=["member", "day"], item="product")
    assert by_visit.attrs["baskets"] == 5
    assert (frozenset({"bread"}), 3) in itemset_counts(by_visit)


def test_long_frame_missing_values_are_refused_as_in_lists_and_files():
    for frame, column in [
        (pd.DataFrame({"b": [1, 1, 2], "i": ["x", "y", None]}), "'i'"),
        (pd.DataFrame({"b": [1, np.nan, 2], "i": ["x", "y", "z"]}), "'b'"),
    ]:
        with pytest.raises(InvalidInputError, match=f"missing value .* in column {column}"):
            upsell.frequent_itemsets(frame, 1, basket="b", item="i")


def test_long_polars_frame_matches_pandas():
    expected = mine_set(LONG, 1, basket=["member", "day"], item="product")
    assert mine_set(pl.from_pandas(LONG), 1, basket=["member", "day"], item="product") == expected


def test_long_frame_integer_items_stay_integers():
    frame = pd.DataFrame({"b": [0, 0, 1], "i": [10, 20, 10]})
    assert mine_set(frame, 2, basket="b", item="i") == {(frozenset({10}), 2)}


@pytest.mark.parametrize(
    "items",
    [
        pa.array([-7, 3, -7, 100], pa.int8()),
        pa.array([2**64 - 1, 5, 2**64 - 1, 6], pa.uint64()),
        pa.array([0.5, -1.25, 0.5, 2.0], pa.float32()),
        pa.array(["x", "yy", "x", "zzz"]),
        pa.array([True, False, True, True]),
    ],
    ids=["int8", "uint64", "float32", "string", "bool"],
)
def test_long_table_item_labels_keep_their_type_and_values(items: pa.Array):
    # Labels of every Arrow type come back with that type (strings may come back as large_string).
    table = pa.table({"b": [0, 0, 1, 1], "i": items})
    result = upsell.frequent_itemsets(table, 1, basket="b", item="i", output="arrow")
    kind = result.column("itemset").type.value_type
    assert kind == items.type or (pa.types.is_string(items.type) and pa.types.is_large_string(kind))
    values = items.to_pylist()
    baskets = [set(values[:2]), set(values[2:])]
    expected = {(frozenset({v}), sum(v in b for b in baskets)) for v in set(values)}
    singles = {(frozenset(s), c) for s, c in zip(result.column("itemset").to_pylist(), result.column("count").to_pylist()) if len(s) == 1}
    assert singles == expected


def test_one_hot_numpy_and_frames():
    matrix = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=bool)
    expected_by_index = {
        (frozenset({0}), 3),
        (frozenset({1}), 2),
        (frozenset({2}), 2),
        (frozenset({0, 1}), 2),
        (frozenset({0, 2}), 2),
    }
    assert mine_set(matrix, 2) == expected_by_index
    assert mine_set(matrix.astype(np.int8), 2) == expected_by_index
    names = ["a", "b", "c"]
    renamed = {(frozenset(names[i] for i in s), c) for s, c in expected_by_index}
    assert mine_set(pd.DataFrame(matrix, columns=names), 2) == renamed
    assert mine_set(pl.DataFrame(matrix, schema=names, orient="row"), 2) == renamed


def test_one_hot_frames_of_numbers_and_sparse_columns_mine_alike():
    matrix = np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 0, 0]], dtype=bool)
    frame = pd.DataFrame(matrix, columns=["a", "b", "c"])
    expected = mine_set(frame, 2)
    for variant in (
        frame.astype(np.int64),
        frame.astype(np.float32),
        frame.astype("boolean"),
        frame.astype(pd.SparseDtype(bool, False)),
        frame.astype(pd.SparseDtype(np.int8, 0)),
        pl.from_pandas(frame.astype(np.int64)),
    ):
        assert mine_set(variant, 2) == expected
    result = upsell.frequent_itemsets(frame.astype(pd.SparseDtype(int, 0)), 2)
    assert result.attrs["baskets"] == 4


def test_one_hot_frame_without_columns_has_baskets_but_no_itemsets():
    result = upsell.frequent_itemsets(pd.DataFrame(index=range(3)), 1)
    assert len(result) == 0
    assert result.attrs["baskets"] == 3


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": [True, True], "b": [True, None]}, dtype="boolean"),
        pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, np.nan]}),
        pd.DataFrame({"a": [1, 1], "b": [1, 0]}).astype({"b": "Int64"}).mask(lambda f: f == 0),
        pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, np.nan]}).astype(pd.SparseDtype(float, 0.0)),
    ],
)
def test_missing_values_in_one_hot_frames_are_refused_naming_the_column(frame):
    with pytest.raises(InvalidInputError, match="taken as one-hot.*column 'b' holds a missing value .row 1.") as info:
        upsell.frequent_itemsets(frame, 1)
    assert info.value.column_name == "b"


def test_other_values_in_one_hot_frames_say_how_the_frame_was_read():
    with pytest.raises(InvalidParameterError, match="taken as one-hot.*column 'b' holds 2 .row 0..*basket= and item=") as info:
        upsell.frequent_itemsets(pd.DataFrame({"a": [1, 0], "b": [2, 1]}), 1)
    assert info.value.column_name == "b"
    with pytest.raises(InvalidParameterError, match="column 'b' holds 'x'"):
        upsell.frequent_itemsets(pd.DataFrame({"a": [1, 0], "b": ["x", "y"]}).astype(object), 1)
    with pytest.raises(InvalidInputError, match="taken as long"):
        upsell.frequent_itemsets(pd.DataFrame({"a": [1, 0]}), 1, basket="a", item="product")


def test_baskets_class_constructors():
    from_arrays = upsell.Baskets.from_arrays(np.array([0, 1, 0, 2, 0, 1, 2], np.uint32), np.array([0, 2, 4, 7]))
    from_pairs = upsell.Baskets.from_pairs(
        np.array([0, 0, 1, 1, 2, 2, 2], np.uint32), np.array([1, 0, 2, 0, 0, 1, 2], np.uint32)
    )
    from_dense = upsell.Baskets.from_dense(np.array([[1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=bool))
    for baskets in (from_arrays, from_pairs, from_dense):
        assert len(baskets) == 3
        assert baskets.item_count == 3
        assert baskets.offsets().tolist() == [0, 2, 4, 7]
        assert baskets.items().tolist() == [0, 1, 0, 2, 0, 1, 2]
        assert mine_set(baskets, 3) == {(frozenset({0}), 3)}
    with pytest.raises(InvalidInputError) as info:
        upsell.Baskets.from_arrays(np.array([1, 2], np.uint32), np.array([0, 3]))
    assert info.value.kind == "invalid_input"
    assert info.value.column_name == "offsets"
    # An id at or above 2**26 would size every per-item table by it (gigabytes for one stray id).
    with pytest.raises(upsell.LimitExceededError, match=r"items\[1\] is 4294967293"):
        upsell.Baskets.from_arrays(np.array([1, 4294967293], np.uint32), np.array([0, 2]))


# -- options and outputs --------------------------------------------------------------------------


def test_outputs_agree():
    pandas = upsell.frequent_itemsets(BASKETS, 2)
    polars = upsell.frequent_itemsets(BASKETS, 2, output="polars")
    arrow = upsell.frequent_itemsets(BASKETS, 2, output="arrow")
    assert isinstance(polars, pl.DataFrame)
    assert isinstance(arrow, pa.Table)
    assert polars.columns == ["itemset", "count", "support"]
    assert arrow.schema.metadata == {b"baskets": b"4", b"min_count": b"2", b"target": b"all"}
    assert itemset_counts(pandas) == itemset_counts(polars) == itemset_counts(arrow) == EXPECTED


def test_large_results_are_built_in_chunks_with_the_same_content(monkeypatch):
    # A column of millions of rows is built a chunk at a time, so Ctrl-C stops it between chunks;
    # two rows a chunk shows the chunks make the same itemsets and rules on every output.
    whole = {output: upsell.frequent_itemsets(BASKETS, 1, output=output) for output in ("pandas", "polars", "arrow")}
    rules = upsell.association_rules(whole["pandas"], 0.1)
    monkeypatch.setattr(upsell.frames, "ROWS_PER_CHUNK", 2)
    for output, expected in whole.items():
        chunked = upsell.frequent_itemsets(BASKETS, 1, output=output)
        assert itemset_counts(chunked) == itemset_counts(expected)
    assert upsell.frequent_itemsets(BASKETS, 1, output="arrow").column("itemset").num_chunks > 1
    chunked_rules = upsell.association_rules(whole["pandas"], 0.1)
    pd.testing.assert_frame_equal(chunked_rules, rules)
    arrow_rules = upsell.association_rules(whole["arrow"], 0.1, output="arrow")
    assert arrow_rules.column("antecedents").to_pylist() == [list(s) for s in rules["antecedents"]]


@pytest.mark.parametrize("algorithm", ["auto", "fpgrowth", "eclat", "apriori"])
@pytest.mark.parametrize("target", ["all", "closed", "maximal"])
def test_algorithms_and_threads_agree(algorithm: str, target: str):
    rng = np.random.default_rng(7)
    matrix = rng.random((300, 12)) < 0.4
    reference = mine_set(matrix, 20, algorithm="apriori", target=target, threads=1)
    assert mine_set(matrix, 20, algorithm=algorithm, target=target, threads=1) == reference
    assert mine_set(matrix, 20, algorithm=algorithm, target=target, threads=2) == reference


def test_closed_and_maximal():
    assert mine_set(BASKETS, 2, target="maximal") == {
        (frozenset({"bread", "milk"}), 2),
        (frozenset({"bread", "butter"}), 2),
    }
    closed = mine_set(BASKETS, 2, target="closed")
    assert closed == EXPECTED - {(frozenset({"butter"}), 2)}


def test_length_bounds():
    assert mine_set(BASKETS, 2, min_len=2) == {s for s in EXPECTED if len(s[0]) == 2}
    assert mine_set(BASKETS, 2, max_len=1) == {s for s in EXPECTED if len(s[0]) == 1}


def test_numpy_scalars_as_thresholds():
    assert mine_set(BASKETS, np.int64(2)) == EXPECTED
    assert mine_set(BASKETS, np.float64(0.5)) == EXPECTED


def test_exact_fraction_threshold():
    # 0.01 of 100 baskets is exactly 1 basket, not 2 as float rounding could make it.
    baskets = [["a"]] + [["b"]] * 99
    assert upsell.frequent_itemsets(baskets, 0.01).attrs["min_count"] == 1
    assert upsell.frequent_itemsets(baskets, 1.0).attrs["min_count"] == 100


# -- errors ---------------------------------------------------------------------------------------


def test_exception_hierarchy():
    for cls in (InvalidInputError, InvalidParameterError, RuleSyntaxError, LimitExceededError, CancelledError):
        assert issubclass(cls, UpsellError)
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(InvalidParameterError, ValueError)


@pytest.mark.parametrize("bad", [0, -3, 0.0, -0.1, 1.5, float("nan"), True, False, "0.1", None])
def test_bad_min_support(bad):
    with pytest.raises(InvalidParameterError, match="min_support") as info:
        upsell.frequent_itemsets(BASKETS, bad)
    assert info.value.kind == "invalid_parameter"


@pytest.mark.parametrize(
    ("option", "value"),
    [("algorithm", "magic"), ("target", "everything"), ("output", "excel"), ("format", "xml"), ("delimiter", "::")],
)
def test_bad_options(tmp_path: Path, option: str, value: str):
    path = tmp_path / "small.csv"
    path.write_text("a,b\n")
    with pytest.raises(InvalidParameterError, match=option) as info:
        upsell.frequent_itemsets(path, 1, **{option: value})
    assert info.value.kind == "invalid_parameter"


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no-such-file.dat") as info:
        upsell.frequent_itemsets("no-such-file.dat", 1)
    assert info.value.filename == "no-such-file.dat"


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.dat"
    path.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="empty.dat") as info:
        upsell.frequent_itemsets(path, 1)
    assert info.value.kind == "invalid_input"
    assert info.value.path == str(path)


def test_non_utf8_csv(tmp_path: Path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"bread,milk\ncaf\xe9,milk\n")
    with pytest.raises(InvalidInputError, match=r"latin1\.csv:2") as info:
        upsell.frequent_itemsets(path, 1)
    assert (info.value.kind, info.value.path, info.value.line) == ("invalid_input", str(path), 2)
    assert "UTF-8" in str(info.value)


def test_non_integer_fimi_item(tmp_path: Path):
    path = tmp_path / "words.dat"
    path.write_text("1 2\n3 x 4\n")
    with pytest.raises(InvalidInputError, match=r"words\.dat:2:2") as info:
        upsell.frequent_itemsets(path, 1)
    err = info.value
    assert (err.kind, err.path, err.line, err.column) == ("invalid_input", str(path), 2, 2)
    assert "'x'" in str(err)


def test_missing_long_csv_column(tmp_path: Path):
    path = tmp_path / "long.csv"
    path.write_text("order,product\n1,bread\n")
    with pytest.raises(InvalidInputError, match=r"long\.csv:1") as info:
        upsell.frequent_itemsets(path, 1, basket="basket", item="product")
    assert (info.value.kind, info.value.line, info.value.column_name) == ("invalid_input", 1, "basket")


def test_missing_frame_column():
    with pytest.raises(InvalidInputError, match="'basket'") as info:
        upsell.frequent_itemsets(LONG, 1, basket="basket", item="product")
    assert info.value.column_name == "basket"


def test_bad_inputs_in_memory():
    with pytest.raises(InvalidInputError, match="basket 1"):
        upsell.frequent_itemsets([["a"], "ab"], 1)
    with pytest.raises(InvalidInputError, match="basket 1"):
        upsell.frequent_itemsets([["a"], ["b", None]], 1)
    with pytest.raises(InvalidInputError, match="one-hot"):
        upsell.frequent_itemsets(np.array([[0, 2]]), 1)
    with pytest.raises(InvalidParameterError, match="basket"):
        upsell.frequent_itemsets(pd.DataFrame({"a": [1, 2]}), 1)
    with pytest.raises(InvalidParameterError, match="data"):
        upsell.frequent_itemsets(42, 1)
    with pytest.raises(InvalidInputError, match="as_frozensets"):
        upsell.frequent_itemsets([[1, "a"]], 1)
    mixed = upsell.frequent_itemsets([[1, "a"]], 1, as_frozensets=True)
    assert set(mixed["itemset"]) == {frozenset({1}), frozenset({"a"}), frozenset({1, "a"})}


def test_limit_exceeded():
    with pytest.raises(LimitExceededError, match="max_itemsets") as info:
        upsell.frequent_itemsets([list(range(12))] * 3, 1, max_itemsets=100)
    assert info.value.kind == "limit_exceeded"
    assert len(upsell.frequent_itemsets([list(range(12))] * 3, 1, max_itemsets=None)) == 2**12 - 1


def test_ctrl_c_cancels_mining_and_raises_keyboard_interrupt(data_dir: Path):
    # Mining retail at a count of 1 would run for minutes: Ctrl-C must stop it. The baskets are
    # read first, so the Ctrl-C lands in the mining, and soon: the itemset budget (which keeps a
    # failure from exhausting memory) is reached after a few tenths of a second.
    # Python's own Ctrl-C handler is put in place for the test: a simulated Ctrl-C does nothing
    # under any other, and one of the earlier tests in a full run leaves another behind.
    baskets = upsell.Baskets.read(data_dir / "retail.dat.gz")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.1, _thread.interrupt_main)
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            upsell.frequent_itemsets(baskets, 1, max_itemsets=50_000_000, max_memory=None)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - start < 30


def test_long_csv_file_matches_frame(data_dir: Path):
    path = data_dir / "groceries_members.csv"
    keys = ["Member_number", "Date"]
    from_file = upsell.frequent_itemsets(path, 0.001, basket=keys, item="itemDescription")
    from_frame = upsell.frequent_itemsets(pd.read_csv(path), 0.001, basket=keys, item="itemDescription")
    assert from_file.attrs == from_frame.attrs == {"baskets": 14963, "min_count": 15, "target": "all"}
    assert itemset_counts(from_file) == itemset_counts(from_frame)


def test_polars_output_without_polars_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(ImportError, match=r"pip install 'upsell\[polars\]'"):
        upsell.frequent_itemsets([["a", "b"]], 1, output="polars")
