"""The example notebooks (examples/notebooks/*.ipynb) run from top to bottom without an error.

Each runs in a fresh kernel of this interpreter (ipykernel's ``python3`` resolves to it), from its
own directory so its relative paths to ``examples/data`` hold, with matplotlib's Agg backend so
plots need no display.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "examples" / "notebooks").glob("*.ipynb"))


def test_notebooks_are_found():
    assert NOTEBOOKS, "no notebooks in examples/notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs(path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(path, as_version=4)
    stale = [n for n, cell in enumerate(notebook.cells) if cell.get("outputs") or cell.get("execution_count")]
    assert not stale, f"{path.name}: cells {stale} are committed with outputs or execution counts; clear them"
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
        return
    except CellExecutionError as error:
        failure = ANSI_COLOUR.sub("", str(error))
    # Outside the except block, so the report is the failing cell and its traceback, once.
    pytest.fail(f"{path.name}: {failure}", pytrace=False)
