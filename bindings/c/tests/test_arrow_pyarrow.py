"""The C library's Arrow streams against pyarrow and the Python API.

pyarrow exports streams with ``RecordBatchReader._export_to_c`` and takes the library's back with
``RecordBatchReader._import_from_c``; libupsell is loaded with ctypes from ``UPSELL_CAPI_LIB``
(bindings/c/tests/run.sh points it at the library it installed). Every result must equal what the
Python surface computes from the same data.

    UPSELL_CAPI_LIB=path/to/libupsell.so python -m pytest -q bindings/c/tests/test_arrow_pyarrow.py
"""

import ctypes
import datetime as dt
import decimal
import os

import pyarrow as pa
import pytest

import upsell

OK, INVALID_INPUT, INVALID_PARAMETER = 0, 1, 2


class ArrowArrayStream(ctypes.Structure):
    _fields_ = [(name, ctypes.c_void_p) for name in ("get_schema", "get_next", "get_last_error", "release", "private_data")]


class MineOptions(ctypes.Structure):
    _fields_ = [
        ("min_support_fraction", ctypes.c_double),
        ("min_support_count", ctypes.c_uint64),
        ("algorithm", ctypes.c_int),
        ("target", ctypes.c_int),
        ("min_len", ctypes.c_uint32),
        ("max_len", ctypes.c_uint32),
        ("threads", ctypes.c_uint32),
        ("max_itemsets", ctypes.c_uint64),
        ("max_memory", ctypes.c_uint64),
        ("control", ctypes.c_void_p),
    ]


class RuleOptions(ctypes.Structure):
    _fields_ = [
        ("min_confidence", ctypes.c_double),
        ("min_lift", ctypes.c_double),
        ("max_antecedent_len", ctypes.c_uint32),
        ("max_consequent_len", ctypes.c_uint32),
        ("consequent_items", ctypes.c_void_p),
        ("consequent_items_len", ctypes.c_size_t),
        ("exclude_items", ctypes.c_void_p),
        ("exclude_items_len", ctypes.c_size_t),
        ("prune_redundant", ctypes.c_int),
        ("max_rules", ctypes.c_uint64),
        ("threads", ctypes.c_uint32),
        ("control", ctypes.c_void_p),
    ]


@pytest.fixture(scope="module")
def lib():
    path = os.environ.get("UPSELL_CAPI_LIB")
    if not path:
        pytest.fail("set UPSELL_CAPI_LIB to the path of libupsell.so (bindings/c/tests/run.sh does)")
    lib = ctypes.CDLL(path)
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    out = ctypes.POINTER(ctypes.c_void_p)
    signatures = {
        "upsell_baskets_from_arrow": [handle, text, out, out],
        "upsell_baskets_from_arrow_long": [handle, text, text, text, text, out, out],
        "upsell_mine_options_default": [ctypes.POINTER(MineOptions)],
        "upsell_mine": [handle, ctypes.POINTER(MineOptions), out, out],
        "upsell_itemsets_to_arrow": [handle, handle, handle, out],
        "upsell_rule_options_default": [ctypes.POINTER(RuleOptions)],
        "upsell_rules_generate": [handle, ctypes.POINTER(RuleOptions), out, out],
        "upsell_rules_to_arrow": [handle, handle, handle, out],
        "upsell_ruleset_from_str": [text, ctypes.c_int, out, out],
        "upsell_ruleset_evaluate_arrow": [handle, handle, text, text, text, ctypes.c_uint32, handle, out],
        "upsell_recommender_load": [text, out, out],
        "upsell_recommend_arrow": [handle, handle, text, ctypes.c_size_t, ctypes.c_int, ctypes.c_double, ctypes.c_int,
                                   ctypes.c_uint32, handle, ctypes.POINTER(ctypes.c_size_t), out],
        "upsell_order_metrics_to_arrow": [text, text, text, ctypes.c_int, handle, out],
        "upsell_error_message": [handle],
        "upsell_error_free": [handle],
    }
    for name, arguments in signatures.items():
        getattr(lib, name).argtypes = arguments
        getattr(lib, name).restype = ctypes.c_int
    lib.upsell_error_message.restype = ctypes.c_char_p
    lib.upsell_error_free.restype = None
    for name in ("upsell_baskets_free", "upsell_itemsets_free", "upsell_rules_free", "upsell_ruleset_free",
                 "upsell_recommender_free"):
        getattr(lib, name).argtypes = [handle]
        getattr(lib, name).restype = None
    return lib


