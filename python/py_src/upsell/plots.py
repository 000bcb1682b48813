"""Plots a data scientist reads at a glance; each returns a matplotlib ``Figure``.

- :func:`affinity_heatmap`: lift between the top items on a diverging scale centred at 1 (blue
  below: bought instead of each other; red above: bought together), the diagonal (an item with
  itself) masked so it does not swamp the scale, values written in the cells of small matrices.
- :func:`rules_scatter`: support against confidence, coloured by lift on the same scale.
- :func:`hit_rate_at_k`: how often the held-out item is among the first ``k`` recommendations, for
  rules against popularity (and EASE), as ``k`` grows.

matplotlib is imported when a plot is drawn, so ``import upsell`` does not need it.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Union

import numpy as np
import pandas as pd

from upsell.exceptions import InvalidParameterError

__all__ = ["affinity_heatmap", "hit_rate_at_k", "rules_scatter"]

#: Matrices up to this many items get their values written in the cells.
ANNOTATE_UP_TO = 15


def affinity_heatmap(affinity: Any, measure: str = "lift", *, ax: Any = None, annotate: Optional[bool] = None) -> Any:
    """A heatmap of one matrix of an :class:`upsell.Affinity`, diagonal masked.

    ``measure="lift"`` uses a diverging scale centred at 1; ``"confidence"`` and ``"counts"`` a
    sequential one. ``annotate`` writes the values in the cells (default: up to
    :data:`ANNOTATE_UP_TO` items).
    """
    from matplotlib import colors

    values = affinity.frame(measure).to_numpy(dtype=np.float64)
    items = [str(i) for i in affinity.items]
    masked = np.ma.masked_array(values, mask=np.eye(len(items), dtype=bool))
    figure, ax = _axes(ax, (1.5 + 0.45 * len(items), 1 + 0.4 * len(items)))
    if measure == "lift":
        cmap, norm = _lift_scale(masked.compressed())
    else:
        cmap, norm = _colormap("viridis"), colors.Normalize(vmin=0, vmax=max(float(masked.max() or 0), 1e-12))
    image = ax.imshow(masked, cmap=cmap, norm=norm)
    ax.set_xticks(range(len(items)), labels=items, rotation=90)
    ax.set_yticks(range(len(items)), labels=items)
    figure.colorbar(image, ax=ax, label=measure + (" (1 = independent)" if measure == "lift" else ""))
    if annotate if annotate is not None else len(items) <= ANNOTATE_UP_TO:
        text = "{:.0f}" if measure == "counts" else "{:.2f}"
        for row, column in zip(*np.nonzero(~masked.mask)):
            shade = image.cmap(image.norm(values[row, column]))
            dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
            ax.text(column, row, text.format(values[row, column]), ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    ax.set_title(f"{measure} of the top {len(items)} items")
    figure.tight_layout()
    return figure


def rules_scatter(rules: pd.DataFrame, *, ax: Any = None) -> Any:
    """Support against confidence of association rules (upsell's or mlxtend's frame), coloured by
    lift on a diverging scale centred at 1."""
    for column in ("support", "confidence", "lift"):
        if column not in rules.columns:
            raise InvalidParameterError(
                f"invalid parameter 'rules': the frame has no {column!r} column", kind="invalid_parameter"
            )
    figure, ax = _axes(ax, (7, 5))
    lift = rules["lift"].to_numpy(dtype=np.float64)
    cmap, norm = _lift_scale(lift)
    points = ax.scatter(rules["support"], rules["confidence"], c=lift, cmap=cmap, norm=norm, s=14, alpha=0.8,
                        edgecolors="none")
    figure.colorbar(points, ax=ax, label="lift (1 = independent)")
    ax.set_xlabel("support (share of baskets with both sides)")
    ax.set_ylabel("confidence")
    ax.set_title(f"{len(rules)} rules")
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def hit_rate_at_k(
    data: Any, min_support: Union[int, float], ks: Iterable[int] = range(1, 11), *, ax: Any = None, **options: Any
) -> Any:
    """Hit rate at each ``k`` of :func:`upsell.evaluate` (``options`` are its own), one line per
    method: the share of held-out items found among the first ``k`` recommendations."""
    from upsell.recommend import evaluate

    ks = sorted(set(int(k) for k in ks))
    if not ks:
        raise InvalidParameterError("invalid parameter 'ks': give at least one k", kind="invalid_parameter")
    rates = pd.DataFrame({k: evaluate(data, min_support, k=k, **options)["hit_rate"] for k in ks})
    figure, ax = _axes(ax, (7, 4.5))
    for method, row in rates.iterrows():
        ax.plot(ks, row.to_numpy(), marker="o", label=str(method))
    ax.set_xlabel("k (recommendations shown)")
    ax.set_ylabel("hit rate (held-out item among them)")
    ax.set_xticks(ks)
    ax.set_ylim(0, min(1.0, float(rates.to_numpy().max()) * 1.15 + 0.02))
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("hit rate at k")
    figure.tight_layout()
    return figure


def _axes(ax: Any, size: tuple) -> tuple:
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    # Through pyplot, so a notebook shows the figure and a script's plt.show() finds it.
    figure, ax = plt.subplots(figsize=size)
    return figure, ax


def _colormap(name: str) -> Any:
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad="#d9d9d9")


def _lift_scale(lifts: np.ndarray) -> tuple:
    from matplotlib import colors

    finite = lifts[np.isfinite(lifts)]
    low = min(float(finite.min()) if len(finite) else 0.0, 0.99)
    high = max(float(finite.max()) if len(finite) else 2.0, 1.01)
    return _colormap("RdBu_r"), colors.TwoSlopeNorm(vmin=low, vcenter=1.0, vmax=high)
