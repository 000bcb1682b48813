"""upsell.spark on a real local Spark (local[2]), against pyspark.ml.fpm.FPGrowth and the local core.

One Spark session serves the whole test run; data sets are read by Spark itself and FPGrowth runs
once per data set.
"""

from __future__ import annotations

import datetime
import gzip
import os
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("pyspark")

from pyspark.ml.fpm import FPGrowth  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

import upsell  # noqa: E402
from upsell import spark as upsell_spark  # noqa: E402

# PySpark warns about pandas 3 whenever it checks its pandas version, though upsell.spark uses Arrow only.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture(scope="session")
def spark():
    # Executors run Python workers: the interpreter that has upsell and pyarrow, not the first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("upsell-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def fimi(spark, name):
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    lines = spark.read.text(str(path))
    return lines.select(F.filter(F.split(F.trim("value"), " "), lambda x: x != "").alias("items")).cache()


def as_set(rows):
    return {(frozenset(row["items"]), row["freq"]) for row in rows}


def local_sets(name, min_support, target="all"):
    with gzip.open(DATA / name, "rt") as lines:
        baskets = [line.split() for line in lines]
    found = upsell.frequent_itemsets(baskets, min_support, target=target)
    return {(frozenset(s), int(c)) for s, c in zip(found["itemset"].tolist(), found["count"])}


@pytest.fixture(scope="module", params=["retail.dat.gz", "t10i4d100k.dat.gz"])
def reference(request, spark):
    df = fimi(spark, request.param)
    model = FPGrowth(itemsCol="items", minSupport=0.001).fit(df)
    expected = as_set(model.freqItemsets.collect())
    yield request.param, df, expected
    df.unpersist()


@pytest.mark.parametrize("groups", [1, 2, 7, 16])
def test_equals_fpgrowth_and_the_local_core(reference, groups):
    name, df, expected = reference
    found = upsell_spark.frequent_itemsets(df, 0.001, items_col="items", groups=groups).collect()
    assert len(found) == len(expected)
    assert as_set(found) == expected
    if groups == 1:
        assert expected == local_sets(name, 0.001)
        n = df.count()
        assert all(row["support"] == row["freq"] / n for row in found)


BASKETS = [["a", "b", "c"], ["a", "b"], ["a", "c", "d"], ["b", "c"], ["a", "b", "c", "d"], [], ["d", "e"]]


@pytest.fixture(scope="module")
def small(spark):
    return spark.createDataFrame([(k, b) for k, b in enumerate(BASKETS)], "id long, items array<string>")


def local_frame(target, max_len=None):
    found = upsell.frequent_itemsets(BASKETS, 2, target=target, max_len=max_len)
    return {(frozenset(s), int(c)) for s, c in zip(found["itemset"].tolist(), found["count"])}


@pytest.mark.parametrize("target", ["all", "closed", "maximal"])
@pytest.mark.parametrize("max_len", [None, 2])
def test_targets_equal_the_local_core(small, target, max_len):
    for groups in (1, 3):
        found = upsell_spark.frequent_itemsets(small, 2, items_col="items", target=target, max_len=max_len, groups=groups)
        assert as_set(found.collect()) == local_frame(target, max_len)


def test_closed_and_maximal_on_retail_equal_the_local_core(spark):
    df = fimi(spark, "retail.dat.gz")
    for target in ("closed", "maximal"):
        found = upsell_spark.frequent_itemsets(df, 0.002, items_col="items", target=target, groups=3).collect()
        assert as_set(found) == local_sets("retail.dat.gz", 0.002, target)
    df.unpersist()


def test_long_format_equals_one_basket_a_row(spark, small):
    long = small.select("id", F.explode("items").alias("item"))
    found = upsell_spark.frequent_itemsets(long, 2, basket_col="id", item_col="item")
    # A long table has no empty baskets: the denominator of support differs, the counts do not.
    assert as_set(found.collect()) == local_frame("all")


def test_empty_baskets_count_and_duplicates_count_once(spark):
    df = spark.createDataFrame([(["a", "a", "b"],), ([],), (["a"],), ([],)], "items array<string>")
    rows = upsell_spark.frequent_itemsets(df, 0.5, items_col="items").collect()
    assert {(frozenset(r["items"]), r["freq"], r["support"]) for r in rows} == {(frozenset({"a"}), 2, 0.5)}


def test_integer_items_come_back_as_strings(spark):
    df = spark.createDataFrame([([1, 2],), ([1, 2],), ([2],)], "items array<int>")
    rows = upsell_spark.frequent_itemsets(df, 2, items_col="items").collect()
    assert as_set(rows) == {(frozenset({"1", "2"}), 2), (frozenset({"2"}), 3), (frozenset({"1"}), 2)}


