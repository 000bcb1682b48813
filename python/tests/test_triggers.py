"""upsell.triggers: rule files in three formats, DataFrames of three libraries, explain, history,
and errors with every diagnostic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import upsell
from upsell.triggers import History, RuleSet

TESTDATA = Path(__file__).resolve().parents[2] / "testdata" / "triggers"
NOW = "2026-11-23T10:00:00Z"

RULES_YAML = """
schema: {id: string, plan: string, usage.feature_x_30d: int, cart.total: decimal, cart.items: list<string>,
         open_tickets: int, last_purchase_at: timestamp}
suppress:
  - {name: open-ticket, when: open_tickets > 0}
rules:
  - name: starter-to-pro
    when: plan == "starter" && usage.feature_x_30d > 20
    offer: {kind: upgrade, target: pro}
    priority: 10
  - name: free-shipping
    when: cart.total in range(75.00, 95.00)
    offer: {kind: threshold_fill, target: free-shipping-100}
    expected_value: 100.00 - cart.total
  - name: a-without-b
    when: '"A" in cart.items && !("B" in cart.items)'
    offer: {kind: cross_sell, target: B}
  - name: week-after
    when: days_since(last_purchase_at) == 7
    offer: {kind: cross_sell, target: accessories}
"""


def customers_pandas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["c1", "c2", "c3", "c4", "c5"],
            "plan": ["starter", "starter", "pro", None, "pro"],
            "usage.feature_x_30d": pd.array([23, 40, 5, None, 1], dtype="Int64"),
            "cart.total": [None, None, Decimal("82.50"), Decimal("10.00"), None],
            "cart.items": [None, None, ["C"], ["A", "C"], []],
            "open_tickets": [0, 1, 0, 0, 0],
            "last_purchase_at": pd.to_datetime([None, None, None, None, "2026-11-16T08:00:00Z"], utc=True),
        }
    )


EXPECTED = [
    ("c1", "starter-to-pro", "upgrade", "pro", 10),
    ("c3", "free-shipping", "threshold_fill", "free-shipping-100", 0),
    ("c4", "a-without-b", "cross_sell", "B", 0),
    ("c5", "week-after", "cross_sell", "accessories", 0),
]


def summary(frame) -> list:
    if isinstance(frame, pa.Table):
        frame = frame.to_pandas()
    elif isinstance(frame, pl.DataFrame):
        frame = frame.to_pandas()
    return [tuple(r) for r in frame[["customer", "rule", "kind", "target", "priority"]].itertuples(index=False)]


def test_evaluate_pandas_returns_pandas_with_reasons():
    rules = RuleSet.from_yaml(RULES_YAML)
    out = rules.evaluate(customers_pandas(), now=NOW)
    assert isinstance(out, pd.DataFrame)
    assert summary(out) == EXPECTED
    assert list(out.columns) == ["customer", "rule", "kind", "target", "priority", "reason", "expected_value", "held_out"]
    assert out["reason"][0] == "plan == \"starter\" (was 'starter') && usage.feature_x_30d > 20 (was 23)"
    assert out["expected_value"][1] == Decimal("17.50")
    assert not out["held_out"].any()


def test_evaluate_polars_and_arrow_return_their_own_types():
    rules = RuleSet.from_yaml(RULES_YAML)
    table = pa.Table.from_pandas(customers_pandas(), preserve_index=False)
    arrow_out = rules.evaluate(table, now=NOW)
    assert isinstance(arrow_out, pa.Table)
    assert summary(arrow_out) == EXPECTED
    polars_out = rules.evaluate(pl.from_arrow(table), now=dt.datetime(2026, 11, 23, 10, tzinfo=dt.timezone.utc))
    assert isinstance(polars_out, pl.DataFrame)
    assert summary(polars_out) == EXPECTED
    assert isinstance(rules.evaluate(table, now=NOW, output="pandas"), pd.DataFrame)


def test_schema_is_inferred_from_dtypes_without_a_declared_one():
    rules = RuleSet.from_json(
        '{"rules": [{"name": "team", "when": "seats > 10 && plan == \\"pro\\" && score > 0.5",'
        ' "offer": {"kind": "upgrade", "target": "team"}}]}'
    )
    df = pd.DataFrame(
        {"customer": ["a", "b", "c"], "seats": [12, 3, 50], "plan": pd.Categorical(["pro", "pro", "team"]), "score": [0.9, 0.9, 0.9]}
    )
    out = rules.evaluate(df, now=NOW)
    assert out["customer"].tolist() == ["a"]


def test_toml_and_path_loading(tmp_path):
    toml = 'schema = {seats = "int"}\n[[rules]]\nname = "team"\nwhen = "seats > 10"\noffer = {kind = "upgrade", target = "team"}\n'
    assert RuleSet.from_toml(toml).names == ["team"]
    path = tmp_path / "rules.toml"
    path.write_text(toml)
    assert RuleSet.from_path(path).names == ["team"]
    assert RuleSet.from_toml(path).schema == {"seats": "int"}
    assert RuleSet.from_path(TESTDATA / "saas_and_shop.yaml").names[0] == "starter-to-pro"


def test_explain_one_customer_from_a_dict():
    rules = RuleSet.from_yaml(RULES_YAML)
    row = {"id": "c1", "plan": "starter", "usage": {"feature_x_30d": 23}, "cart": {"total": Decimal("82.5"), "items": ["A"]}}
    explained = {e.rule: e for e in rules.explain(row, now=NOW)}
    assert explained["starter-to-pro"].fired
    assert explained["free-shipping"].trace == "cart.total in range(75.00, 95.00) (was 82.50)"
    assert not explained["open-ticket"].fired
    assert not explained["week-after"].fired


def test_evaluate_one_with_history_and_clock():
    rules = RuleSet.from_yaml(RULES_YAML)
    history = History()
    history.record("c1", "pro", "rejected", "2026-11-01T00:00:00Z")
    row = {"id": "c1", "plan": "starter", "usage": {"feature_x_30d": 23}}
    decision = rules.evaluate_one(row, now=NOW, history=history)
    assert decision["offers"] == []
    assert decision["skipped"][0][0] == "starter-to-pro"
    assert "rejected 22 days ago" in decision["skipped"][0][1]
    later = rules.evaluate_one(row, now="2027-01-15T00:00:00Z", history=history)
    assert [o["target"] for o in later["offers"]] == ["pro"]
    restored = History.from_json(history.to_json())
    assert rules.evaluate_one(row, now=NOW, history=restored)["offers"] == []
    df = pd.DataFrame({"id": ["c1", "c2"], "plan": ["starter", "starter"], "usage.feature_x_30d": [23, 23]})
    # Every column the schema declares must be there (null here).
    with pytest.raises(upsell.InvalidInputError, match="declares 'cart.items', 'cart.total'") as caught:
        rules.evaluate(df, now=NOW, history=history)
    assert caught.value.column_name == "cart.items"
    for name in ["cart.total", "cart.items", "open_tickets", "last_purchase_at"]:
        df[name] = None
    assert rules.evaluate(df, now=NOW, history=history)["customer"].tolist() == ["c2"]


def test_bad_rules_raise_rule_syntax_error_with_every_diagnostic():
    with pytest.raises(upsell.RuleSyntaxError) as caught:
        RuleSet.from_path(TESTDATA / "bad_rules.yaml")
    diagnostics = caught.value.diagnostics
    assert [d["subject"] for d in diagnostics] == ["rule 'broken-syntax'", "rule 'wrong-type'"]
    assert (diagnostics[0]["line"], diagnostics[0]["column"]) == (4, 42)
    assert (diagnostics[1]["line"], diagnostics[1]["column"]) == (7, 11)
    assert "found int and string" in diagnostics[1]["message"]


def test_bad_data_is_a_clear_error():
    rules = RuleSet.from_yaml(RULES_YAML)
    with pytest.raises(upsell.InvalidInputError) as caught:
        rules.explain({"plan": 3}, now=NOW)
    assert caught.value.column_name == "plan"
    with pytest.raises(upsell.InvalidParameterError):
        rules.evaluate([1, 2, 3], now=NOW)
    with pytest.raises(upsell.InvalidParameterError):
        rules.explain({}, now="yesterday")


def test_float_money_columns_are_read_as_exact_decimals_when_declared():
    rules = RuleSet.from_yaml(
        "schema: {id: string, cart.total: money}\nrules:\n  - name: free-shipping\n"
        "    when: cart.total in range(75.00, 95.00)\n    offer: {kind: threshold_fill, target: f}\n"
        "    expected_value: 100.00 - cart.total\n"
    )
    df = pd.DataFrame({"id": ["a", "b"], "cart.total": [0.1 + 74.9, 95.000001]})
    out = rules.evaluate(df, now=NOW)
    assert out["customer"].tolist() == ["a"]
    assert out["expected_value"][0] == Decimal("25.00")
    # More places than a decimal's six is an error naming the column, never a rounded value.
    df = pd.DataFrame({"id": ["a", "b"], "cart.total": [82.5, 82.4999999]})
    with pytest.raises(upsell.InvalidInputError, match="money is never rounded") as caught:
        rules.evaluate(df, now=NOW)
    assert caught.value.column_name == "cart.total"


def test_arrow_decimal_columns_are_exact_and_too_many_places_is_an_error():
    rules = RuleSet.from_yaml(
        "rules:\n  - name: r\n    when: 'total >= 75.00 && total - 0.01 < 95.00'\n"
        "    offer: {kind: upgrade, target: t}\n    expected_value: 100.00 - total\n"
    )
    totals = [Decimal("74.99"), None, Decimal("75.00"), Decimal("-3.50"), Decimal("95.01"), Decimal("95.00")]
    table = pa.table({"id": list("abcdef"), "total": pa.array(totals, pa.decimal128(10, 2))})
    out = rules.evaluate(table, now=NOW)
    assert out.column("customer").to_pylist() == ["c", "f"]
    assert out.column("expected_value").to_pylist() == [Decimal("25"), Decimal("5")]
    # A sliced array starts at an offset into its buffers.
    assert rules.evaluate(table.slice(2, 3), now=NOW).column("customer").to_pylist() == ["c"]
    fine = pa.table({"id": ["a"], "total": pa.array([Decimal("80.1234567")], pa.decimal128(12, 7))})
    with pytest.raises(upsell.InvalidInputError) as caught:
        rules.evaluate(fine, now=NOW)
    assert caught.value.column_name == "total"


def _one_rule(when: str) -> str:
    return f"schema: {{seats: int}}\nrules:\n  - name: deep\n    when: '{when}'\n    offer: {{kind: upgrade, target: t}}\n"


@pytest.mark.parametrize("n", [2_777, 3_962, 27_770, 39_620])
def test_deep_nesting_is_a_positioned_error_and_the_interpreter_survives(n):
    # Issue 14: these sizes killed the interpreter with SIGSEGV; ten times each too.
    shapes = [
        ("(" * n + "seats > 1" + ")" * n, 128),
        ("!" * n + "(seats > 1)", 128),
        ("seats > 1 && (" * n + "seats > 1" + ")" * n, 128 * 14 + 13),
    ]
    for when, offset in shapes:
        with pytest.raises(upsell.RuleSyntaxError) as caught:
            RuleSet.from_yaml(_one_rule(when))
        [diagnostic] = caught.value.diagnostics
        assert diagnostic["subject"] == "rule 'deep'"
        assert (diagnostic["line"], diagnostic["column"]) == (4, 12 + offset)
        assert "nests deeper than 128 levels" in diagnostic["message"]


@pytest.mark.parametrize("n", [2_778, 3_265, 27_780, 32_650])
def test_flat_chains_of_any_length_evaluate_row_by_row_and_by_column(n):
    df = pd.DataFrame({"id": ["a", "b", "c"], "seats": [3, 5, 9]})
    for when in [
        " || ".join(["seats == 99"] * n) + " || seats == 5",
        " + ".join(["1"] * n) + f" + seats == {n + 5}",
        " && ".join(["seats > 4"] * n) + " && seats < 6",
    ]:
        rules = RuleSet.from_yaml(_one_rule(when))
        assert rules.evaluate(df, now=NOW)["customer"].tolist() == ["b"]
        assert [bool(rules.evaluate_one({"seats": s}, now=NOW)["offers"]) for s in (3, 5, 9)] == [False, True, False]


SEQUENCE_YAML = """
schema: { bought_analytics_at: timestamp, bought_reports_at: timestamp }
sequences:
  - name: after-analytics
    anchor: bought_analytics_at
    exit_when: has(bought_reports_at)
    steps:
      - { day: 3, offer: { kind: cross_sell, target: reports, channel: email, message: tips } }
      - { day: 7, offer: { kind: cross_sell, target: reports, channel: in_app, message: demo } }
