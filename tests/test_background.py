"""Tests of work forked off beside the solve (matcher.solver.background)."""

import operator
import os
import time

import numpy as np
import pytest

from matcher.solver.background import SHARED_LEAST, Forked, can_fork, last, shared_work

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


def improving(stall: float):
    """Large answers (more than a pipe holds) as they improve, then a stall before the last."""
    for k in range(3):
        yield np.full(100_000, k)
    time.sleep(stall)
    yield np.full(100_000, 9)


@pytest.mark.parametrize("stall, last", [(0.0, 9), (5.0, 2)])
def test_a_child_that_yields_its_answers_gives_the_last_that_came_in_time(stall, last):
    started = time.perf_counter()
    answer = Forked(improving, stall).result(1.0)
    assert answer.shape == (100_000,) and (answer == last).all()
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("first_after, timeout, answer, least, most", [(0.0, 5.0, 0, 0.4, 1.5),
                                                                       (3.0, 2.0, None, 1.9, 2.5)])
def test_once_an_answer_has_come_the_wait_may_be_shorter(first_after, timeout, answer, least, most):
    # The child answers after `first_after` seconds, then stalls. Given 5 s, or 0.5 s once an
    # answer has come, the parent takes the first answer at 0.5 s; given 2 s, with no answer
    # by 0.5 s it waits the 2 s, and gets none: the child's first comes at 3 s.
    started = time.perf_counter()
    got = Forked(answering_then_stalling, first_after).result(timeout, 0.5)
    assert got == answer
    assert least < time.perf_counter() - started < most


def answering_then_stalling(first_after: float):
    time.sleep(first_after)
    yield 0
    time.sleep(30)
    yield 1


def test_work_that_yields_its_answers_done_here_gives_the_last():
    assert last(iter([1, 2, 3])) == 3 and last(iter([])) is None


def worked_by(indices) -> list[tuple[int, int]]:
    """(index, process) for each index taken, two milliseconds each."""
    done = []
    for k in indices:
        time.sleep(0.002)
        done.append((k, os.getpid()))
    return done


def test_shared_work_is_taken_by_both_processes_each_item_once():
    done = shared_work(500, worked_by, operator.add, patience=5.0)  # a second's work: the fork starts long before
    assert sorted(k for k, _ in done) == list(range(500))
    processes = [process for _, process in done]
    assert processes[0] == os.getpid() and len(set(processes)) == 2


def test_few_items_are_worked_here_alone():
    done = shared_work(SHARED_LEAST - 1, worked_by, operator.add, patience=5.0)
    assert done == [(k, os.getpid()) for k in range(SHARED_LEAST - 1)]


def test_the_items_of_a_forked_process_that_does_not_answer_are_worked_here_again():
    parent = os.getpid()

    def hanging_there(indices) -> list[tuple[int, int]]:
        if os.getpid() != parent:
            next(indices)  # takes an item, then never answers
            time.sleep(30)
        return worked_by(indices)

    started = time.perf_counter()
    done = shared_work(100, hanging_there, operator.add, patience=0.2)
    assert sorted(done) == [(k, parent) for k in range(100)]
    assert time.perf_counter() - started < 5.0
