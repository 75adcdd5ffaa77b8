"""Run generators in forked child processes and receive what they yield here: bulk work on several cores.

A history import reads and derives in children (a large log in two halves, one child each) while the
parent writes the ledger (reading is Python work, two thirds of an import; writing is mostly SQLite's),
and a report adds up half the tickets in a child while the parent adds up the other half. Items travel
pickled through pipes that hold a batch or two, so a child waits while the parent is behind: memory
stays flat however long the file. An exception in a child is raised here, as itself when it pickles.

A child is forked: it starts at once, with the parent's modules, settings and generator (not started
yet), and touches nothing else of the parent's (never a database connection; it ends with os._exit).
Where fork is not available (Windows, macOS' default) the generators run here, one after the other.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import sys
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar, cast

if sys.platform != "win32":  # Windows has no fcntl (and no fork either)
    import fcntl

T = TypeVar("T")

_ITEM, _END, _ERROR = "item", "end", "error"
PIPE_BYTES = 1 << 20  # Linux's default most for an unprivileged process (/proc/sys/fs/pipe-max-size)


def can_fork() -> bool:
    return os.name == "posix" and "fork" in multiprocessing.get_all_start_methods()


def run_in_child(items: Iterator[T]) -> Iterator[T]:
    """Start a child producing what `items` yields, now; the returned iterator receives it in order."""
    return (item for _, item in run_in_children(items))


def run_in_children(*producers: Iterator[T]) -> Iterator[tuple[int, T]]:
    """Start one child per producer, now; the returned iterator gives (producer's index, item) as they arrive,
    each producer's items in their order. Without fork: each producer here, in turn, as it is read."""
    if not can_fork():
        return ((index, item) for index, items in enumerate(producers) for item in items)
    context = multiprocessing.get_context("fork")
    children = []
    for items in producers:
        receive, send = context.Pipe(duplex=False)
        _widen(send)
        child = context.Process(target=_produce, args=(items, send), daemon=True)
        child.start()
        send.close()  # the child's end: with it closed here, recv() sees EOF if the child dies
        children.append((receive, child))
    return _received(children)


def _widen(pipe) -> None:
    """A pipe that holds a whole batch (Linux: up to PIPE_BYTES; 64 KiB by default): a child sends its batch and
    goes on reading while the parent is still writing the previous one, instead of waiting for it."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or a lower limit: slower, not wrong
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _received(children: list) -> Iterator[tuple[int, Any]]:
    """What the children send, unpickled (so typed by the producers, not here)."""
    index_of = {receive: index for index, (receive, _) in enumerate(children)}
    try:
        while index_of:
            for ready in wait(list(index_of)):
                receive = cast(Connection, ready)  # wait() answers with what it was given: our pipes' ends
                try:
                    kind, value = receive.recv()
                except EOFError:
                    child = children[index_of[receive]][1]
                    child.join()
                    raise RuntimeError(
                        f"a child process ended without finishing (exit code {child.exitcode})"
                    ) from None
                if kind == _ITEM:
                    yield index_of[receive], value
                elif kind == _END:
                    del index_of[receive]
                else:
                    raise value
    finally:
        for receive, child in children:
            receive.close()
            if child.is_alive():
                child.terminate()  # the parent stopped early (an error, or the caller closed the iterator)
            child.join()


def _produce(items: Iterator, send) -> None:
    try:
        for item in items:
            send.send((_ITEM, item))
        send.send((_END, None))
    except BaseException as error:  # noqa: BLE001 (every failure goes to the parent, which raises it)
        send.send((_ERROR, _picklable(error)))
    finally:
        send.close()


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001
        return RuntimeError(f"{type(error).__name__}: {error}")
