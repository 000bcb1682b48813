"""upsell.sequential_affinity: against a plain pandas computation on real data, every input form,
and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import upsell

GROCERIES = dict(customer="Member_number", time="Date", item="itemDescription")


@pytest.fixture(scope="module")
def groceries(data_dir) -> pd.DataFrame:
    return pd.read_csv(data_dir / "groceries_members.csv")


def pandas_reference(frame: pd.DataFrame, a: str, b: str, window: int) -> tuple:
    """(antecedent customers, A-then-B customers, baseline customers) by the documented definitions."""
    frame = frame.assign(when=pd.to_datetime(frame["Date"]))
    first_a = frame[frame["itemDescription"] == a].groupby("Member_number")["when"].min().rename("anchor")
    b_rows = frame[frame["itemDescription"] == b][["Member_number", "when"]]
    joined = b_rows.merge(first_a, left_on="Member_number", right_index=True)
    delay = joined["when"] - joined["anchor"]
    then = joined[(delay > pd.Timedelta(0)) & (delay <= pd.Timedelta(days=window))]["Member_number"].nunique()
    first_visit = frame.groupby("Member_number")["when"].min().rename("anchor")
    joined = b_rows.merge(first_visit, left_on="Member_number", right_index=True)
    delay = joined["when"] - joined["anchor"]
    baseline = joined[(delay > pd.Timedelta(0)) & (delay <= pd.Timedelta(days=window))]["Member_number"].nunique()
    return len(first_a), then, baseline


@pytest.mark.parametrize(
    "a, b",
    [("tropical fruit", "whole milk"), ("whole milk", "tropical fruit"), ("soda", "rolls/buns"), ("curd", "yogurt")],
)
def test_groceries_members_equals_a_pandas_computation(groceries, a, b):
    result = upsell.sequential_affinity(groceries, **GROCERIES)
    members = groceries["Member_number"].nunique()
    for window in (7, 30, 60, 90):
        buyers, then, baseline = pandas_reference(groceries, a, b, window)
        row = result[(result.antecedent == a) & (result.consequent == b) & (result.window_days == window)]
        if then == 0:
            assert row.empty
            continue
        assert len(row) == 1
        row = row.iloc[0]
        assert (row.antecedent_customers, row.customers, row.baseline_customers) == (buyers, then, baseline)
        assert row.support == then / members
        assert row.confidence == then / buyers
        assert row.base_rate == baseline / members
        assert row.lift == pytest.approx((then / buyers) / (baseline / members), rel=1e-15)
        percent = 100 * then / buyers
        shown = f"{percent:.0f}" if percent >= 1 else f"{percent:.1f}"
        assert row.description == f"{b}: {shown}% of buyers of {a} within {window} days"


def test_every_input_form_gives_the_same_rules(groceries, data_dir):
    from_path = upsell.sequential_affinity(data_dir / "groceries_members.csv", **GROCERIES, min_customers=5)
    from_pandas = upsell.sequential_affinity(groceries, **GROCERIES, min_customers=5)
    pd.testing.assert_frame_equal(from_path, from_pandas)
    assert from_path.attrs == {"customers": 3898, "rows": 38765, "excluded_rows": 0}
    as_datetimes = groceries.assign(Date=pd.to_datetime(groceries["Date"]))
    pd.testing.assert_frame_equal(upsell.sequential_affinity(as_datetimes, **GROCERIES, min_customers=5), from_path)
    arrow = upsell.sequential_affinity(pa.Table.from_pandas(groceries), **GROCERIES, min_customers=5, output="arrow")
    assert arrow.schema.metadata[b"total_customers"] == b"3898"
    pd.testing.assert_frame_equal(arrow.to_pandas(), from_path)
    polars = pytest.importorskip("polars")
    from_polars = upsell.sequential_affinity(polars.from_pandas(groceries), **GROCERIES, min_customers=5, output="polars")
    assert from_polars.to_pandas().equals(from_path)


def test_filters_top_and_threads(groceries):
    one = upsell.sequential_affinity(groceries, **GROCERIES, threads=1)
    two = upsell.sequential_affinity(groceries, **GROCERIES, threads=2)
    pd.testing.assert_frame_equal(one, two)
    top = upsell.sequential_affinity(groceries, **GROCERIES, min_customers=10, min_confidence=0.02, top=5)
    assert (top.groupby("window_days").size() <= 5).all()
    assert (top.customers >= 10).all() and (top.confidence >= 0.02).all()
    expected = one[(one.customers >= 10) & (one.confidence >= 0.02)].groupby("window_days").head(5)
    pd.testing.assert_frame_equal(top, expected.reset_index(drop=True))


def test_online_retail_week_with_customer_ids(data_dir):
    result = upsell.sequential_affinity(
        data_dir / "online_retail_week.csv", customer="CustomerID", time="InvoiceDate", item="StockCode", windows=[1, 7]
    )
    assert result.attrs["customers"] == 390
    assert set(result.window_days) == {1, 7}
    # Rows without a customer are excluded and counted.
    frame = pd.read_csv(data_dir / "online_retail_week.csv")
    frame.loc[:9, "CustomerID"] = np.nan
    result = upsell.sequential_affinity(frame, customer="CustomerID", time="InvoiceDate", item="StockCode")
    assert result.attrs["excluded_rows"] == 10


def test_a_time_that_does_not_parse_names_the_row():
    orders = pd.DataFrame({"c": [1, 1, 2], "t": ["2026-01-01", "2026-01-02", "02/01/2026"], "i": ["a", "b", "a"]})
    with pytest.raises(upsell.InvalidInputError, match="'02/01/2026' is not a time") as caught:
        upsell.sequential_affinity(orders, customer="c", time="t", item="i")
    assert (caught.value.line, caught.value.column_name) == (3, "t")
    orders["t"] = pd.to_datetime(["2026-01-01", None, "2026-01-03"])
    with pytest.raises(upsell.InvalidInputError, match="missing") as caught:
        upsell.sequential_affinity(orders, customer="c", time="t", item="i")
    assert caught.value.line == 2


def test_a_bad_time_in_a_file_names_the_file_and_line(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("c,t,i\n1,2026-01-01,a\n1,soon,b\n")
    with pytest.raises(upsell.InvalidInputError) as caught:
        upsell.sequential_affinity(path, customer="c", time="t", item="i")
    assert (caught.value.path, caught.value.line, caught.value.column_name) == (str(path), 3, "t")


@pytest.mark.parametrize("windows", [[0], [7, -30], [], [7, 7]])
def test_zero_negative_or_repeated_windows_are_invalid_parameters(windows):
    orders = pd.DataFrame({"c": [1, 1], "t": ["2026-01-01", "2026-01-02"], "i": ["a", "b"]})
    with pytest.raises(upsell.InvalidParameterError, match="'windows'"):
        upsell.sequential_affinity(orders, customer="c", time="t", item="i", windows=windows)


def test_missing_columns_and_items_are_invalid_input():
    orders = pd.DataFrame({"c": [1, 1], "t": ["2026-01-01", "2026-01-02"], "i": ["a", None]})
    with pytest.raises(upsell.InvalidInputError, match="no column 'when'"):
        upsell.sequential_affinity(orders, customer="c", time="when", item="i")
    with pytest.raises(upsell.InvalidInputError, match="item is missing") as caught:
        upsell.sequential_affinity(orders, customer="c", time="t", item="i")
    assert caught.value.line == 2


@pytest.mark.parametrize("name, value", [("min_customers", -1), ("top", 0), ("min_confidence", 1.5), ("threads", -2)])
def test_other_bad_parameters_are_invalid_parameters(name, value):
    orders = pd.DataFrame({"c": [1, 1], "t": ["2026-01-01", "2026-01-02"], "i": ["a", "b"]})
    with pytest.raises(upsell.InvalidParameterError, match=name):
        upsell.sequential_affinity(orders, customer="c", time="t", item="i", **{name: value})