def call(lib, name, *arguments, expect=OK):
    """Calls `name` with an error out-parameter last; returns the error message on failure."""
    err = ctypes.c_void_p()
    status = getattr(lib, name)(*arguments, ctypes.byref(err))
    message = None
    if err.value:
        message = lib.upsell_error_message(err).decode()
        lib.upsell_error_free(err)
    assert status == expect, f"{name} returned {status}: {message}"
    return message


def export(reader: pa.RecordBatchReader) -> ArrowArrayStream:
    stream = ArrowArrayStream()
    reader._export_to_c(ctypes.addressof(stream))
    return stream


def imported(stream: ArrowArrayStream) -> pa.Table:
    return pa.RecordBatchReader._import_from_c(ctypes.addressof(stream)).read_all()


BASKETS = [["milk", "bread"], ["bread", "eggs"], ["milk", "bread", "eggs"], ["milk"], [], ["bread", "milk", "bread"]]


def sets(table: pa.Table, column: str) -> list:
    return [frozenset(items) for items in table.column(column).to_pylist()]


def mine(lib, baskets: ctypes.c_void_p, count: int) -> ctypes.c_void_p:
    options = MineOptions()
    lib.upsell_mine_options_default(ctypes.byref(options))
    options.min_support_count = count
    itemsets = ctypes.c_void_p()
    call(lib, "upsell_mine", baskets, ctypes.byref(options), ctypes.byref(itemsets))
    return itemsets


def itemsets_of(lib, baskets: ctypes.c_void_p, itemsets: ctypes.c_void_p) -> dict:
    out = ArrowArrayStream()
    call(lib, "upsell_itemsets_to_arrow", itemsets, baskets, ctypes.addressof(out))
    table = imported(out)
    assert table.column_names == ["itemset", "count", "support"]
    return dict(zip(sets(table, "itemset"), zip(table.column("count").to_pylist(), table.column("support").to_pylist())))


def python_itemsets(frame) -> dict:
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame)
    return dict(zip(sets(table, "itemset"), zip(table.column("count").to_pylist(), table.column("support").to_pylist())))


@pytest.mark.parametrize("large", [False, True])
def test_baskets_in_itemsets_and_rules_out_equal_the_python_api(lib, large):
    item = pa.large_string() if large else pa.dictionary(pa.int32(), pa.string())
    kind = pa.large_list(item) if large else pa.list_(item)
    batches = [pa.record_batch([pa.array(BASKETS[:3], kind)], names=["basket"]),
               pa.record_batch([pa.array(BASKETS[3:], kind)], names=["basket"])]
    stream = export(pa.RecordBatchReader.from_batches(batches[0].schema, batches))
    baskets = ctypes.c_void_p()
    call(lib, "upsell_baskets_from_arrow", ctypes.addressof(stream), b"basket", ctypes.byref(baskets))
    assert stream.release is None  # moved in
    itemsets = mine(lib, baskets, 2)
    expected = upsell.frequent_itemsets(BASKETS, 2, output="arrow")
    assert itemsets_of(lib, baskets, itemsets) == python_itemsets(expected)

    options = RuleOptions()
    lib.upsell_rule_options_default(ctypes.byref(options))
    options.min_confidence = 0.5
    rules = ctypes.c_void_p()
    call(lib, "upsell_rules_generate", itemsets, ctypes.byref(options), ctypes.byref(rules))
    out = ArrowArrayStream()
    call(lib, "upsell_rules_to_arrow", rules, baskets, ctypes.addressof(out))
    got = imported(out)
    want = upsell.association_rules(expected, 0.5, output="arrow")
    assert got.column_names == list(want.column_names)
    key = lambda t: sorted(zip(sets(t, "antecedents"), sets(t, "consequents"), *(t.column(c).to_pylist() for c in t.column_names[2:])), key=repr)
    assert key(got) == key(want)
    lib.upsell_rules_free(rules)
    lib.upsell_itemsets_free(itemsets)
    lib.upsell_baskets_free(baskets)


