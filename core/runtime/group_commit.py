"""Group commit for webhook deliveries: every delivery waiting at one moment is kept in one transaction.

The receiver must answer 2xx only once a delivery is durable, and a commit costs more than an insert,
so concurrent requests share one. Each `await keep(...)` adds its delivery to what this event loop is
gathering; once the requests ready on the loop have had their turn, the gathered deliveries are
written in one transaction (store/inbox_writer.py) and only then is each request told whether its
delivery was new. A delivery id twice in one batch is kept once; the second request hears "duplicate",
as it would one batch later. If the transaction fails, every request in it gets the error (a 5xx: the
tool retries) and nothing of it is kept.

Where it is written: on the event loop itself when the store is free (SQLite, a few tens of
microseconds, and no thread to wake, which under load cost more than the write), otherwise by one
writer thread that waits for the store, so the loop never waits for the database. A server store
(PostgreSQL) is always written by the thread. That thread starts with the first delivery it is
handed; `close()` stops it after what is queued; a later delivery starts it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from baton_itsm.core.clock import Clock
from baton_itsm.core.store.inbox_writer import InboxWriter, StoreBusy

log = logging.getLogger(__name__)
MAX_BATCH = 500  # deliveries per transaction of the writer thread; bounds how long it holds the lock
_STOP = object()


@dataclass
class _Waiting:
    source: str
    delivery_id: str
    payload: dict
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future


class GroupCommit:
    def __init__(
        self,
        open_writer: Callable[[], InboxWriter],
        clock: Clock,
        open_quick_writer: Callable[[], InboxWriter | None] | None = None,
    ):
        self._open_writer = open_writer  # waits for the store: the writer thread's
        self._open_quick_writer = open_quick_writer  # raises StoreBusy instead of waiting: the loop's
        self._quick: InboxWriter | None = None
        self._clock = clock
        self._gathering: dict[asyncio.AbstractEventLoop, list[_Waiting]] = {}
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self.batches = 0  # transactions committed (on the loop or by the thread), for tests
        self.last_arrival = float("-inf")  # monotonic time of the latest delivery: the inbox worker defers to it

    async def keep(self, source: str, delivery_id: str, payload: dict) -> bool:
        """Keep the delivery durably; True when it is new, False when that delivery id was kept before."""
        self.last_arrival = time.monotonic()
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        gathering = self._gathering.setdefault(loop, [])
        gathering.append(_Waiting(source, delivery_id, payload, loop, future))
        if len(gathering) == 1:
            loop.call_soon(self._flush, loop)  # after the requests ready now have queued theirs
        return await future

    def close(self, timeout: float = 30.0) -> None:
        """Stop the writer thread once the deliveries already handed to it are written."""
        with self._starting:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None:
            thread.join(timeout)
        quick, self._quick = self._quick, None
        if quick is not None:
            quick.close()

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._gathering.pop(loop, [])
        if batch and not self._write_now(batch):
            self._ensure_running()
            self._queue.put(batch)

    def _write_now(self, batch: list[_Waiting]) -> bool:
        """Write on the loop if the store is free this instant; False (nothing kept) to hand it to the thread."""
        if self._open_quick_writer is None:
            return False
        try:
            self._quick = self._quick or self._open_quick_writer()
            if self._quick is None:  # this store has no quick writer
                self._open_quick_writer = None
                return False
            answers = self._quick.write(_rows(batch), self._clock.now())
        except StoreBusy:
            return False
        except Exception:  # rolled back; the writer thread tries again and reports what fails
            log.debug("keeping %d deliveries on the event loop failed; handed to the writer", len(batch), exc_info=True)
            quick, self._quick = self._quick, None  # a fresh connection next time
            if quick is not None:
                quick.close()
            return False
        self.batches += 1
        for item, answer in zip(batch, answers, strict=True):
            _settle(item.future, answer)
        return True

    def _ensure_running(self) -> None:
        with self._starting:
            if self._thread is None or not self._thread.is_alive():  # never queue for a thread that is gone
                self._thread = threading.Thread(target=self._run, name="baton-inbox-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        writer: InboxWriter | None = None
        try:
            while True:
                batch, stopping = self._take()
                if batch:
                    writer = self._write(writer, batch)
                if stopping:
                    return
        finally:
            if writer is not None:
                writer.close()

    def _take(self) -> tuple[list[_Waiting], bool]:
        """Block for one handed batch, then take whatever else is queued (up to about MAX_BATCH)."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = list(first)
        while len(batch) < MAX_BATCH:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                break
            if more is _STOP:
                return batch, True
            batch += more
        return batch, False

    def _write(self, writer: InboxWriter | None, batch: list[_Waiting]) -> InboxWriter | None:
        answers: Sequence[bool | BaseException]
        try:
            writer = writer or self._open_writer()
            answers = writer.write(_rows(batch), self._clock.now())
            self.batches += 1
        except Exception as error:  # every waiting request hears it; none hears 2xx
            log.exception("keeping %d webhook deliveries failed; none was acknowledged", len(batch))
            answers = [error] * len(batch)
            if writer is not None:
                writer.close()
            writer = None  # a fresh connection for the next batch
        for item, answer in zip(batch, answers, strict=True):
            with contextlib.suppress(RuntimeError):  # its event loop has closed: nobody waits for this answer any more
                item.loop.call_soon_threadsafe(_settle, item.future, answer)
        return writer


def _rows(batch: list[_Waiting]) -> list[tuple[str, str, dict]]:
    return [(item.source, item.delivery_id, item.payload) for item in batch]


def _settle(future: asyncio.Future, answer: bool | BaseException) -> None:
    if future.done():  # the client went away; its delivery is kept all the same
        return
    if isinstance(answer, BaseException):
        future.set_exception(answer)
    else:
        future.set_result(answer)
