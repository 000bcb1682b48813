"""The recommender, its model files, the evaluation against popularity, and the affinity matrix."""

from __future__ import annotations

import gzip
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import upsell
from conftest import DATA_DIR


@lru_cache(maxsize=None)
def _groceries() -> list:
    with open(DATA_DIR / "groceries.csv", encoding="utf-8") as f:
        return [line.rstrip("\n").split(",") for line in f if line.strip()]


@pytest.fixture(scope="module")
def model(data_dir):
    return upsell.Recommender.fit(_groceries(), 20, max_antecedent_len=2)


def test_recommendations_come_with_the_rule_behind_them(model):
    answer = model.recommend(["whole milk", "butter"], k=5)
    assert len(answer) == 5
    assert not {"whole milk", "butter"} & set(answer["item"])
    assert list(answer["score"]) == sorted(answer["score"], reverse=True)
    first = answer.iloc[0]
    assert first["source"] == "rule" and set(first["antecedent"]) <= {"whole milk", "butter"}
    assert first["explanation"].startswith(" + ".join(first["antecedent"]))
    by_lift = model.recommend(["whole milk", "butter"], k=5, by="lift")
    assert (by_lift["lift"].iloc[0]) >= answer["lift"].max() - 1e-12


def test_unknown_items_are_ignored_and_reported(model):
    with pytest.warns(UserWarning, match="no such product"):
        answer = model.recommend(["whole milk", "no such product"], k=3)
    assert answer.attrs["unknown"] == ["no such product"]
    assert len(answer) == 3
    empty = model.recommend([], k=3)
    assert list(empty["source"]) == ["popular"] * 3 and empty["item"].iloc[0] == "whole milk"
    with pytest.raises(upsell.InvalidParameterError, match="cart"):
        model.recommend("whole milk")
    with pytest.raises(upsell.InvalidParameterError, match="by"):
        model.recommend(["whole milk"], by="margin")


def test_batch_equals_one_by_one(model):
    carts = [["whole milk"], ["yogurt", "curd"], [], ["beef", "root vegetables"]]
    batch = model.recommend_batch(carts, k=4, threads=2)
    for number, cart in enumerate(carts):
        one = model.recommend(cart, k=4)
        rows = batch[batch["cart"] == number]
        assert rows["item"].tolist() == one["item"].tolist()
        assert rows["rank"].tolist() == list(range(1, len(one) + 1))