def test_long_order_lines_equal_the_python_api(lib):
    lines = pa.table({
        "invoice": ["A1", "A1", "A2", "A2", "A3", "A3", "A1"],
        "item": pa.array([10, 20, 10, 30, 10, 20, 30], pa.int64()),
        "customer": ["c1", "c1", "c2", "c2", "c1", "c1", "c1"],
        "time": pa.array([dt.datetime(2026, 1, 1, 10, tzinfo=dt.timezone.utc)] * 7, pa.timestamp("ms", tz="UTC")),
    })
    stream = export(pa.RecordBatchReader.from_batches(lines.schema, lines.to_batches(max_chunksize=3)))
    baskets = ctypes.c_void_p()
    call(lib, "upsell_baskets_from_arrow_long", ctypes.addressof(stream), b"invoice", b"item", b"customer", b"time",
         ctypes.byref(baskets))
    itemsets = mine(lib, baskets, 2)
    got = itemsets_of(lib, baskets, itemsets)
    frame = lines.to_pandas().astype({"item": str})
    assert got == python_itemsets(upsell.frequent_itemsets(frame, 2, basket="invoice", item="item", output="arrow"))
    lib.upsell_itemsets_free(itemsets)
    lib.upsell_baskets_free(baskets)

    stream = export(pa.RecordBatchReader.from_batches(lines.schema, lines.to_batches()))
    message = call(lib, "upsell_baskets_from_arrow_long", ctypes.addressof(stream), b"order", b"item", None, None,
                   ctypes.byref(baskets), expect=INVALID_PARAMETER)
    assert "no column 'order'" in message and "invoice" in message


RULES = """
rules:
  - name: heavy
    when: seats > 10 && active && spend >= 99.5
    offer: {kind: upgrade, target: team}
    priority: 5
  - name: starter
    when: plan == "starter" && "beta" in tags
    offer: {kind: cross_sell, target: support}
    priority: 3
    expected_value: price * 0.25
  - name: lapsed
    when: days_since(last_seen) > 30 || idle > hours(72)
    offer: {kind: bundle, target: winback}
    priority: 1
settings: {max_offers_per_interaction: 2}
"""


def customers(rows: int) -> pa.Table:
    base = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    return pa.table({
        "id": [f"c{r}" for r in range(rows)],
        "seats": pa.array([None if r % 7 == 0 else r % 25 for r in range(rows)], pa.int32()),
        "active": [r % 3 != 0 for r in range(rows)],
        "spend": pa.array([decimal.Decimal(r * 37 % 20000) / 100 for r in range(rows)], pa.decimal128(10, 2)),
        "plan": pa.array(["starter" if r % 4 else "pro" for r in range(rows)]).dictionary_encode(),
        "tags": pa.array([["beta"] if r % 5 == 1 else [] for r in range(rows)], pa.list_(pa.string())),
        "price": pa.array([r % 90 + 0.5 for r in range(rows)], pa.float64()),
        "last_seen": pa.array([base - dt.timedelta(days=r % 60) for r in range(rows)], pa.timestamp("us", tz="UTC")),
        "idle": pa.array([dt.timedelta(hours=r % 100) for r in range(rows)], pa.duration("s")),
    })


