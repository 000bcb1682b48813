"""The examples in the package's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "upsell",
    "upsell.mining",
    "upsell.rules",
    "upsell.recommend",
    "upsell.triggers",
    "upsell.pricing",
    "upsell.metrics",
    "upsell.sequence",
    "upsell.compat.mlxtend",
    "upsell.progress",
    "upsell.report",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert name == "upsell" or result.attempted > 0
