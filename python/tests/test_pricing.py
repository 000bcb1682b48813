"""Pricing from Python: exact money in and out, bundles and threshold fillers on the real Online
Retail week, the mixed-bundling textbook case, and every bad input as a clear error."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

import upsell

D = Decimal


@pytest.fixture(scope="module")
def retail_week(data_dir):
    return data_dir / "online_retail_week.csv"


def test_price_bundle_is_exact():
    quote = upsell.price_bundle(["MUG", "TEA"], {"MUG": "12.00", "TEA": D("8.00")})
    assert quote["sum"] == D("20.00")
    assert quote["price"] == D("16.99")
    assert quote["saving"] == D("3.01")
    assert quote["saving_percent"] == D("15.05")
    assert quote["currency"] == "GBP"
    yen = upsell.price_bundle(["A", "B"], {"A": 1200, "B": 800}, currency="JPY", ending="whole")
    assert yen["price"] == D("1700")
    refused = upsell.price_bundle(["A", "B"], {"A": "0.20", "B": "0.20"}, ending="99")
    assert refused["refused"] == "ending"


def test_bundles_on_the_retail_week(retail_week):
    frame = upsell.bundles(retail_week)
    assert len(frame) == 10
    best = frame.iloc[0]
    assert best["items"] == ["22086", "22423"]
    assert (best["sum"], best["price"], best["saving"]) == (D("15.70"), D("13.29"), D("2.41"))
    for _, row in frame.iterrows():
        assert sum(row["item_prices"]) == row["sum"]
        assert row["sum"] - row["price"] == row["saving"]
        assert D(15) <= row["saving_percent"] <= D(25)
    assert frame.attrs["excluded"] == {"zero_price": 1, "non_product": 40}
    assert frame.attrs["orders"] == 520


def test_threshold_fillers_on_the_retail_week(retail_week):
    frame = upsell.threshold_fillers(retail_week, "100.00", invoice="536593")
    assert frame.attrs["cart_total"] == D("81.75")
    assert frame.attrs["gap"] == D("18.25")
    assert len(frame) == 10
    assert (frame["added"] - frame["overshoot"] == D("18.25")).all()
    by_cart = upsell.threshold_fillers(retail_week, D("100.00"), cart=["85123A", "71053"], pairs=False)
    assert by_cart.attrs["gap"] == D("100.00") - by_cart.attrs["cart_total"]


def test_mixed_bundling_textbook_case():
    wtp = np.array([[1000, 9000], [5000, 5000], [6000, 4000], [9000, 1000]])
    best = upsell.optimise_mixed_bundle(wtp, costs=[2000, 3000])
    assert best["exact"]
    assert best["separate"]["profit"] == D("150.00")
    assert best["pure_bundle"]["profit"] == D("200.00")
    assert best["profit"] == D("230.00")
    assert best["bundle_price"] == D("100.00")
    with pytest.raises(upsell.InvalidParameterError, match="floats are not exact"):
        upsell.optimise_mixed_bundle(wtp / 100.0)
    with pytest.raises(upsell.InvalidInputError, match="negative willingness to pay"):
        upsell.optimise_mixed_bundle(np.array([[1, -1], [2, 2]]))


def test_tiers():
    frame = upsell.analyse_tiers([("Basic", "9", 500), ("Pro", "29", 300), ("Business", "99", 40)])
    assert list(frame["gap"]) == [False, True, True]  # 9 -> 29 is 3.2x, 29 -> 99 is 3.4x
    assert frame.loc[1, "bridge_price"] == D("19.00")
    assert frame.loc[2, "bridge_price"] == D("49.00")


def test_negative_price_is_an_error():
    with pytest.raises(upsell.InvalidInputError, match="'MUG' is negative"):
        upsell.price_bundle(["MUG", "TEA"], {"MUG": "-1.00", "TEA": "2.00"})


def test_negative_price_in_an_order_file_names_the_place(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "1,MUG,Mug,1,2010-12-01,-2.55,1,UK\n"
    )
    with pytest.raises(upsell.InvalidInputError, match="negative unit price") as caught:
        upsell.bundles(path)
    assert caught.value.line == 2
    assert caught.value.column_name == "UnitPrice"


def test_missing_price_is_an_error(tmp_path):
    with pytest.raises(upsell.InvalidInputError, match="price of item 'MUG'"):
        upsell.price_bundle(["MUG"], {"MUG": ""})
    path = tmp_path / "orders.csv"
    path.write_text(
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
        "1,MUG,Mug,1,2010-12-01,,1,UK\n"
    )
    with pytest.raises(upsell.InvalidInputError, match="a price is required"):
        upsell.order_metrics(path)


def test_float_prices_are_refused():
    with pytest.raises(upsell.InvalidParameterError, match="money must be exact"):
        upsell.price_bundle(["MUG"], {"MUG": 2.55})


def test_mixed_currencies_are_an_error():
    with pytest.raises(upsell.InvalidInputError, match="currencies cannot be mixed"):
        upsell.price_bundle(["MUG", "TEA"], {"MUG": "2.55", "TEA": "3.00 EUR"})
    with pytest.raises(upsell.InvalidParameterError, match="max_discount"):
        upsell.price_bundle(["MUG", "TEA"], {"MUG": "2.55", "TEA": "3.00"}, max_discount="1.00 USD")


@pytest.mark.parametrize("band", [(10, 120), (-5, 20), (30, 20)])
def test_discount_band_outside_0_to_100_is_an_error(band):
    with pytest.raises(upsell.InvalidParameterError, match="discount_band"):
        upsell.price_bundle(["MUG", "TEA"], {"MUG": "2.55", "TEA": "3.00"}, discount=band)


def test_bundle_item_without_price_is_an_error():
    with pytest.raises(upsell.InvalidInputError, match="bundle item 'SPOON' has no price"):
        upsell.price_bundle(["MUG", "SPOON"], {"MUG": "2.55"})
