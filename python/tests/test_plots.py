"""Image smoke tests of the plots: each draws a Figure that renders to a PNG of sensible size."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

import upsell
from upsell import plots

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

BASKETS = [["bread", "butter"], ["bread", "butter", "milk"], ["bread", "jam"], ["milk", "cereal"], ["jam", "tea"]] * 8


def rendered(figure: Figure, name: str) -> bytes:
    """The PNG bytes (the figure is closed); also written to UPSELL_PLOT_DIR when set, to look at."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    if os.environ.get("UPSELL_PLOT_DIR"):
        (Path(os.environ["UPSELL_PLOT_DIR"]) / f"{name}.png").write_bytes(buffer.getvalue())
    png = buffer.getvalue()
    assert png.startswith(b"\x89PNG") and len(png) > 5_000
    return png


def test_affinity_heatmap_masks_the_diagonal_and_centres_lift_at_one():
    affinity = upsell.affinity_matrix(BASKETS, top=6)
    figure = affinity.plot("lift")
    assert isinstance(figure, Figure)
    image = figure.axes[0].images[0]
    assert image.get_array().mask.diagonal().all()
    assert image.norm.vcenter == 1.0
    assert len(figure.axes[0].texts) == 6 * 5  # values written off the diagonal
    rendered(figure, "affinity_lift")
    rendered(plots.affinity_heatmap(affinity, "confidence"), "affinity_confidence")


def test_affinity_heatmap_of_groceries(data_dir):
    affinity = upsell.affinity_matrix(data_dir / "groceries.csv", top=25)
    figure = plots.affinity_heatmap(affinity)
    assert not figure.axes[0].texts  # too many items to write values
    rendered(figure, "affinity_groceries")


def test_rules_scatter(data_dir):
    rules = upsell.association_rules(upsell.frequent_itemsets(data_dir / "groceries.csv", 0.005), min_confidence=0.05)
    figure = plots.rules_scatter(rules)
    assert len(figure.axes[0].collections[0].get_offsets()) == len(rules)
    rendered(figure, "rules_scatter")
    with pytest.raises(upsell.InvalidParameterError, match="'lift'"):
        plots.rules_scatter(rules.drop(columns="lift"))


def test_hit_rate_at_k():
    figure = plots.hit_rate_at_k(BASKETS * 3, 2, ks=[1, 2, 3])
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["rules", "popularity"]
    assert all(np.all(np.diff(line.get_ydata()) >= 0) for line in lines)  # more shown, more found
    rendered(figure, "hit_rate_at_k")
