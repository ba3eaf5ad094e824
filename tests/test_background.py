"""Tests of work forked off beside the solve (matcher.solver.background)."""

import os
import time

import numpy as np
import pytest

from matcher.solver.background import Forked, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="processes do not fork here")


def process_and_total(values: np.ndarray) -> tuple[int, float]:
    return os.getpid(), float(values.sum())


def slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def failing(message: str) -> None:
    raise ValueError(message)


def test_the_result_comes_back_from_another_process():
    values = np.arange(1_000_000, dtype=float)  # the child reads the parent's memory as it was
    child, total = Forked(process_and_total, values).result(10)
    assert child != os.getpid()
    assert total == float(values.sum())


def test_a_child_too_slow_gives_no_result_and_is_stopped():
    forked = Forked(slow, 5.0)
    started = time.perf_counter()
    assert forked.result(0.2) is None
    assert time.perf_counter() - started < 2.0
    assert not forked._process.is_alive()


def test_the_childs_exception_is_raised_in_the_parent():
    with pytest.raises(ValueError, match="no prices"):
        Forked(failing, "no prices").result(10)
