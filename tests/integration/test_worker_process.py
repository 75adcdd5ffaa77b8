"""`baton run` with its workers in a process of their own (service.worker_process, issue 20).

Receiving and handling webhook deliveries shared one interpreter lock, so one core: during a burst the inbox
worker either slowed every acknowledgement or let the deliveries pile up. Now the workers can run in a child
process: a real `baton run` on loopback takes a burst of signed Request Tracker deliveries, a process of its
own handles them (ledger entries, outbox rows), and SIGTERM stops both, nothing left running.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

from tests.connectors.rest.rt_deliveries import owner_change, signature
from tests.connectors.rest.test_rest_webhook import SECRET
from tests.integration.loopback import LoopbackServer
from tests.integration.served import Served, webhook_instance

WORKERS_APART = "service: {worker_process: true}\n"
# Deliveries in the spool not yet moved into the inbox (core/store/inbox_spool.py).
SPOOL_WAITING = "SELECT count(*) FROM spool WHERE id > coalesce((SELECT up_to FROM drained), 0)"


def push(transaction: int, ticket: int, old: str, new: str) -> tuple[bytes, str]:
    """bob moves the ticket from `old` to `new`, now: the signed body."""
    body = owner_change(transaction, ticket, old, new, "bob", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return body, signature(body, SECRET)


def deliver(http, base: str, body: bytes, signature: str) -> requests.Response:
    """POST one signed delivery, through `requests` or a session of it."""
    headers = {"Content-Type": "application/json", "X-Baton-Signature": signature}
    return http.post(f"{base}/hooks/rest/rt", data=body, timeout=10, headers=headers)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def handled(db: Path) -> tuple[int, int, int]:
    """(deliveries done, ledger entries, outbox rows), read from the store as another reader would."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        done = connection.execute("SELECT count(*) FROM inbox WHERE status = 'done'").fetchone()[0]
        entries = connection.execute("SELECT count(*) FROM ledger_entries").fetchone()[0]
        rows = connection.execute("SELECT count(*) FROM outbox").fetchone()[0]
    return done, entries, rows


def test_a_burst_is_handled_by_the_workers_process_and_sigterm_stops_both(tmp_path):
    with LoopbackServer(lambda method, path, headers, body: (200, {}, b"{}")) as tool:
        served_with_workers_apart(tmp_path, webhook_instance(tool.url + "/REST/2.0") + WORKERS_APART)


