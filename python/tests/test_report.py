"""The upsell report: its figures recomputed from the raw file with pandas and statsmodels, the
sections that say what they could not compute, and the same errors as the other order readers."""

from __future__ import annotations

import math
from pathlib import Path
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd
import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

import upsell

NON_PRODUCT = {"POST", "DOT", "C2", "M", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "S", "D", "B"}


@pytest.fixture(scope="module")
def retail(data_dir, tmp_path_factory):
    path = data_dir / "online_retail_week.csv"
    result = upsell.report(path, date="2026-12-03", output=tmp_path_factory.mktemp("report"))
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "UnitPrice": str})
    raw["price_minor"] = raw["UnitPrice"].map(lambda p: int(Decimal(p) * 100))
    kept = raw[
        ~raw["InvoiceNo"].str.startswith("C")
        & (raw["Quantity"] > 0)
        & ~raw["StockCode"].isin(NON_PRODUCT)
        & (raw["price_minor"] > 0)
    ].copy()
    kept["customer"] = kept["CustomerID"].map(lambda c: None if pd.isna(c) else str(int(c)))
    return result, kept


def test_aov(retail):
    result, kept = retail
    revenue = int((kept["Quantity"] * kept["price_minor"]).sum())
    orders = kept["InvoiceNo"].nunique()
    aov = (Decimal(revenue) / orders).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    figure = result.data["state"]["aov"]
    assert (figure["revenue"]["minor"], figure["orders"], figure["value"]["minor"]) == (revenue, orders, int(aov))


def test_pair_lift(retail):
    result, kept = retail
    pair = result.data["affinity"]["pairs"][0]
    baskets = kept.groupby("InvoiceNo")["StockCode"].agg(set)
    a, b = pair["a"]["item"], pair["b"]["item"]
    n_a = sum(a in s for s in baskets)
    n_b = sum(b in s for s in baskets)
    both = sum(a in s and b in s for s in baskets)
    assert (pair["orders_a"], pair["orders_b"], pair["orders_both"], pair["orders"]) == (n_a, n_b, both, len(baskets))
    assert pair["lift"] == pytest.approx(both * len(baskets) / (n_a * n_b), rel=1e-12)
    assert pair["confidence"] == pytest.approx(both / n_a, rel=1e-12)


def test_bundle_price(retail):
    result, kept = retail
    bundle = result.data["pricing"]["bundles"][0]
    modal = {}
    for item, prices in kept.groupby("StockCode")["price_minor"]:
        counts = prices.value_counts()
        modal[item] = int(min(counts[counts == counts.max()].index))
    prices = [modal[i["item"]] for i in bundle["items"]]
    assert [p["minor"] for p in bundle["item_prices"]] == prices
    total = sum(prices)
    low_discount, high_discount = result.data["pricing"]["discount_bp"]
    ceiling = total * (10_000 - low_discount) // 10_000
    floor = -(-total * (10_000 - high_discount) // 10_000)
    price = max(p for p in range(floor, ceiling + 1) if p % 10 == 9)  # the highest price ending in 9
    assert (bundle["sum"]["minor"], bundle["price"]["minor"]) == (total, price)


def test_rule_reach(retail):
    result, kept = retail
    rule = next(r for r in result.data["triggers"]["rules"] if r["kind"] == "cross_sell")
    pair = next(p for p in result.data["affinity"]["pairs"] if p["b"]["item"] == rule["target"])
    orders = kept.groupby("InvoiceNo").agg(items=("StockCode", set), customer=("customer", "first"))
    fires = orders[orders["items"].map(lambda s: pair["a"]["item"] in s and pair["b"]["item"] not in s)]
    assert rule["reach_orders"] == len(fires)
    assert rule["reach_customers"] == fires["customer"].dropna().nunique()


def test_sample_size(retail):
    result, kept = retail
    opportunity = next(o for o in result.data["opportunities"]["opportunities"] if o["kind"] == "cross_sell")
    plan = opportunity["ab_test"]
    pair = next(p for p in result.data["affinity"]["pairs"] if opportunity["title"] == f"Offer {p['b']['name']} with {p['a']['name']}")
    baskets = kept.groupby("InvoiceNo")["StockCode"].agg(set)
    n_a = sum(pair["a"]["item"] in s for s in baskets)
    both = sum(pair["a"]["item"] in s and pair["b"]["item"] in s for s in baskets)
    baseline = both / n_a
    assert plan["baseline"] == pytest.approx(baseline, rel=1e-12)
    effect = proportion_effectsize(baseline + plan["expected_lift"], baseline)
    n = NormalIndPower().solve_power(abs(effect), alpha=plan["alpha"], power=plan["power"])
    assert plan["n_per_arm"] == math.ceil(n)


def test_files_and_rule_file(retail):
    result, _ = retail
    paths = result.paths
    for key in ("html", "markdown", "json", "rules"):
        assert paths[key].startswith(str(paths["html"]).rsplit("/", 1)[0])
    assert paths["html"].endswith("upsell-maximizer-2026-12-03-online-retail-week.html")
    upsell.triggers.RuleSet.from_yaml(Path(paths["rules"]))  # loads and type-checks, as `triggers check`
    assert "<section id=\"opportunities\">" in result._repr_html_()


def write(tmp_path, text):
    path = tmp_path / "orders.csv"
    path.write_text(text)
    return path


HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def test_one_order_one_product(tmp_path):
    result = upsell.report(write(tmp_path, HEADER + "1,MUG,Mug,2,2010-12-01 08:26,2.55,1,UK\n"), date="2026-12-03", output=None)
    whats = {m["what"] for section in ("state", "affinity", "recommendations") for m in result.data[section]["missing"]}
    assert "pairs and heatmap" in whats and "held-out evaluation" in whats
    assert result.data["state"]["aov"]["value"]["minor"] == 510


def test_no_prices_no_customers(tmp_path):
    text = "basket,item,day\n" + "".join(f"{b},{i},2015-07-{1 + b % 20:02d}\n" for b in range(40) for i in ("milk", "bread", "eggs")[: 2 + b % 2])
    result = upsell.report(write(tmp_path, text), date="2026-12-03", output=None,
                           columns={"invoice": "basket", "item": "item", "time": "day", "quantity": None, "price": None,
                                    "customer": None, "description": None, "segment": None})
    data = result.data
    assert not data["priced"] and data["state"]["aov"] is None and data["state"]["customers"] is None
    assert data["pricing"]["bundles"] == [] and "no prices" in data["pricing"]["missing"][0]["why"]
    assert all(o["revenue_per_year"] is None for o in data["opportunities"]["opportunities"])
    assert any(m["what"] == "time-window affinity" for m in data["affinity"]["missing"])


def test_unreadable_input(tmp_path):
    with pytest.raises(FileNotFoundError):
        upsell.report(tmp_path / "missing.csv", output=None)
    with pytest.raises(upsell.InvalidInputError, match="no column 'Description'"):
        upsell.report(write(tmp_path, "InvoiceNo,StockCode,Quantity,InvoiceDate\n1,A,1,2010-12-01\n"), output=None)
