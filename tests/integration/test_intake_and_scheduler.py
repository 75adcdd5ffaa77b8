"""Tool events through the intake and due timers through the scheduler, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.build import build_policy
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.schema import inbox, outbox, tickets, timers
from baton_itsm.core.store.unit_of_work import Store
from baton_itsm.core.usecases.handoffs import HandoffService
from baton_itsm.core.usecases.intake import MAX_ATTEMPTS, Intake, IntakeReport
from baton_itsm.core.usecases.scheduler import Scheduler

CONFIG = """\
groups:
  Triage: {members: [tina]}
  Service Desk: {members: [alice, bob], managers: [dana]}
  Network: {members: [carol], managers: [erin], lead: erin}
connectors:
  rt: {type: rest, url: "http://127.0.0.1:8080/REST/2.0", account: baton}
rules:
  accept_before_reassign: {mode: revert, triage_groups: [Triage]}
  acceptance_timeout: {after: 60}
  stale: {default: {remind_after: 4h, escalate_after: 8h}}
"""
KEY = TicketKey("rt", "7")


def make_desk(store, clock):
    config = parse_config(CONFIG, "test.yaml")
    engine = RulesEngine(build_policy(config))
    store = Store(store.engine, config.ownership_policy(), config.intake_groups())
    return (
        Intake(store, engine, clock),
        Scheduler(store, engine, clock),
        HandoffService(store, config.directory(), clock, engine),
    )


@pytest.fixture
def desk(store, clock):
    return make_desk(store, clock)


def event(clock, event_id: str, actor: str, holder: str, kind=ToolEventKind.HOLDER_CHANGED, **fields) -> ToolEvent:
    return ToolEvent(
        ticket=KEY,
        event_id=event_id,
        kind=kind,
        at=clock.now(),
        actor=actor,
        new_holder=Holder.parse(holder),
        fields=fields,
    )


def count(store, table, *where) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_a_push_is_reverted_through_the_store_and_a_repeat_is_a_no_op(desk, clock):
    intake, _, service = desk
    report = intake.ingest(
        "rt",
        [
            event(clock, "1", "tina", "Triage", ToolEventKind.CREATED, requester="pat@example.com", subject="VPN"),
            event(clock, "2", "tina", "Service Desk/alice"),
            event(clock, "3", "bob", "Network/carol"),
        ],
    )
    assert (report.new, report.duplicates) == (3, 0)
    entries = [e.event.entry_type for e in service.ledger(KEY)]
    assert entries == ["holder-changed", "holder-changed", "rule", "requested"]
    store = intake.store
    tool_rows = select(outbox.c.payload).where(outbox.c.channel == "tool")
    with store.engine.connect() as connection:
        actions = [row.payload["action"] for row in connection.execute(tool_rows)]
    assert actions == ["set-holder"]  # its note is queued once the ticket is back (tool_actions.py)
    assert count(store, timers) == 3  # acceptance reminder and timeout, staleness

    again = intake.ingest("rt", [event(clock, "3", "bob", "Network/carol")])
    assert (again.new, again.duplicates) == (0, 1)
    assert len(service.ledger(KEY)) == 4 and count(store, inbox) == 3

    echo = intake.ingest("rt", [event(clock, "4", "baton", "Service Desk/alice")])  # Baton's own revert
    assert echo.entries == [] and len(service.ledger(KEY)) == 4
    with store.unit_of_work(clock.now()) as uow:
        facts = uow.load_facts(KEY)
    assert (facts.requester, facts.subject, facts.tool_holder) == (
        "pat@example.com",
        "VPN",
        Holder("Service Desk", "alice"),
    )


def test_the_scheduler_fires_only_what_is_due(desk, clock):
    intake, scheduler, service = desk
    intake.ingest(
        "rt",
        [
            event(clock, "1", "tina", "Triage", ToolEventKind.CREATED),
            event(clock, "2", "tina", "Service Desk/alice"),
            event(clock, "3", "bob", "Network/carol"),
        ],
    )
    assert scheduler.tick().fired == 0
    clock.advance(minutes=30)
    assert scheduler.tick().fired == 1  # the acceptance reminder
    clock.advance(minutes=30)
    report = scheduler.tick()
    assert report.fired == 1
    entries = [e.event.entry_type for e in service.ledger(KEY)]
    assert entries[-3:] == ["rule", "expired", "rule"]
    assert count(intake.store, outbox, outbox.c.idempotency_key.like("notify:request-expired:%")) == 1
    assert count(intake.store, timers) == 1  # only the staleness timer is left
    clock.advance(hours=4)
    assert scheduler.tick().fired == 1  # stale reminder, which starts the escalation timer
    assert scheduler.due() == [] and count(intake.store, timers) == 1
    clock.advance(hours=4)
    assert len(scheduler.due()) == 1


@pytest.mark.postgres
def test_the_scheduler_passes_over_a_ticket_another_process_is_changing(postgres_store, clock):
    """Another process is handling an event of the ticket (it holds the ticket's row, and may move its timer
    next): the scheduler leaves that timer to its next tick instead of waiting for the row while holding the
    timer, which deadlocked the two under load."""
    # Waiting for a lock fails after 5 s instead of hanging the test (the other process is this same thread).
    waits_briefly = create_engine(postgres_store.engine.url, connect_args={"options": "-c lock_timeout=5000"})
    intake, scheduler, _ = make_desk(Store(waits_briefly), clock)
    intake.ingest(
        "rt",
        [event(clock, "1", "tina", "Triage", ToolEventKind.CREATED), event(clock, "2", "tina", "Service Desk/alice")],
    )
    clock.advance(hours=5)
    assert len(scheduler.due()) == 1  # the stale reminder
    with postgres_store.engine.connect() as other_process, other_process.begin():
        other_process.execute(select(tickets.c.id).where(tickets.c.external_id == KEY.ticket_id).with_for_update())
        assert scheduler.tick().fired == 0
    assert scheduler.tick().fired == 1
    waits_briefly.dispose()


def test_a_webhook_delivery_is_kept_first_and_handled_once(desk, clock):
    intake, _, service = desk
    delivery = [
        event(clock, "e1", "tina", "Triage", ToolEventKind.CREATED),
        event(clock, "e2", "tina", "Service Desk/alice"),
    ]
    assert intake.receive("rt", "delivery-1", delivery) is True
    assert intake.receive("rt", "delivery-1", delivery) is False, "a retried delivery is a no-op"
    assert service.ledger(KEY) == [], "kept, not yet handled"
    report = intake.process_pending()
    assert (report.new, report.entries) == (1, ["holder-changed", "holder-changed"])
    assert intake.process_pending().new == 0
    assert count(intake.store, inbox, inbox.c.status == "done") == 1


def test_a_claim_left_by_a_dead_process_is_taken_again_after_its_lease(desk, clock):
    intake, _, service = desk
    intake.receive("rt", "delivery-1", [event(clock, "e1", "tina", "Triage", ToolEventKind.CREATED)])
    assert intake._claim(10) != []  # a process claims it, then dies before handling it
    assert intake.process_pending().new == 0, "still leased to the dead process"
    clock.advance(minutes=3)
    assert intake.process_pending().new == 1
    assert len(service.ledger(KEY)) == 1


def test_a_delivery_that_keeps_failing_is_parked_not_dropped(desk, clock, monkeypatch, caplog):
    intake, _, service = desk
    intake.receive("rt", "delivery-1", [event(clock, "e1", "tina", "Triage", ToolEventKind.CREATED)])

    def broken(*args, **kwargs):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(intake.engine, "on_tool_event", broken)
    for _ in range(MAX_ATTEMPTS):
        assert intake.process_pending().failed == 1
        clock.advance(hours=1)
    assert count(intake.store, inbox, inbox.c.status == "parked", inbox.c.attempts == MAX_ATTEMPTS) == 1
    assert intake.process_pending().failed == 0, "a parked delivery is not tried again"
    with intake.store.engine.connect() as connection:
        assert "RuntimeError: engine bug" in connection.execute(select(inbox.c.last_error)).scalar_one()
    assert service.ledger(KEY) == [], "nothing half-written"
    parked = [r for r in caplog.records if r.levelname == "ERROR" and "parked" in r.getMessage()]
    assert len(parked) == 1 and "rt:7" in parked[0].getMessage() and "baton inbox retry" in parked[0].getMessage()


def test_a_failure_reported_after_another_process_handled_the_delivery_leaves_it_done(desk, clock):
    """Process A's attempt failed (on PostgreSQL, a deadlock) and rolled back; process B, which was waiting for
    A's lock on the row, handled the delivery; then A records its failure. The delivery must stay done: set
    back to pending, it would be handled a second time (seen as duplicate rule entries in the fault test)."""
    intake, _, service = desk
    intake.receive("rt", "delivery-1", [event(clock, "e1", "tina", "Triage", ToolEventKind.CREATED)])
    [claimed] = intake._claim(10)
    intake.process(claimed, IntakeReport())  # B
    assert intake.record_failure(claimed, "OperationalError: deadlock detected") is False  # A, too late
    assert (
        count(intake.store, inbox, inbox.c.status == "done", inbox.c.attempts == 1, inbox.c.last_error.is_(None)) == 1
    )
    clock.advance(hours=2)
    assert intake.process_pending().new == 0
    assert len(service.ledger(KEY)) == 1


def test_two_processes_racing_for_one_delivery_handle_it_once(desk, clock):
    """Process A's lease ran out while it still worked; process B claims the same delivery meanwhile."""
    from concurrent.futures import ThreadPoolExecutor

    intake, _, service = desk
    intake.receive("rt", "delivery-1", [event(clock, "e1", "tina", "Triage", ToolEventKind.CREATED)])
    [claimed] = intake._claim(10)
    clock.advance(minutes=3)  # A's lease is over: B may claim it too
    assert intake._claim(10) == [claimed]
    reports = [IntakeReport(), IntakeReport()]
    with ThreadPoolExecutor(2) as pool:  # both now handle what they claimed, at the same moment
        list(pool.map(lambda report: intake.process(claimed, report), reports))
    assert sum(r.new for r in reports) == 1 and sum(r.failed for r in reports) == 0
    assert len(service.ledger(KEY)) == 1