def test_model_files_round_trip_and_damage_is_a_clear_error(model, tmp_path):
    cart = ["whole milk", "rolls/buns"]
    expected = model.recommend(cart)["item"].tolist()
    for name in ("m.json", "m.model"):
        model.save(tmp_path / name)
        assert upsell.Recommender.load(tmp_path / name).recommend(cart)["item"].tolist() == expected
    assert upsell.Recommender.from_bytes(model.to_bytes()).rule_count == model.rule_count
    assert upsell.Recommender.from_json(model.to_json()).rule_count == model.rule_count
    data = (tmp_path / "m.model").read_bytes()
    (tmp_path / "cut.model").write_bytes(data[: len(data) // 2])
    with pytest.raises(upsell.RuleSyntaxError, match="truncated") as caught:
        upsell.Recommender.load(tmp_path / "cut.model")
    assert caught.value.diagnostics[0]["path"].endswith("cut.model")
    newer = model.to_json().replace('"version":1', '"version":2')
    with pytest.raises(upsell.RuleSyntaxError, match="version 2"):
        upsell.Recommender.from_json(newer)
    with pytest.raises(FileNotFoundError):
        upsell.Recommender.load(tmp_path / "missing.model")


def _retail() -> list:
    with gzip.open(DATA_DIR / "retail.dat.gz", "rt") as f:
        return [[int(x) for x in line.split()] for line in f if line.strip()]


def test_rules_beat_popularity_by_15_percent_on_retail(data_dir):
    result = upsell.evaluate(_retail(), 10, k=5)
    rules, popular = result.loc["rules"], result.loc["popularity"]
    assert rules["hit_rate"] / popular["hit_rate"] - 1 > 0.15
    assert rules["coverage"] > popular["coverage"]
    assert rules["precision"] == pytest.approx(rules["hit_rate"] / 5)
    assert result.attrs["cases"] > 100_000


def test_groceries_and_member_days_are_reported(data_dir):
    groceries = upsell.evaluate(_groceries(), 20, k=5, max_antecedent_len=2)
    assert groceries.loc["rules", "hit_rate"] > groceries.loc["popularity", "hit_rate"]
    members = pd.read_csv(DATA_DIR / "groceries_members.csv")
    by_time = upsell.evaluate(
        members, 10, k=5, split="time", time="Date", basket=["Member_number", "Date"], item="itemDescription",
        max_antecedent_len=2,
    )
    assert by_time.attrs["train_baskets"] + by_time.attrs["test_baskets"] <= 14_963
    assert 0.1 < by_time.loc["popularity", "hit_rate"] < 0.5
    cut = upsell.evaluate(
        members, 10, split="time", time="Date", cutoff="2015-07-01", basket=["Member_number", "Date"],
        item="itemDescription",
    )
    assert cut.attrs["train_baskets"] > cut.attrs["test_baskets"] > 0


def test_bad_times_and_splits_are_clear_errors():
    frame = pd.DataFrame({"b": [1, 1, 2, 2], "i": ["x", "y", "x", "y"], "t": ["2024-01-01", "2024-01-01", "soon", "2024-01-02"]})
    with pytest.raises(upsell.InvalidInputError, match="'soon' is not a time") as caught:
        upsell.evaluate(frame, 1, split="time", time="t", basket="b", item="i")
    assert caught.value.line == 3 and caught.value.column_name == "t"  # rows count from 1, as in sequences
    with pytest.raises(upsell.InvalidParameterError, match="'cutoff'"):
        upsell.evaluate(frame.replace("soon", "2024-01-01"), 1, split="time", time="t", basket="b", item="i", cutoff="later")
    with pytest.raises(upsell.InvalidParameterError, match="train"):
        upsell.evaluate([["x", "y"]] * 4, 1, train=1.5)
    with pytest.raises(upsell.InvalidParameterError, match="split"):
        upsell.evaluate([["x", "y"]] * 4, 1, split="random")
    with pytest.raises(upsell.InvalidParameterError, match="k"):
        upsell.evaluate([["x", "y"]] * 4, 1, k=0)


def test_affinity_matrix_equals_pandas(data_dir):
    baskets = _groceries()
    affinity = upsell.affinity_matrix(baskets, top=15)
    onehot = pd.DataFrame([{item: True for item in b} for b in baskets]).fillna(False).astype(int)
    top = onehot.sum().sort_values(ascending=False, kind="stable")
    assert set(affinity.items) == set(top.index[:15])
    sub = onehot[affinity.items].to_numpy()
    counts = sub.T @ sub
    np.testing.assert_array_equal(affinity.counts, counts)
    support = sub.mean(0)
    np.testing.assert_allclose(affinity.confidence, counts / np.diag(counts)[:, None])
    np.testing.assert_allclose(affinity.lift, counts / len(baskets) / np.outer(support, support))
    pairs = affinity.pairs(min_support=0.01, min_lift=1.5)
    assert len(pairs) > 0 and (pairs["lift"] >= 1.5).all() and (pairs["support"] >= 0.01).all()
    assert pairs["lift"].is_monotonic_decreasing
    assert affinity.frame("lift").loc["whole milk", "whole milk"] == pytest.approx(1 / support[affinity.items.index("whole milk")])
    with pytest.raises(upsell.InvalidParameterError, match="top"):
        upsell.affinity_matrix(baskets, top=0)


# -- EASE -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ease_split(data_dir):
    baskets = _groceries()
    cut = round(0.8 * len(baskets))
    return baskets[:cut], baskets[cut:]


def _numpy_ease(train: list, candidates: list, lam: float) -> np.ndarray:
    column = {label: c for c, label in enumerate(candidates)}
    x = np.zeros((len(train), len(candidates)))
    for row, basket in enumerate(train):
        x[row, [column[i] for i in set(basket) if i in column]] = 1.0
    p = np.linalg.inv(x.T @ x + lam * np.eye(len(candidates)))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0.0)
    return b


def test_ease_equals_numpy_on_groceries(ease_split):
    train, test = ease_split
    model = upsell.EaseRecommender.fit(train, lambda_=150)
    candidates = model.candidates
    assert len(candidates) == 169 and model.lambda_ == 150.0
    expected = _numpy_ease(train, candidates, 150.0)
    np.testing.assert_allclose(model.weights, expected, rtol=0, atol=1e-6)
    column = {label: c for c, label in enumerate(candidates)}
    for basket in test[:300]:
        cart = sorted(set(basket))
        scores = expected[[column[i] for i in cart]].sum(axis=0)
        scores[[column[i] for i in cart]] = -np.inf
        # Candidates come most popular first: a stable sort gives ties to the more popular item.
        top = [candidates[c] for c in np.argsort(-scores, kind="stable")[:5]]
        answer = model.recommend(cart, k=5)
        assert answer["item"].tolist() == top, cart
        assert (answer["source"] == "ease").all()
        best = [max(cart, key=lambda i: expected[column[i], column[item]]) for item in top]
        assert answer["because"].tolist() == best


def test_ease_explains_fills_and_reports(ease_split):
    model = upsell.EaseRecommender.fit(ease_split[0], lambda_=150, min_count=50)
    answer = model.recommend(["whole milk", "butter"], k=3)
    assert answer.columns.tolist() == ["item", "score", "source", "because", "weight", "explanation"]
    assert answer["explanation"][0].startswith(f"{answer['because'][0]} -> {answer['item'][0]} (weight ")
    empty = model.recommend([], k=3)
    assert empty["item"].tolist() == model.candidates[:3] and (empty["source"] == "popular").all()
    assert empty["weight"].isna().all()
    with pytest.warns(UserWarning, match="nothing"):
        odd = model.recommend(["nothing", "whole milk"], k=3)
    assert odd.attrs["unknown"] == ["nothing"]
    with pytest.raises(upsell.InvalidParameterError, match="lambda"):
        upsell.EaseRecommender.fit(ease_split[0], lambda_=0)
    with pytest.raises(upsell.LimitExceededError, match="min_count to"):
        upsell.EaseRecommender.fit(ease_split[0], max_items=10)


def test_ease_beats_popularity_on_groceries(data_dir):
    result = upsell.evaluate(_groceries(), 20, k=5, max_antecedent_len=2, ease=True, ease_lambda=150)
    assert result.index.tolist() == ["rules", "popularity", "ease"]
    assert result.attrs["ease_items"] == 169
    # The prototype (numpy inverse, the same split and leave-one-out cases) gave 0.2799.
    assert result.loc["ease", "hit_rate"] == pytest.approx(0.2799, abs=1e-3)
    plain = upsell.evaluate([["x", "y"]] * 10, 1)
    assert plain.index.tolist() == ["rules", "popularity"] and plain.attrs["ease_items"] is None
    with pytest.raises(upsell.InvalidParameterError, match="ease=True"):
        upsell.evaluate([["x", "y"]] * 10, 1, ease_lambda=10)


def test_a_model_from_rules_frames_answers_as_the_fitted_one():
    rng = np.random.default_rng(5)
    names = [f"p{k}" for k in range(12)]
    baskets = [list(rng.choice(names, size=rng.integers(1, 6), replace=False)) for _ in range(400)]
    fitted = upsell.Recommender.fit(baskets, min_support=8, min_confidence=0.05, max_antecedent_len=2)
    itemsets = upsell.frequent_itemsets(baskets, 8, max_len=3)
    rules = upsell.association_rules(itemsets, min_confidence=0.05, max_antecedent_len=2, max_consequent_len=1)
    carts = [list(rng.choice(names, size=rng.integers(1, 4), replace=False)) for _ in range(50)]

    def answers(model):
        # Which of two equally good rules explains an item follows the model's item numbering,
        # which may differ: the answers and the rules' measures must not.
        return model.recommend_batch(carts, k=4, backfill=False).drop(columns=["explanation", "antecedent"])

    pd.testing.assert_frame_equal(answers(upsell.Recommender.from_rules(rules)), answers(fitted))
    # mlxtend's frame: supports only, so the number of baskets comes with it.
    from upsell.compat.mlxtend import association_rules

    supports = pd.DataFrame({"support": itemsets["support"], "itemsets": [frozenset(s) for s in itemsets["itemset"]]})
    mlxtend_rules = association_rules(supports, len(baskets), min_threshold=0.05)
    mlxtend_rules = mlxtend_rules[mlxtend_rules["antecedents"].map(len) <= 2]
    from_mlxtend = upsell.Recommender.from_rules(mlxtend_rules, baskets=len(baskets))
    pd.testing.assert_frame_equal(answers(from_mlxtend), answers(fitted))
    with pytest.raises(upsell.InvalidParameterError, match="baskets="):
        upsell.Recommender.from_rules(mlxtend_rules)


def test_ease_model_files_round_trip_and_batches_equal_one_by_one(ease_split, tmp_path):
    train, test = ease_split
    model = upsell.EaseRecommender.fit(train, lambda_=150, min_count=50)
    carts = [basket[:2] for basket in test[:300]] + [[]]
    for path in (tmp_path / "ease.json", tmp_path / "ease.bin"):
        model.save(path)
        loaded = upsell.EaseRecommender.load(path)
        assert loaded.candidates == model.candidates and loaded.lambda_ == model.lambda_
        np.testing.assert_array_equal(loaded.weights, model.weights)
        pd.testing.assert_frame_equal(loaded.recommend(["whole milk"], k=4), model.recommend(["whole milk"], k=4))
    assert upsell.EaseRecommender.from_bytes(model.to_bytes()).candidates == model.candidates
    assert upsell.EaseRecommender.from_json(model.to_json()).items == model.items

    batch = model.recommend_batch(pa.array(carts), k=3, threads=2)
    assert batch.columns.tolist()[:2] == ["cart", "rank"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # carts with items below min_count
        one_by_one = [model.recommend(cart, k=3) for cart in carts]
    for number, expected in enumerate(one_by_one):
        got = batch[batch["cart"] == number].drop(columns=["cart", "rank"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_like=False)
    assert batch.attrs["unknown_count"] == sum(1 for cart in carts for item in cart if item not in model.items)

    damaged = tmp_path / "damaged.bin"
    damaged.write_bytes(model.to_bytes()[:-3])
    with pytest.raises(upsell.ModelFileError, match="model file: the file is truncated") as info:
        upsell.EaseRecommender.load(damaged)
    assert info.value.diagnostics[0]["path"].endswith("damaged.bin")
    with pytest.raises(upsell.ModelFileError, match="not an upsell EASE model"):
        upsell.EaseRecommender.from_json(upsell.Recommender.fit(train[:200], 5).to_json())
