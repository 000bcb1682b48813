"""Progress bars: asked for once long work knows its size, updated, closed; never under pytest
unless asked; a failing bar never fails the work."""

import pytest

import upsell
from upsell import _upsell, progress
from conftest import DATA_DIR


class Recorder:
    def __init__(self):
        self.totals, self.updates, self.closed = [], [], 0

    def __call__(self, total):
        self.totals.append(total)
        return self

    def update(self, done, total):
        self.updates.append((done, total))

    def close(self):
        self.closed += 1


@pytest.fixture
def mushroom():
    path = DATA_DIR / "mushroom.dat.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return upsell.Baskets.read(path, format="fimi")


@pytest.fixture
def factory():
    recorder = Recorder()
    _upsell.set_progress(recorder, after=0.0)
    yield recorder
    _upsell.set_progress(progress._bar)


def test_long_mining_draws_one_bar_that_ends_closed(factory, mushroom):
    # 3.8 million itemsets on one thread: far longer than the first look at the bar (50 ms).
    _upsell.mine(mushroom, 407, threads=1, max_itemsets=None)
    assert len(factory.totals) == 1 and factory.closed == 1
    assert factory.updates, "no update"
    done = [d for d, _ in factory.updates]
    assert done == sorted(done) and all(0 <= d <= t for d, t in factory.updates)


def test_a_bar_that_fails_is_dropped_and_the_work_goes_on(mushroom):
    class Broken(Recorder):
        def update(self, done, total):
            raise RuntimeError("broken bar")

    broken = Broken()
    _upsell.set_progress(broken, after=0.0)
    try:
        assert len(_upsell.mine(mushroom, 407, threads=1, max_itemsets=None)[2]) == 3_755_511
    finally:
        _upsell.set_progress(progress._bar)
    assert broken.closed == 0


def test_a_ctrl_c_during_a_bar_update_stops_the_work(mushroom):
    class Interrupted(Recorder):
        def update(self, done, total):
            raise KeyboardInterrupt

    _upsell.set_progress(Interrupted(), after=0.0)
    try:
        with pytest.raises(KeyboardInterrupt):
            # Without the interrupt: tens of millions of itemsets, stopped by the budget.
            _upsell.mine(mushroom, 1, threads=1, max_itemsets=50_000_000, max_memory=None)
    finally:
        _upsell.set_progress(progress._bar)


def test_bars_are_off_under_pytest_unless_asked(capsys):
    assert progress._bar(100) is None
    with upsell.progress_bars(True):
        bar = progress._bar(100)
    assert bar is not None
    bar.update(50, 100)
    bar.close()
    assert progress._enabled is None
    with pytest.raises(TypeError):
        upsell.set_progress("yes")


def test_after_must_be_seconds():
    with pytest.raises(ValueError, match="after"):
        _upsell.set_progress(None, after=-1.0)
    _upsell.set_progress(progress._bar)