def test_nothing_frequent_gives_an_empty_frame(small):
    found = upsell_spark.frequent_itemsets(small, 1.0, items_col="items")
    assert found.collect() == []
    assert found.schema.simpleString() == "struct<items:array<string>,freq:bigint,support:double>"


def test_null_baskets_are_refused_naming_the_column(spark):
    df = spark.createDataFrame([(["a"],), (None,)], "items array<string>")
    with pytest.raises(upsell.InvalidInputError, match="column 'items'.*null") as caught:
        upsell_spark.frequent_itemsets(df, 1, items_col="items")
    assert caught.value.column_name == "items"


def test_null_items_are_refused_naming_the_column(spark):
    df = spark.createDataFrame([(["a", None],), (["a"],)], "items array<string>")
    with pytest.raises(upsell.InvalidInputError, match="column 'items'.*null item"):
        upsell_spark.frequent_itemsets(df, 1, items_col="items")
    long = spark.createDataFrame([(1, "a"), (1, None), (None, "b")], "basket long, item string")
    with pytest.raises(upsell.InvalidInputError, match="column 'basket': rows have a null basket id"):
        upsell_spark.frequent_itemsets(long, 1, basket_col="basket", item_col="item")
    with pytest.raises(upsell.InvalidInputError, match="column 'item': 1 baskets hold a null item"):
        upsell_spark.frequent_itemsets(long.where("basket is not null"), 1, basket_col="basket", item_col="item")


def test_a_column_of_the_wrong_type_is_refused(spark):
    df = spark.createDataFrame([("a b",), ("a",)], "items string")
    with pytest.raises(upsell.InvalidInputError, match="column 'items' must be an array.*got string"):
        upsell_spark.frequent_itemsets(df, 1, items_col="items")
    nested = spark.createDataFrame([([[1.5]],)], "items array<array<double>>")
    with pytest.raises(upsell.InvalidInputError, match="array<array<double>>"):
        upsell_spark.frequent_itemsets(nested, 1, items_col="items")
    long = spark.createDataFrame([(1, [1.5])], "basket long, item array<double>")
    with pytest.raises(upsell.InvalidInputError, match="column 'item' must hold strings or integers"):
        upsell_spark.frequent_itemsets(long, 1, basket_col="basket", item_col="item")


@pytest.mark.parametrize("min_support", [0, -1, 0.0, 1.5, float("nan"), True, "0.1", None])
def test_min_support_out_of_range_is_refused_before_any_job(small, min_support):
    with pytest.raises(upsell.InvalidParameterError, match="min_support"):
        upsell_spark.frequent_itemsets(small, min_support, items_col="items")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"items_col": "nope"}, "no column 'nope'"),
        ({}, "give items_col"),
        ({"items_col": "items", "item_col": "id"}, "not both"),
        ({"items_col": "items", "target": "open"}, "target"),
        ({"items_col": "items", "max_len": 0}, "max_len"),
        ({"items_col": "items", "groups": 0}, "groups"),
    ],
)
def test_bad_parameters_are_refused(small, kwargs, message):
    with pytest.raises(upsell.InvalidParameterError, match=message):
        upsell_spark.frequent_itemsets(small, 2, **kwargs)


def rule_set(rows):
    return {
        (frozenset(r["antecedents"]), frozenset(r["consequents"]), r["count"], r["antecedent count"], round(r["lift"], 9))
        for r in rows
    }


def test_association_rules_equal_the_local_function(spark):
    path = DATA / "groceries.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    baskets = [line.strip().split(",") for line in path.read_text().splitlines() if line.strip()]
    df = spark.createDataFrame([(b,) for b in baskets], "items array<string>")
    itemsets = upsell_spark.frequent_itemsets(df, 0.005, items_col="items", groups=3)
    found = upsell_spark.association_rules(itemsets, 0.2, max_consequent_len=2)
    local = upsell.association_rules(upsell.frequent_itemsets(baskets, 0.005), 0.2, max_consequent_len=2)
    assert found.columns == list(local.columns)
    assert rule_set(found.collect()) == rule_set(local.to_dict("records"))
    assert len(rule_set(local.to_dict("records"))) > 100


def test_recommend_equals_the_local_batch(spark):
    path = DATA / "groceries.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    baskets = [line.strip().split(",") for line in path.read_text().splitlines() if line.strip()]
    model = upsell.Recommender.fit(baskets, min_support=20)
    carts = [b[:2] for b in baskets[:300]] + [[], ["no such item"]]
    df = spark.createDataFrame([(n, c) for n, c in enumerate(carts)] + [(len(carts), None)], "id long, cart array<string>")
    found = upsell_spark.recommend(df.repartition(3), model, "cart", 3).collect()
    local = model.recommend_batch(carts + [[]], 3)
    key = lambda r: (r["rank"], r["item"], round(r["score"], 12), r["source"], r["explanation"])  # noqa: E731
    assert sorted((r["id"],) + key(r) for r in found) == sorted(
        (r["cart"],) + key(r) for r in local.to_dict("records")
    )



