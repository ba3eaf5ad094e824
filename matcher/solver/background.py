"""Work done in a forked process on the machine's other core: beside the solve, or a share
of many independent items (shared_work: the mentors' calendars, calendar trials, the
proposal's reasons).

Only where processes fork (Linux): the child starts with the parent's memory as it is, so
nothing is copied up front; only the result travels back, through a pipe. A fork does not
carry threads over; HiGHS's MILPs ran in children in every solve measured, and a child that
hangs all the same is only waited for until its deadline, then killed. Work that yields its
answers as it improves them sends each one as it comes, so that a child late with its last
answer still gives the one before (2,000 x 500 at 10 s, seed 4: in 2 runs of 9 a MILP of the
forked master overran the wait, and the bound and the master's assignment found before it
were lost: 0.979 of a bound of 2,254.5 instead of 0.997 of 2,220.9).
"""

import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from threadpoolctl import threadpool_limits

FORK_MARGIN = 0.02  # work forked in a solve ends this share of the time limit before the solve's end
FORK_GRACE = 0.05  # and is waited for until this share of the time limit after it
SHARED_LEAST = 32  # work of fewer items is done here alone: forking would cost more than it saves

Result = TypeVar("Result")


def can_fork() -> bool:
    """Whether work can be forked off here."""
    return "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """`function(*args)` computed in a forked child process."""

    def __init__(self, function: Callable, *args):
        context = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # the child flushes its copies of them as it exits
            stream.flush()
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_send, args=(sender, function, args), daemon=True)
        self._process.start()
        sender.close()

    def stop(self) -> None:
        """Stop the child, whatever it is doing (nothing when it has ended)."""
        self._receiver.close()
        if self._process.is_alive():
            self._process.kill()
        self._process.join()

    def result(self, timeout: float, answered_timeout: float | None = None):
        """The function's result (of one that yields its answers, the last one), or None when
        the child has not answered within `timeout` seconds or died; of one that yields, its
        last answer that came in that time, or in `answered_timeout` seconds (at most
        `timeout`) once one has come. The child's exception is raised here."""
        started = time.monotonic()
        deadline = started + max(timeout, 0.0)
        once_answered = deadline if answered_timeout is None else min(deadline, started + max(answered_timeout, 0.0))
        latest, done, failed = None, False, False
        try:
            while not done and self._receiver.poll(max(deadline - time.monotonic(), 0.0)):
                done, failed, latest = self._receiver.recv()
                deadline = once_answered
        except EOFError:
            pass
        finally:
            self._process.join(0.05)
            self.stop()
        if failed:
            raise latest
        return latest


def last(answers: Iterator):
    """The last of the answers of work that yields them as it improves them, done here."""
    answer = None
    for answer in answers:
        pass
    return answer


class _Sender:
    """In the child: sends the latest of the messages it is given, from a thread of its
    own, so that the work goes on while the parent has not read the last one yet."""

    def __init__(self, connection):
        self.connection, self.waiting, self.closed = connection, None, False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def put(self, message: tuple) -> None:
        with self.changed:
            self.waiting = message
            self.changed.notify()

    def close(self) -> None:
        """Send what waits, then close the connection."""
        with self.changed:
            self.closed = True
            self.changed.notify()
        self.thread.join()
        self.connection.close()

    def _run(self) -> None:
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self.waiting is not None or self.closed)
                message, self.waiting = self.waiting, None
            if message is None:
                return
            self.connection.send(message)


def _send(connection, function: Callable, args: tuple) -> None:
    """In the child: send (whether it is the last answer, whether it failed, the answer or
    the exception); each answer of a function that yields them, the last one marked last."""
    sender = _Sender(connection)
    try:
        answer = function(*args)
        if isinstance(answer, Iterator):
            answers, answer = answer, None
            for answer in answers:
                sender.put((False, False, answer))
        sender.put((True, False, answer))
    except Exception as error:  # the parent raises it
        sender.put((True, True, error))
    finally:
        sender.close()


def shared_work(count: int, work: Callable[[Iterator[int]], Result], merged: Callable[[Result, Result], Result],
                patience: float, least: int | None = None) -> Result:
    """`work(indices)` over the indices of `count` items, shared with a forked process: each
    takes the next index when it is ready for one, so the two end together, and their
    results are `merged` here (this process's first). Fewer than `least` items (by default
    SHARED_LEAST), or where processes cannot fork, are worked here alone. Should the forked process not answer
    within `patience` seconds after this one has ended, or die, the items it took are worked
    here again. What `work` changes in the forked process stays there: only its result
    comes back. Both run on one BLAS thread: with OpenBLAS's threads in both, the reasons of
    10,000 x 2,000's matches took 3.4-10.3 s shared against 1.6-2.1 s alone, and 1.0-1.2 s
    with one thread each."""
    if count < (SHARED_LEAST if least is None else least) or not can_fork():
        return work(iter(range(count)))
    following = multiprocessing.get_context("fork").Value("q", 0)
    mine: list[int] = []
    with threadpool_limits(limits=1, user_api="blas"):  # the two processes are the parallel work
        forked = Forked(work, _taken(following, count, []))
        own = work(_taken(following, count, mine))
        other = forked.result(patience)
        if other is None:
            done = set(mine)
            other = work(iter([k for k in range(count) if k not in done]))
    return merged(own, other)


def _taken(following, count: int, taken: list[int]) -> Iterator[int]:
    """The indices below `count` this process takes from the shared counter `following`,
    one at a time, each also appended to `taken`."""
    while True:
        with following.get_lock():
            index = following.value
            following.value = index + 1
        if index >= count:
            return
        taken.append(index)
        yield index
