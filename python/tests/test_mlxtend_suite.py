"""mlxtend's own ``frequent_patterns`` test suite, run against :mod:`upsell.compat.mlxtend`.

mlxtend's wheels do not ship their tests, so this runs only when ``MLXTEND_TESTS`` names a copy of
``mlxtend/frequent_patterns/tests`` from mlxtend's repository (the version installed). The tests
import ``mlxtend.frequent_patterns``; a conftest puts our functions in its place first, and a check
that every test module sees ours guards against a silent run of mlxtend itself.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = """
import mlxtend.frequent_patterns as patterns
import upsell.compat.mlxtend as compat

for name in compat.__all__:
    setattr(patterns, name, getattr(compat, name))


def pytest_collection_modifyitems(items):
    for module in {item.module for item in items}:
        for name in compat.__all__:
            ours = getattr(compat, name)
            assert getattr(module, name, ours) is ours, (module, name)
"""

#: mlxtend tests that the exact answers legitimately fail, by node id, with the reason. None today.
EXPECTED_FAILURES: dict = {}


def test_mlxtend_suite_passes_against_compat(tmp_path: Path):
    source = os.environ.get("MLXTEND_TESTS")
    if not source:
        pytest.skip("set MLXTEND_TESTS to mlxtend's frequent_patterns/tests directory to run its suite")
    for test_file in Path(source).glob("*.py"):
        shutil.copy(test_file, tmp_path / test_file.name)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "-W", "ignore", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    failed = set(re.findall(r"^FAILED (\S+)", run.stdout, flags=re.M))
    passed = re.search(r"(\d+) passed", run.stdout)
    assert failed == set(EXPECTED_FAILURES), run.stdout[-4000:]
    assert passed and int(passed.group(1)) > 0, run.stdout[-4000:]
    assert "error" not in run.stdout.splitlines()[-1], run.stdout[-4000:]
