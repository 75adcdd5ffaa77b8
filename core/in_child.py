"""Run a generator in a forked child process and receive what it yields here: bulk work on two cores.

A history import reads and derives in a child while the parent writes the ledger (reading is Python
work, some two thirds of an import; writing is mostly SQLite's), and a report adds up half the tickets
in a child while the parent adds up the other half. Items travel pickled through a pipe that holds a
batch or two, so the child waits while the parent is behind: memory stays flat however long the
file. An exception in the child is raised here, as itself when it pickles.

The child is forked: it starts at once, with the parent's modules, settings and open reader (a
generator not started yet), and touches nothing else of the parent's (never the database connection;
it ends with os._exit). Where fork is not available (Windows, macOS' default) the generator runs here.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_ITEM, _END, _ERROR = "item", "end", "error"


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and os.name == "posix"


def run_in_child(items: Iterator[T]) -> Iterator[T]:
    """Start a child process producing what `items` yields, now; the returned iterator receives it. Where fork
    is not available, `items` itself (produced here, as it is read)."""
    if not can_fork():
        return items
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(items, send), daemon=True)
    child.start()
    send.close()  # the child's end: with it closed here, recv() sees EOF if the child dies
    return _received(receive, child)


def _received(receive, child) -> Iterator:
    try:
        while True:
            try:
                kind, value = receive.recv()
            except EOFError:
                child.join()
                raise RuntimeError(f"the child process ended without finishing (exit code {child.exitcode})") \
                    from None
            if kind == _ITEM:
                yield value
            elif kind == _END:
                return
            else:
                raise value
    finally:
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
