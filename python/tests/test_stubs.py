"""The stub of the compiled module matches it, as ``mypy.stubtest`` checks."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_stub_of_the_native_module_matches_it():
    pytest.importorskip("mypy.stubtest", reason="mypy is the checker (pip install mypy)")
    run = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "upsell._upsell"], capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