def served_with_workers_apart(tmp_path: Path, config: str) -> None:
    with Served(tmp_path, config, env={"BATON_TEST_WEBHOOK_SECRET": SECRET.decode()}) as served:
        everything = children(served.pid)  # the workers' process, and multiprocessing's resource tracker
        workers = [p for p in everything if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
        assert len(workers) == 1, "the workers run in one child process"
        with requests.Session() as session:
            for n in range(40):  # ten tickets, each taken from carol by alice and pushed back, twice
                body, signature = push(
                    200000 + n, 1 + n % 10, *(("carol", "alice") if n // 10 % 2 == 0 else ("alice", "carol"))
                )
                answer = deliver(session, served.base, body, signature)
                assert answer.status_code == 200, answer.text
                if n == 0:
                    first = (body, signature)
        deadline = time.monotonic() + 60
        while handled(tmp_path / "ledger.db")[0] < 40 and time.monotonic() < deadline:
            time.sleep(0.2)  # waiting for the other process, not for time: the settle delay is 1 s
        done, entries, rows = handled(tmp_path / "ledger.db")
        assert done == 40, served.log.read_text()[-3000:]
        assert entries >= 40 and rows >= 40, "each push leads to a ledger entry and an outbox row"
        rounds = until(
            lambda: requests.get(f"{served.base}/metrics", timeout=10).text,
            lambda text: 'baton_worker_rounds_total{worker="inbox"}' in text,
        )
        assert 'baton_worker_rounds_total{worker="inbox"}' in rounds, "the workers' process's counters, in /metrics"
        # the workers have handled the burst: their process set its priority at start
        niceness = os.getpriority(os.PRIO_PROCESS, workers[0]) - os.getpriority(os.PRIO_PROCESS, served.pid)
        assert niceness == 10, "where cores are short, the web server's acknowledgements go first"
        with sqlite3.connect(tmp_path / "ledger.db.spool") as spool:  # where the receiver kept them (SQLite)
            assert spool.execute(SPOOL_WAITING).fetchone()[0] == 0, "all moved into the inbox"
        again = deliver(requests, served.base, *first)  # the first delivery again, long moved on
        assert again.status_code == 200 and "duplicate" in again.text, again.text
        with requests.Session() as session:  # acknowledged just before the stop: kept, whatever the stop cuts short
            for n in range(10):
                answer = deliver(session, served.base, *push(250000 + n, 11 + n, "carol", "alice"))
                assert answer.status_code == 200, answer.text
        served.process.terminate()
        assert served.process.wait(30) == 0
    with sqlite3.connect(tmp_path / "ledger.db.spool") as spool:
        assert spool.execute(SPOOL_WAITING).fetchone()[0] == 0, "a stop leaves nothing waiting in the spool"
    with sqlite3.connect(tmp_path / "ledger.db") as ledger:
        kept = ledger.execute("SELECT count(*) FROM inbox WHERE source = 'rt' AND status != 'taken'").fetchone()[0]
        assert kept == 50, "every delivery acknowledged is in the inbox, the duplicate once"
    deadline = time.monotonic() + 10
    while any(running(child) for child in everything) and time.monotonic() < deadline:
        time.sleep(0.1)  # the resource tracker leaves once its parent's pipe closes
    assert not any(running(child) for child in everything), "nothing of baton run is left running"


def test_sigterm_to_the_whole_group_stops_baton_run_cleanly_as_systemd_stops_it(tmp_path):
    """deploy/systemd/baton.service stops `baton run` as systemd does by default: SIGTERM to every process of the
    unit. The workers' process handled its own SIGTERM by setting the Event its main loop was waiting on, which
    deadlocked it; the web server then hung setting that Event too, until systemd's SIGKILL 30 s later. Now the
    workers' process leaves the stop to the web server's process, which finishes its requests first."""
    with LoopbackServer(lambda method, path, headers, body: (200, {}, b"{}")) as tool:
        config = webhook_instance(tool.url + "/REST/2.0") + WORKERS_APART
        with Served(tmp_path, config, env={"BATON_TEST_WEBHOOK_SECRET": SECRET.decode()}) as served:
            (workers,) = until(lambda: workers_of(served.pid), bool)  # just started: stopped in its first second
            answer = deliver(requests, served.base, *push(300000, 1, "carol", "alice"))
            assert answer.status_code == 200, answer.text
            served.stop_group(signal.SIGTERM)
            try:
                code = served.process.wait(30)
            except subprocess.TimeoutExpired:
                served.process.kill()
                raise AssertionError(f"baton run hung on SIGTERM:\n{served.log.read_text()[-3000:]}") from None
    log = served.log.read_text()
    assert code == 0 and "baton stopped" in log, log[-3000:]
    assert not running(workers), "the workers' process ended with it"
    assert "leaked semaphore" not in log, log[-3000:]
    with sqlite3.connect(tmp_path / "ledger.db") as ledger:
        kept = ledger.execute("SELECT count(*) FROM inbox WHERE source = 'rt' AND status != 'taken'").fetchone()[0]
        assert kept == 1, "the delivery acknowledged before the stop is in the inbox"


def running(pid: int) -> bool:
    """Alive, not a zombie waiting for a reaper (in a container, init may never reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def workers_of(pid: int) -> list[int]:
    return [p for p in children(pid) if running(p) and b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]


def test_a_workers_process_that_dies_is_said_in_healthz_and_started_again(tmp_path):
    """The kernel's OOM killer, say: deliveries must not pile up unhandled while /healthz says ok."""
    with (
        LoopbackServer(lambda method, path, headers, body: (200, {}, b"{}")) as tool,
        Served(
            tmp_path, webhook_instance(tool.url + "/REST/2.0"), env={"BATON_TEST_WEBHOOK_SECRET": SECRET.decode()}
        ) as served,
    ):
        (first,) = workers_of(served.pid)
        os.kill(first, signal.SIGKILL)
        health = until(lambda: requests.get(f"{served.base}/healthz", timeout=10), lambda r: r.status_code == 503)
        assert health.json()["status"] == "failing", health.text
        assert health.json()["workers"].startswith("failing: the workers' process was killed by signal 9"), health.text
        health = until(
            lambda: requests.get(f"{served.base}/healthz", timeout=10),
            lambda r: "workers" in r.json() and r.json()["workers"] == "ok",
        )
        (second,) = workers_of(served.pid)
        assert second != first
        answer = deliver(requests, served.base, *push(300000, 1, "carol", "alice"))
        assert answer.status_code == 200, answer.text
        until(lambda: handled(tmp_path / "ledger.db"), lambda counts: counts[0] == 1)
        log = served.log.read_text()
        assert "the workers' process" in log and "was killed by signal 9" in log and "started again" in log, log


def until(read, done, seconds: float = 60.0):
    """Read until `done(value)`: waiting for the other processes, bounded, never a fixed sleep for time to pass."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