def test_recommend_with_ease_equals_the_local_batch(spark):
    import pickle

    path = DATA / "groceries.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    baskets = [line.strip().split(",") for line in path.read_text().splitlines() if line.strip()]
    model = upsell.EaseRecommender.fit(baskets[:3000], min_count=20)
    assert pickle.loads(pickle.dumps(model)).to_bytes() == model.to_bytes()
    carts = [b[:2] for b in baskets[:200]] + [[], ["no such item"]]
    df = spark.createDataFrame([(n, c) for n, c in enumerate(carts)], "id long, cart array<string>")
    found = upsell_spark.recommend(df.repartition(2), model, "cart", 3).collect()
    local = model.recommend_batch(carts, 3)
    key = lambda r: (r["rank"], r["item"], round(r["score"], 12), r["source"], r["explanation"])  # noqa: E731
    assert sorted((r["id"],) + key(r) for r in found) == sorted((r["cart"],) + key(r) for r in local.to_dict("records"))

def test_sequential_affinity_equals_the_local_function(spark):
    path = DATA / "groceries_members.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    df = spark.read.csv(str(path), header=True).select("Member_number", "Date", "itemDescription")
    local = upsell.sequential_affinity(
        df.toArrow().to_pandas(), customer="Member_number", time="Date", item="itemDescription", windows=[30, 7], min_customers=2
    )
    found = upsell_spark.sequential_affinity(
        df, "Member_number", "Date", "itemDescription", [30, 7], min_customers=2, partitions=3
    ).toArrow().to_pandas()
    assert len(local) > 1000
    pd.testing.assert_frame_equal(found, local, check_dtype=False)


def test_sequential_affinity_edge_cases_equal_the_local_function(spark):
    utc = datetime.timezone.utc
    day = lambda d, h=0: datetime.datetime(2026, 1, d, h, tzinfo=utc)  # noqa: E731
    rows = [
        (1, day(1), 10), (1, day(1), 20), (1, day(8), 20), (1, day(2), 30),  # same basket; exactly 7 days
        (2, day(3), 20), (2, day(3, 5), 10), (2, day(9), 10),  # B before A; repeated A
        (None, day(1), 10), (None, day(4), 40),  # no customer: excluded, yet 40 is an item
        (3, day(5), 30), (3, day(6), 10), (4, day(7), 10), (4, day(20), 30),
    ]
    frame = pd.DataFrame(rows, columns=["customer", "at", "item"]).astype({"customer": "Int64"})
    df = spark.createDataFrame(rows, "customer long, at timestamp, item int")
    for top, windows in ((None, [7, 1, 14]), (2, [7])):
        local = upsell.sequential_affinity(frame, customer="customer", time="at", item="item", windows=windows, top=top)
        for partitions in (1, 3):
            found = upsell_spark.sequential_affinity(df, "customer", "at", "item", windows, top=top, partitions=partitions)
            pd.testing.assert_frame_equal(found.toArrow().to_pandas(), local, check_dtype=False)
    dates = df.select("customer", F.to_date("at").alias("day"), "item")
    local = upsell.sequential_affinity(
        frame.assign(day=frame["at"].dt.strftime("%Y-%m-%d")), customer="customer", time="day", item="item", windows=[3]
    )
    found = upsell_spark.sequential_affinity(dates, "customer", "day", "item", [3], partitions=2).toArrow().to_pandas()
    pd.testing.assert_frame_equal(found, local, check_dtype=False)


def test_sequential_affinity_bad_input_is_an_upsell_error(spark):
    df = spark.createDataFrame([(1, "2026-01-01", "a"), (1, "soon", "b")], "customer long, day string, item string")
    with pytest.raises(upsell.InvalidParameterError, match="windows"):
        upsell_spark.sequential_affinity(df, "customer", "day", "item", [0])
    with pytest.raises(upsell.InvalidInputError, match="column 'day'"):
        upsell_spark.sequential_affinity(df.withColumn("day", F.lit(1.5)), "customer", "day", "item", [7])
    with pytest.raises(upsell.InvalidInputError, match="column 'item': 1 rows have no item"):
        upsell_spark.sequential_affinity(df.withColumn("item", F.lit(None).cast("string")).limit(1), "customer", "day", "item")
    # Found by the core inside an executor, raised on the driver as the same error and message.
    with pytest.raises(upsell.InvalidInputError, match="column 'day'.*soon") as caught:
        upsell_spark.sequential_affinity(df, "customer", "day", "item", [7])
    assert "PythonException" in type(caught.value.__cause__).__name__


