"""Progress bars for long work: mining, rules, evaluation, trigger batches, EASE fits.

A call that runs longer than a second and knows its size shows a bar: tqdm's (its notebook widget
in Jupyter) when tqdm is installed, otherwise one line on stderr that redraws itself. Bars are
shown only where a person watches (a Jupyter kernel, or stderr on a terminal) and never under
pytest. Turn them off for the process with ``upsell.set_progress(False)``, or for a block:

>>> import upsell
>>> with upsell.progress_bars(False):
...     upsell.frequent_itemsets([[1, 2], [1, 3]], 1)["count"].tolist()
[2, 1, 1, 1, 1]
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, Iterator, Optional

from upsell import _upsell

__all__ = ["progress_bars", "set_progress"]

# None: automatic (shown where a person watches); True: always; False: never.
_enabled: Optional[bool] = None


def set_progress(enabled: Optional[bool] = None) -> None:
    """``True`` shows bars for long work, ``False`` never, ``None`` (the default) where a person
    watches: in Jupyter, or when stderr is a terminal, and not under pytest."""
    global _enabled
    if enabled is not None and not isinstance(enabled, bool):
        raise TypeError(f"set_progress takes True, False or None, not {enabled!r}")
    _enabled = enabled


@contextlib.contextmanager
def progress_bars(enabled: Optional[bool]) -> Iterator[None]:
    """:func:`set_progress` for the calls inside a ``with`` block only."""
    global _enabled
    before = _enabled
    set_progress(enabled)
    try:
        yield
    finally:
        _enabled = before


def _watched() -> bool:
    if "PYTEST_CURRENT_TEST" in os.environ:
        return False
    if "ipykernel" in sys.modules:
        return True
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class _LineBar:
    """A one-line bar on stderr, for when tqdm is not installed."""

    def __init__(self, total: int) -> None:
        self._shown = -1

    def update(self, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent != self._shown:
            self._shown = percent
            filled = percent // 5
            sys.stderr.write(f"\rupsell [{'#' * filled}{'.' * (20 - filled)}] {percent:3d}% ({done:,}/{total:,})")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


class _TqdmBar:
    def __init__(self, total: int) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, desc="upsell", leave=False)

    def update(self, done: int, total: int) -> None:
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


def _bar(total: int) -> Any:
    """The factory the core calls when long work knows its size: a bar, or ``None``."""
    if not (_enabled if _enabled is not None else _watched()):
        return None
    try:
        return _TqdmBar(total)
    except ImportError:
        return _LineBar(total)


_upsell.set_progress(_bar)
