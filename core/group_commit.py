"""Group commit for webhook deliveries: one writer thread keeps every waiting delivery in one transaction.

The receiver must answer 2xx only once a delivery is durable, and a commit costs far more than an insert,
so concurrent requests share one: each `await keep(...)` queues its delivery, the writer thread takes
everything queued, writes it in one transaction (store/inbox_writer.py) and only then answers each
request with whether its delivery was new. If the transaction fails, every request in it gets the error
(a 5xx: the tool retries) and nothing of it is kept. A delivery id twice in one batch is kept once; the
second request hears "duplicate", as it would one batch later.

The event loop never blocks on the database (the writer waits for SQLite's write lock, not the loop) and
no request needs a threadpool hop of its own. The thread starts with the first delivery and `close()`
stops it after the batch in hand; a later delivery starts it again.
"""
from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from baton_itsm.core.clock import Clock
from baton_itsm.core.store.inbox_writer import InboxWriter

log = logging.getLogger(__name__)
MAX_BATCH = 500  # deliveries per transaction; bounds how long one commit holds SQLite's write lock
_STOP = object()


@dataclass
class _Waiting:
    source: str
    delivery_id: str
    payload: dict
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future


class GroupCommit:
    def __init__(self, open_writer: Callable[[], InboxWriter], clock: Clock):
        self._open_writer = open_writer
        self._clock = clock
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self.batches = 0  # transactions committed, for tests and metrics

    async def keep(self, source: str, delivery_id: str, payload: dict) -> bool:
        """Keep the delivery durably; True when it is new, False when that delivery id was kept before."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._ensure_running()
        self._queue.put(_Waiting(source, delivery_id, payload, loop, future))
        return await future

    def close(self, timeout: float = 30.0) -> None:
        """Stop the writer once the deliveries already queued are written."""
        with self._starting:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._queue.put(_STOP)
        thread.join(timeout)

    def _ensure_running(self) -> None:
        if self._thread is not None:
            return
        with self._starting:
            if self._thread is None:
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
        """Block for one delivery, then take whatever else is queued (up to MAX_BATCH)."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, writer: InboxWriter | None, batch: list[_Waiting]) -> InboxWriter | None:
        answers: list[bool] | list[BaseException]
        try:
            writer = writer or self._open_writer()
            answers = writer.write([(item.source, item.delivery_id, item.payload) for item in batch], self._clock.now())
            self.batches += 1
        except Exception as error:  # noqa: BLE001 - every waiting request hears it; none hears 2xx
            log.exception("keeping %d webhook deliveries failed; none was acknowledged", len(batch))
            answers = [error] * len(batch)
            if writer is not None:
                writer.close()
            writer = None  # a fresh connection for the next batch
        for item, answer in zip(batch, answers, strict=True):
            try:
                item.loop.call_soon_threadsafe(_settle, item.future, answer)
            except RuntimeError:  # its event loop has closed: nobody waits for this answer any more
                pass
        return writer


def _settle(future: asyncio.Future, answer: bool | BaseException) -> None:
    if future.done():  # the client went away; its delivery is kept all the same
        return
    if isinstance(answer, BaseException):
        future.set_exception(answer)
    else:
        future.set_result(answer)