def test_triggers_evaluate_equals_the_local_function(spark):
    import pickle

    from pyarrow import csv as pa_csv
    import pyarrow.compute as pc

    from upsell.triggers import History, RuleSet

    cases = Path(__file__).resolve().parents[2] / "testdata" / "triggers"
    ruleset = RuleSet.from_path(cases / "saas_and_shop.yaml")
    assert pickle.loads(pickle.dumps(ruleset)).names == ruleset.names
    history = History.from_json((cases / "history.json").read_text())
    table = pa_csv.read_csv(cases / "customers.csv")
    table = table.set_column(
        table.column_names.index("cart.items"), "cart.items", pc.split_pattern(table.column("cart.items"), "|")
    )
    now = "2026-11-23T10:00:00Z"
    local = ruleset.evaluate(table, now=now, history=history, output="arrow")
    assert local.num_rows > 3
    df = spark.createDataFrame(table)
    found = upsell_spark.triggers.evaluate(df, ruleset, now, history=history)
    assert found.toArrow().to_pylist() == local.to_pylist()
    split = upsell_spark.triggers.evaluate(df.repartition(3), ruleset, now, history=history).toArrow()
    assert sorted(map(str, split.to_pylist())) == sorted(map(str, local.to_pylist()))
    # `now` and the rules are checked on the driver; a value of the wrong type is found in an
    # executor, when the frame is used: under executor_errors, it is raised as the upsell error.
    with pytest.raises(upsell.InvalidParameterError, match="'soon' is not a time"):
        upsell_spark.triggers.evaluate(df, ruleset, "soon")
    wrong = upsell_spark.triggers.evaluate(df.withColumn("plan", F.lit(1)), ruleset, now)
    with pytest.raises(upsell.UpsellError, match="column 'plan'.*expected string") as caught:
        with upsell_spark.executor_errors():
            wrong.collect()
    assert "PythonException" in type(caught.value.__cause__).__name__


def test_triggers_evaluate_with_a_history_frame_equals_the_local_function(spark):
    from pyarrow import csv as pa_csv
    import pyarrow.compute as pc

    from upsell.triggers import History, RuleSet

    cases = Path(__file__).resolve().parents[2] / "testdata" / "triggers"
    ruleset = RuleSet.from_path(cases / "saas_and_shop.yaml")
    table = pa_csv.read_csv(cases / "customers.csv")
    table = table.set_column(
        table.column_names.index("cart.items"), "cart.items", pc.split_pattern(table.column("cart.items"), "|")
    )
    now = "2026-11-23T10:00:00Z"
    events = [
        ("c1", "pro", "shown", "2026-11-20T09:00:00Z"),  # inside the rule's cooldown
        ("c1", "annual", "rejected", "2026-10-01T09:00:00Z"),
        ("c4", "free-shipping-100", "shown", "2026-11-23T08:00:00Z"),
        ("c4", "free-shipping-100", "shown", "2026-11-22T08:00:00+02:00"),
        ("c7", "pro", "rejected", "2026-10-20T12:00:00Z"),
        ("nobody", "pro", "accepted", "2026-11-01T00:00:00Z"),
    ]
    anonymous = [(None, "pro", "shown", "2026-11-23T09:00:00Z")]
    history = History()
    for event in events:
        history.record(*event)
    local = ruleset.evaluate(table, now=now, history=history, output="arrow").to_pylist()
    assert local != ruleset.evaluate(table, now=now, output="arrow").to_pylist()
    df = spark.createDataFrame(table).repartition(2)
    texts = spark.createDataFrame(events + anonymous, "customer string, target string, outcome string, at string")
    for history_df in (texts, texts.withColumn("at", F.to_timestamp("at"))):
        found = upsell_spark.triggers.evaluate(df, ruleset, now, history_df=history_df).collect()
        assert sorted(map(str, (row.asDict() for row in found))) == sorted(map(str, local))
    # The history is read inside the executors: a bad event is raised there, as the upsell error.
    bad = texts.withColumn("outcome", F.lit("maybe"))
    with pytest.raises(upsell.InvalidInputError, match="maybe"):
        with upsell_spark.executor_errors():
            upsell_spark.triggers.evaluate(df, ruleset, now, history_df=bad).collect()
    with pytest.raises(upsell.InvalidInputError, match="history_df column 'at' must hold"):
        upsell_spark.triggers.evaluate(df, ruleset, now, history_df=texts.withColumn("at", F.lit(1)))
    with pytest.raises(upsell.InvalidParameterError, match="not both"):
        upsell_spark.triggers.evaluate(df, ruleset, now, history=history, history_df=texts)
