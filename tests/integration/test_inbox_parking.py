"""The inbox dead-letter: a delivery whose handling keeps failing is parked with its reason, no longer holds its
ticket back, and `baton inbox` lists it and puts it back."""

from __future__ import annotations

import json

from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from baton_itsm.core.store.unit_of_work import Store
from baton_itsm.core.usecases.intake import Intake

SEVEN = TicketKey("rt", "7")


def a_desk(tmp_path, monkeypatch, clock, max_attempts: int) -> Intake:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", url)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    engine = make_engine(url)
    upgrade(engine)
    return Intake(Store(engine), RulesEngine(), clock, max_attempts=max_attempts)


def change(clock, event_id: str, holder: str, kind=ToolEventKind.HOLDER_CHANGED) -> ToolEvent:
    return ToolEvent(
        ticket=SEVEN, event_id=event_id, kind=kind, at=clock.now(), actor="tina", new_holder=Holder.parse(holder)
    )


def fail_on(intake: Intake, monkeypatch, event_id: str) -> set[str]:
    """Handling the event fails until its id is taken out of the set returned (the cause fixed)."""
    handle, failing_ids = intake.engine.on_tool_event, {event_id}

    def failing(ticket, event, *args, **kwargs):
        if event.event_id in failing_ids:
            raise RuntimeError("the rules cannot read this event")
        return handle(ticket, event, *args, **kwargs)

    monkeypatch.setattr(intake.engine, "on_tool_event", failing)
    return failing_ids


def test_a_parked_delivery_is_listed_with_its_reason_and_put_back_by_hand(tmp_path, monkeypatch, clock, caplog):
    intake = a_desk(tmp_path, monkeypatch, clock, max_attempts=3)
    intake.receive("rt", "d-created", [change(clock, "e1", "Triage", ToolEventKind.CREATED)])
    intake.receive("rt", "d-moved", [change(clock, "e2", "Network")])
    failing = fail_on(intake, monkeypatch, "e1")
    for attempt in range(3):
        report = intake.process_pending()
        assert (report.new, report.failed) == (0, 1), f"attempt {attempt + 1}: the move waits behind the creation"
        clock.advance(hours=1)
    parked_logs = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(parked_logs) == 1 and "parked after 3 failed attempts" in parked_logs[0]
    assert "Later deliveries of that ticket are handled without it" in parked_logs[0]

    assert intake.process_pending().new == 1, "once the creation is parked, the move is handled"

    runner = CliRunner()
    listed = runner.invoke(cli, ["inbox", "list"])
    assert listed.exit_code == 0, listed.output
    assert "rt:7" in listed.output and "parked" in listed.output and "the rules cannot read this event" in listed.output
    rows = json.loads(runner.invoke(cli, ["inbox", "list", "--format", "json"]).output)
    assert [(r["delivery_id"], r["status"], r["attempts"]) for r in rows] == [("d-created", "parked", 3)]
    assert "RuntimeError" in rows[0]["last_error"]
    everything = json.loads(runner.invoke(cli, ["inbox", "list", "--all", "--format", "json"]).output)
    assert {r["delivery_id"]: r["status"] for r in everything} == {"d-created": "parked", "d-moved": "done"}

    again = runner.invoke(cli, ["inbox", "retry", str(rows[0]["id"])])
    assert again.exit_code == 0, again.output
    assert "1 later deliveries of rt:7 were handled while it was parked" in again.stderr
    failing.clear()  # the cause is fixed
    assert intake.process_pending().new == 1
    assert runner.invoke(cli, ["inbox", "list", "--format", "json"]).output.strip() == "[]"
    twice = runner.invoke(cli, ["inbox", "retry", str(rows[0]["id"])])
    assert twice.exit_code == 1 and "no parked inbox delivery" in twice.stderr
