"""The outbox dispatcher: retries, Retry-After, and what happens to a delivery a crash interrupted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from baton_itsm.core.errors import ToolRateLimited, ToolRefused, ToolUnavailable
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.usecases.dispatcher import AtMostOnce, OutboxDispatcher


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


@pytest.mark.parametrize(
    ("wrap", "after_crash"),
    [
        (lambda h: h, "sent"),  # repeatable: done again after the lease
        (AtMostOnce, "uncertain"),  # an email: parked, never sent twice
    ],
)
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


def test_each_lane_takes_only_its_destination(store, clock):
    """baton run's workers: each tool instance, the emails and the local routing are lanes that never share a row."""
    from baton_itsm.core.usecases.dispatch_lanes import lanes_for

    handlers = {"tool": Recorder(), "email": Recorder(), "notify": Recorder()}
    dispatcher = OutboxDispatcher(store, handlers, clock)
    with store.unit_of_work(clock.now()) as uow:
        for key, channel, payload in [
            ("sn-1", "tool", {"instance": "sn"}),
            ("rt-1", "tool", {"instance": "rt"}),
            ("gone-1", "tool", {"instance": "gone"}),
            ("mail-1", "email", {}),
            ("notice-1", "notify", {"instance": "sn"}),
        ]:
            uow.queue_outgoing(key, channel, payload)
    lanes = {lane.name: lane for lane in lanes_for(handlers, ["sn", "rt"])}
    assert set(lanes) == {"local", "tool:rt", "tool:sn", "email"}
    for lane in lanes.values():
        dispatcher.run_once(lane=lane)
    assert handlers["tool"].done == ["gone-1", "rt-1", "sn-1"]  # local (an unconfigured instance), rt, sn
    assert handlers["email"].done == ["mail-1"] and handlers["notify"].done == ["notice-1"]


def test_a_rate_limit_pauses_the_rest_of_its_destination_only(store, clock):
    calls = []

    def tool(item):
        calls.append(item.idempotency_key)
        if item.payload["instance"] == "sn":
            raise ToolRateLimited("sn: rate limited (429)", retry_after=25)

    dispatcher = OutboxDispatcher(store, {"tool": tool}, clock)
    with store.unit_of_work(clock.now()) as uow:
        for key, instance in [("sn-1", "sn"), ("sn-2", "sn"), ("rt-1", "rt"), ("sn-3", "sn")]:
            uow.queue_outgoing(key, "tool", {"instance": instance})
    report = dispatcher.run_once()
    assert calls == ["sn-1", "rt-1"], "sn asked to wait: its other rows are not tried in turn"
    assert report.retrying == 1 and report.sent == 1
    with store.unit_of_work(clock.now()) as uow:  # queued during the pause: waits too, without asking the tool
        uow.queue_outgoing("sn-4", "tool", {"instance": "sn"})
    assert dispatcher.run_once().sent == 0 and calls == ["sn-1", "rt-1"]
    with store.engine.connect() as connection:
        due = dict(
            connection.execute(
                select(outbox.c.idempotency_key, outbox.c.next_attempt_at).where(outbox.c.status == "pending")
            ).all()
        )
    assert set(due) == {"sn-1", "sn-2", "sn-3", "sn-4"}
    assert {at.replace(tzinfo=None) for at in due.values()} == {
        (clock.now() + timedelta(seconds=25)).replace(tzinfo=None)
    }
    clock.advance(seconds=25)
    dispatcher.run_once()
    assert calls[2:] == ["sn-1"], "the row tried most meets the tool first after the pause; the others wait again"


def test_a_failure_that_says_how_long_to_keep_trying_is_retried_that_long(store, clock):
    class Refused(ToolUnavailable):
        keep_trying_for = timedelta(hours=1)

    dispatcher = OutboxDispatcher(store, {"email": Recorder(*[Refused("535")] * 30)}, clock, max_attempts=3)
    queue(store, clock, "m1", channel="email")
    attempts = 0
    while status(store) == {"m1": "pending"} and attempts < 40:
        dispatcher.run_once()
        attempts += 1
        clock.advance(minutes=15)
    assert status(store) == {"m1": "failed"} and 3 < attempts <= 12, "past max_attempts, until the hour is over"