@pytest.mark.parametrize("threads", [1, 2])
def test_trigger_offers_equal_the_python_api(lib, threads):
    table = customers(500)
    now = "2026-11-23T10:00:00Z"
    ruleset = ctypes.c_void_p()
    call(lib, "upsell_ruleset_from_str", RULES.encode(), 0, ctypes.byref(ruleset))
    stream = export(pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=128)))
    out = ArrowArrayStream()
    call(lib, "upsell_ruleset_evaluate_arrow", ruleset, ctypes.addressof(stream), now.encode(), b"id", None, threads,
         ctypes.addressof(out))
    got = imported(out)
    want = upsell.triggers.RuleSet.from_yaml(RULES).evaluate(table, now=now, output="arrow")
    assert got.schema.equals(want.schema), (got.schema, want.schema)
    assert got.num_rows > 0 and set(got.column("rule").to_pylist()) == {"heavy", "starter", "lapsed"}
    assert got.to_pylist() == want.to_pylist()

    stream = export(pa.RecordBatchReader.from_batches(pa.schema([("x", pa.struct([("y", pa.int64())]))]), []))
    message = call(lib, "upsell_ruleset_evaluate_arrow", ruleset, ctypes.addressof(stream), now.encode(), None, None,
                   1, ctypes.addressof(out), expect=INVALID_INPUT)
    assert "'x'" in message
    lib.upsell_ruleset_free(ruleset)


@pytest.mark.parametrize("threads", [1, 2])
def test_recommendations_equal_the_python_api(lib, tmp_path, threads):
    model = upsell.Recommender.fit(BASKETS * 4, 2, min_confidence=0.1)
    model.save(tmp_path / "model.json")
    handle = ctypes.c_void_p()
    call(lib, "upsell_recommender_load", str(tmp_path / "model.json").encode(), ctypes.byref(handle))
    carts = [["milk"], ["bread", "eggs"], [], ["unknown", "milk"], ["eggs"]] * 60
    stream = export(pa.RecordBatchReader.from_batches(
        pa.schema([("cart", pa.list_(pa.string()))]),
        [pa.record_batch([pa.array(carts[i:i + 128], pa.list_(pa.string()))], names=["cart"]) for i in range(0, 300, 128)],
    ))
    out, unknown = ArrowArrayStream(), ctypes.c_size_t()
    call(lib, "upsell_recommend_arrow", handle, ctypes.addressof(stream), b"cart", 2, 1, 5.0, 1, threads,
         ctypes.addressof(out), ctypes.byref(unknown))
    got = imported(out)
    want = model.recommend_batch(carts, k=2, by="lift")
    assert unknown.value == want.attrs["unknown_count"] == 60
    assert got.column_names == ["cart", "rank", "item", "score", "rule", "antecedent", "confidence", "lift", "support"]
    assert got.column("cart").to_pylist() == want["cart"].tolist()
    assert got.column("rank").to_pylist() == want["rank"].tolist()
    assert got.column("item").to_pylist() == want["item"].tolist()
    assert got.column("score").to_pylist() == want["score"].tolist()
    assert got.column("antecedent").to_pylist() == want["antecedent"].tolist()
    for measure in ("confidence", "lift", "support"):
        expected = [None if x != x else x for x in want[measure].tolist()]  # NaN: a popularity fill
        assert got.column(measure).to_pylist() == expected
    assert [r is None for r in got.column("rule").to_pylist()] == (want["source"] == "popular").tolist()
    lib.upsell_recommender_free(handle)


@pytest.mark.parametrize("period, by_segment", [("all", False), ("month", True)])
def test_order_metrics_equal_the_python_api(lib, period, by_segment):
    path = os.path.join(os.path.dirname(__file__), "../../../examples/data/online_retail_sample.csv")
    out = ArrowArrayStream()
    call(lib, "upsell_order_metrics_to_arrow", path.encode(), b"GBP", period.encode(), int(by_segment),
         ctypes.addressof(out))
    got = imported(out)
    want = upsell.order_metrics(path, period=period, by_segment=by_segment)
    assert got.column_names == list(want.columns)
    assert got.schema.field("revenue").type == pa.decimal128(38, 2)
    for column in want.columns:
        expected = [None if x is None or x != x else x for x in want[column].tolist()]
        assert got.column(column).to_pylist() == expected, column
