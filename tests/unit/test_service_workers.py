"""Workers, their graceful stop, and logs without secrets."""

from __future__ import annotations

import json
import logging
import threading

from baton_itsm.core.runtime.logs import JsonLines, RedactSecrets
from baton_itsm.core.runtime.workers import Worker, WorkerPool


def test_a_worker_survives_a_failing_round_and_counts_its_work():
    results = iter([RuntimeError("tool down"), 3, 0])

    def round_():
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    worker = Worker("dispatcher", round_)
    assert [worker.run_once() for _ in range(3)] == [0, 3, 0]
    assert (worker.errors, worker.rounds, worker.handled) == (1, 2, 3)


def test_stop_lets_the_round_in_progress_finish():
    in_round, release, finished = threading.Event(), threading.Event(), []

    def slow_round():
        in_round.set()
        release.wait(5)
        finished.append(True)
        return 1

    pool = WorkerPool([Worker("scheduler", slow_round, interval=60)])
    pool.start()
    assert in_round.wait(5)
    stopper = threading.Thread(target=pool.stop)
    stopper.start()
    release.set()
    stopper.join(5)
    assert finished == [True] and not stopper.is_alive()


def test_json_logs_never_show_a_secret(monkeypatch):
    monkeypatch.setenv("RT_PASSWORD", "hunter2-very-secret")
    record = logging.LogRecord(
        "baton", logging.ERROR, __file__, 1, "login failed with %s", ("hunter2-very-secret",), None
    )
    assert RedactSecrets().filter(record)
    line = json.loads(JsonLines().format(record))
    assert line["message"] == "login failed with ***" and line["level"] == "error"
