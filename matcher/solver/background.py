"""Work done in a forked process while the solve goes on, on the machine's other core.

Only where processes fork (Linux): the child starts with the parent's memory as it is, so
nothing is copied up front; only the result travels back, through a pipe. A fork does not
carry threads over; HiGHS's MILPs ran in children in every solve measured, and a child that
hangs all the same is only waited for until its deadline, then killed.
"""

import multiprocessing
import sys
from collections.abc import Callable

FORK_MARGIN = 0.02  # work forked in a solve ends this share of the time limit before the solve's end
FORK_GRACE = 0.05  # and is waited for until this share of the time limit after it


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

    def result(self, timeout: float):
        """The function's result, or None when the child has not answered within `timeout`
        seconds or died; the child's exception is raised here."""
        try:
            answered = self._receiver.poll(max(timeout, 0.0))
            failed, value = self._receiver.recv() if answered else (False, None)
        except EOFError:
            failed, value = False, None
        finally:
            self._process.join(0.05)
            self.stop()
        if failed:
            raise value
        return value


def _send(sender, function: Callable, args: tuple) -> None:
    """In the child: send (whether it failed, the result or the exception)."""
    try:
        sender.send((False, function(*args)))
    except Exception as error:  # the parent raises it
        sender.send((True, error))
    finally:
        sender.close()