"""


def test_sequence_steps_are_due_on_their_day_until_an_exit():
    rules = RuleSet.from_yaml(SEQUENCE_YAML)
    row = {"id": "c1", "bought_analytics_at": "2026-11-20T08:00:00Z"}
    [status] = rules.sequences(row, now="2026-11-23T10:00:00Z")
    assert (status["sequence"], status["day"], status["step"]) == ("after-analytics", 3, 1)
    assert status["offer"]["channel"] == "email"
    assert status["reason"].startswith("step 1 of 2 of sequence 'after-analytics', due on day 3")
    [status] = rules.sequences(row, now="2026-11-25T10:00:00Z")
    assert (status["step"], status["reason"]) == (None, "day 5: no step due (next: step 2 on day 7)")
    history = History()
    history.record("c1", "reports", "rejected", "2026-11-24T00:00:00Z")
    [status] = rules.sequences(row, now="2026-11-27T10:00:00Z", history=history)
    assert status["step"] is None and status["reason"].startswith("left sequence 'after-analytics': rejected reports")
    assert rules.evaluate_one(row, now="2026-11-27T10:00:00Z", history=history)["offers"] == []
    df = pd.DataFrame({"id": ["c1", "c2"], "bought_analytics_at": pd.to_datetime(["2026-11-20T08:00:00Z", "2026-11-16T08:00:00Z"], utc=True)})
    df["bought_reports_at"] = pd.NaT
    out = rules.evaluate(df, now="2026-11-23T10:00:00Z")
    assert out["customer"].tolist() == ["c1", "c2"]
    assert out["rule"].tolist() == ["after-analytics/day-3", "after-analytics/day-7"]
