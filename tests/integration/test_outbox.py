"""The outbox dispatcher: retries, Retry-After, and what happens to a delivery a crash interrupted."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from baton_itsm.core.errors import ToolRateLimited, ToolRefused, ToolUnavailable
from baton_itsm.core.outbox import AtMostOnce, OutboxDispatcher
from baton_itsm.core.store.schema import outbox


class Recorder:
    """A handler that records what it did and fails as told."""

    def __init__(self, *failures):
        self.done, self.failures = [], list(failures)

    def __call__(self, item):
        if self.failures:
            raise self.failures.pop(0)
        self.done.append(item.idempotency_key)


def queue(store, clock, *keys, channel="tool"):
    with store.unit_of_work(clock.now()) as uow:
        for key in keys:
            uow.queue_outgoing(key, channel, {"n": key})


def status(store) -> dict[str, str]:
    with store.engine.connect() as connection:
        return dict(connection.execute(select(outbox.c.idempotency_key, outbox.c.status)).all())


def test_a_tool_down_is_retried_with_backoff_and_retry_after(store, clock):
    handler = Recorder(ToolUnavailable("down"), ToolRateLimited("slow down", retry_after=120))
    dispatcher = OutboxDispatcher(store, {"tool": handler}, clock)
    queue(store, clock, "a")
    assert dispatcher.run_once().retrying == 1
    assert dispatcher.run_once().sent == 0, "not due before its backoff"
    clock.advance(seconds=5)
    assert dispatcher.run_once().retrying == 1  # the 429
    clock.advance(seconds=60)
    assert dispatcher.run_once().sent == 0, "Retry-After: 120 is honoured over the shorter backoff"
    clock.advance(seconds=61)
    assert dispatcher.run_once().sent == 1 and handler.done == ["a"]
    assert status(store) == {"a": "sent"}


def test_a_refusal_is_not_retried(store, clock):
    dispatcher = OutboxDispatcher(store, {"tool": Recorder(ToolRefused("no such user"))}, clock)
    queue(store, clock, "a")
    report = dispatcher.run_once()
    assert report.failed == 1 and "no such user" in report.errors[0]
    assert status(store) == {"a": "failed"}


@pytest.mark.parametrize(("wrap", "after_crash"), [
    (lambda h: h, "sent"),  # repeatable: done again after the lease
    (AtMostOnce, "uncertain"),  # an email: parked, never sent twice
])
def test_a_delivery_interrupted_by_a_crash(store, clock, wrap, after_crash):
    handler = Recorder()
    dispatcher = OutboxDispatcher(store, {"email": wrap(handler)}, clock)
    queue(store, clock, "m1", "m2", channel="email")
    [first, _] = dispatcher._claim(10)  # a process claims both rows ...
    assert dispatcher._begin(first)  # ... starts sending the first, and dies before it knows the outcome
    assert dispatcher.run_once().sent == 0, "both rows are still leased to the dead process"
    clock.advance(minutes=6)
    report = dispatcher.run_once()
    assert status(store) == {"m1": after_crash, "m2": "sent"}
    assert handler.done.count("m1") == (1 if after_crash == "sent" else 0) and handler.done.count("m2") == 1
    assert report.uncertain == (after_crash == "uncertain")
    assert dispatcher.run_once().sent == 0, "nothing more to do"


def test_an_admin_lists_and_requeues_an_uncertain_row(tmp_path, monkeypatch, clock):
    from click.testing import CliRunner

    from baton_itsm.core.cli.main import cli
    from baton_itsm.core.store.database import make_engine
    from baton_itsm.core.store.migrate import upgrade
    from baton_itsm.core.store.unit_of_work import Store

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'l.db'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'l.db'}")
    upgrade(engine)
    store = Store(engine)
    queue(store, clock, "<m1@baton>", channel="email")
    dispatcher = OutboxDispatcher(store, {"email": AtMostOnce(Recorder())}, clock)
    [item] = dispatcher._claim(1)
    dispatcher._begin(item)
    clock.advance(minutes=6)
    dispatcher.run_once()
    runner = CliRunner()
    listed = runner.invoke(cli, ["outbox", "list", "--status", "uncertain"])
    assert "<m1@baton>" in listed.output and "may or may not have gone out" in listed.output
    assert runner.invoke(cli, ["outbox", "retry", "<m1@baton>"]).exit_code == 0
    assert status(store) == {"<m1@baton>": "pending"}
    again = runner.invoke(cli, ["outbox", "retry", "<m1@baton>"])
    assert again.exit_code == 1 and "no failed or uncertain outbox row" in again.stderr
