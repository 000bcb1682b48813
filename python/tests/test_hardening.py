"""Inputs, options and files that must never crash the interpreter or damage a file (issue 14)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

import upsell
from upsell import InvalidParameterError, LimitExceededError


def test_a_wide_basket_is_a_limit_error_naming_the_basket():
    baskets = [[1000, 1001], list(range(100))]
    with pytest.raises(LimitExceededError, match="max_len") as info:
        upsell.frequent_itemsets(baskets, 1)
    assert "basket 1 (0-based), has 100 frequent items" in str(info.value)
    assert info.value.kind == "limit_exceeded"
    assert len(upsell.frequent_itemsets(baskets, 1, max_len=1)) == 102


def test_a_basket_of_100000_items_keeps_the_interpreter_alive():
    wide = [list(range(100_000))] * 2
    with pytest.raises(LimitExceededError, match="100000 frequent items"):
        upsell.frequent_itemsets(wide, 2)
    assert len(upsell.frequent_itemsets(wide, 2, max_len=1)) == 100_000


def test_the_memory_budget_is_settable_and_checked():
    baskets = [[(k * 7 + j * 3) % 40 for j in range(10)] for k in range(60)]
    with pytest.raises(LimitExceededError, match="result memory in bytes passed 200000"):
        upsell.frequent_itemsets(baskets, 1, max_memory=200_000)
    assert len(upsell.frequent_itemsets(baskets, 1, max_memory=None)) > 10_000
    assert upsell._upsell.DEFAULT_MAX_MEMORY >= 1 << 20
    for bad in (0, -1):
        with pytest.raises((InvalidParameterError, OverflowError)):
            upsell.frequent_itemsets(baskets, 1, max_memory=bad)


@pytest.mark.parametrize("threads", [-1, 0, upsell._upsell.MAX_THREADS + 1, 100_000, 2**70])
def test_threads_out_of_range_are_parameter_errors(threads):
    with pytest.raises(InvalidParameterError, match="threads"):
        upsell.frequent_itemsets([["a", "b"]], 1, threads=threads)


def test_threads_within_range_work():
    assert len(upsell.frequent_itemsets([["a", "b"]], 1, threads=upsell._upsell.MAX_THREADS)) == 3


def _model() -> upsell.Recommender:
    baskets = [["a", "b"], ["a", "b"], ["a", "c"], ["b", "c"]]
    return upsell.Recommender.fit(baskets, 2, min_confidence=0.1)


def test_save_replaces_a_model_whole_and_leaves_no_temporary_file(tmp_path: Path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    model = _model()
    model.save(path)
    assert upsell.Recommender.load(path).to_json() == model.to_json()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.bin"]


def test_save_writes_through_a_symlink(tmp_path: Path):
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    _model().save(link)
    assert link.is_symlink()
    assert upsell.Recommender.load(real).to_json() == _model().to_json()


def test_save_into_a_fifo_writes_to_it(tmp_path: Path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    _model().save(fifo)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert upsell.Recommender.from_json(received[0]).to_json() == _model().to_json()


def test_a_failed_save_says_cannot_write_and_keeps_the_old_model(tmp_path: Path):
    missing = tmp_path / "no-such-folder" / "model.bin"
    with pytest.raises(OSError, match="cannot write"):
        _model().save(missing)
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        (folder / "model.bin").write_bytes(b"old")
        folder.chmod(0o500)
        try:
            with pytest.raises(PermissionError, match="cannot write"):
                _model().save(folder / "model.bin")
            assert (folder / "model.bin").read_bytes() == b"old"
        finally:
            folder.chmod(0o700)


def test_a_space_separated_txt_file_is_read_as_fimi(tmp_path: Path):
    path = tmp_path / "spmf.txt"
    path.write_text("1 2 3\n1 2\n2 3\n" * 4)
    result = upsell.frequent_itemsets(path, 0.5)
    assert len(result) == 5  # {1}, {2}, {3}, {1, 2}, {2, 3}; read per line, nothing would be frequent


def test_a_file_of_one_item_per_basket_warns(tmp_path: Path):
    path = tmp_path / "lines.csv"
    path.write_text("bread milk\nmilk jam\nbread jam\n")
    with pytest.warns(UserWarning, match="every basket has at most one item"):
        upsell.frequent_itemsets(path, 1)


def test_a_count_above_the_baskets_warns():
    with pytest.warns(UserWarning, match="above the number of baskets"):
        assert len(upsell.frequent_itemsets([["a", "b"], ["a"]], 3)) == 0


def test_a_3d_array_is_an_input_error():
    import numpy as np

    with pytest.raises(upsell.InvalidInputError, match="3-D array"):
        upsell.frequent_itemsets(np.zeros((2, 2, 2), dtype=bool), 1)


def test_a_corrupt_model_is_a_model_file_error(tmp_path: Path):
    path = tmp_path / "model.bin"
    path.write_bytes(_model().to_bytes()[:-3])
    with pytest.raises(upsell.ModelFileError, match="model file: the file is truncated") as caught:
        upsell.Recommender.load(path)
    assert isinstance(caught.value, upsell.RuleSyntaxError) and caught.value.kind == "parse"
