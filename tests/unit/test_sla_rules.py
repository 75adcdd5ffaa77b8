"""SLA-aware escalation: steps at shares of the tool's SLA, in business minutes, with an injected clock.

The desk works 09:00-17:00 on weekdays (UTC). Each case reads an SLA from the tool at Monday 09:00, then lets
time pass and checks when each step fired, what the ledger holds, who was told and what the ticket's notes say.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.domain.sla import Sla
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.notify.eta import estimate_eta
from baton_itsm.core.rules.calendar import BusinessCalendar
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.policy import SlaStep, StaleRule

OFFICE = BusinessCalendar(week={d: ((9 * 60, 17 * 60),) for d in range(5)})


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)  # 2 March 2026 is a Monday


MONDAY_9 = at(2, 9)
STEPS = (SlaStep(0.5, "remind"), SlaStep(0.75, "escalate"), SlaStep(1.0, "escalate"))
NO_STALE = (StaleRule(None, None),)  # the stale rule switched off: only the SLA chases


def sla(elapsed: float = 0, goal: float = 16 * 60, **kwargs) -> Sla:
    """An SLA of 16 business hours (two office days) breaching at Tuesday's closing, `elapsed` minutes of it used
    when the tool measured."""
    values = (
        dict(
            name="P2 resolution",
            cycle="c1",
            read_at=MONDAY_9,
            elapsed_minutes=elapsed,
            goal_minutes=goal,
            breach_at=at(3, 17),
        )
        | kwargs
    )
    return Sla(**values)


def sla_desk(make_desk, clock, first_sla: Sla | None, steps=STEPS, stale=NO_STALE):
    desk = make_desk(
        sla_steps=steps,
        stale_rules=stale,
        calendars={"Service Desk": OFFICE, "Network": OFFICE},
        escalates_to={"Service Desk": "Network"},
        leads={"Service Desk": "dana"},
    )
    clock.set(MONDAY_9)
    fields = {"sla": first_sla.to_text() if first_sla else ""}
    desk.tool(ToolEventKind.CREATED, "tina", "Triage", **fields)
    desk.tool(ToolEventKind.HOLDER_CHANGED, "tina", "Service Desk/alice", **fields)
    return desk


def sla_firings(desk) -> list[tuple[datetime, str, str]]:
    return [
        (e.at, e.outcome, e.source_event_id) for e in desk.ticket_events if isinstance(e, RuleFired) and e.rule == "sla"
    ]


@pytest.fixture
def make_sla_desk(make_desk, clock):
    def make(first_sla, **kwargs):
        desk = sla_desk(make_desk, clock, first_sla, **kwargs)
        desk.ticket_events = []
        original = desk._write

        def write(decisions: Decisions) -> None:  # keep what the ledger got, to read it as a user would
            desk.ticket_events += decisions.events
            original(decisions)

        desk._write = write
        return desk

    return make


@pytest.mark.parametrize(
    ("name", "first_sla", "until", "expected"),
    [
        # 50 % of 16 business hours is 8 hours: Monday 17:00 is the closing time, so it fires at Tuesday's opening
        (
            "fresh SLA: 50 % at the next opening, 75 % at Tuesday 13:00, 100 % at the breach",
            sla(),
            at(3, 18),
            [(at(3, 9), "reminded", "c1@0.5"), (at(3, 13), "escalated", "c1@0.75"), (at(3, 17), "escalated", "c1@1")],
        ),
        (
            "a quarter used when read: 50 % falls four business hours later",
            sla(elapsed=4 * 60),
            at(2, 16),
            [(at(2, 13), "reminded", "c1@0.5")],
        ),
        (
            "60 % used when read: 50 % fires at once, 75 % still waits",
            sla(elapsed=0.6 * 16 * 60),
            at(2, 9, 30),
            [(MONDAY_9, "reminded", "c1@0.5")],
        ),
        (
            "80 % used when read: the 50 % step passed unseen, 75 % escalates at once",
            sla(elapsed=0.8 * 16 * 60),
            at(2, 9, 30),
            [(MONDAY_9, "escalated", "c1@0.75")],
        ),
        (
            "breached: the tool says so, 100 % escalates at once",
            sla(elapsed=17 * 60, breached=True, breach_at=at(2, 8)),
            at(3, 18),
            [(MONDAY_9, "escalated", "c1@1")],
        ),
        ("paused: the clock stands still, nothing fires", sla(elapsed=0.6 * 16 * 60, paused=True), at(6, 18), []),
    ],
)
def test_sla_steps_fire_at_the_right_business_minute(make_sla_desk, clock, name, first_sla, until, expected):
    desk = make_sla_desk(first_sla)
    desk.run_until(until)
    assert sla_firings(desk) == expected, name


def test_each_step_fires_once_per_cycle_however_often_the_tool_is_read(make_sla_desk, clock):
    desk = make_sla_desk(sla())
    desk.run_until(at(3, 10))
    assert [f[2] for f in sla_firings(desk)] == ["c1@0.5"]
    # the tool is read again at Tuesday 10:00: 9 business hours used, the same cycle
    desk.tool(ToolEventKind.UPDATED, "alice", sla=sla(elapsed=9 * 60, read_at=at(3, 10)).to_text())
    desk.run_until(at(3, 12))
    assert [f[2] for f in sla_firings(desk)] == ["c1@0.5"], "the 50 % reminder is not sent again"
    # reopened: the tool starts a new cycle, and its steps fire again
    desk.tool(ToolEventKind.UPDATED, "alice", sla=sla(cycle="c2", read_at=at(3, 12), breach_at=at(5, 12)).to_text())
    desk.run_until(at(4, 12))
    assert [f[2] for f in sla_firings(desk)] == ["c1@0.5", "c2@0.5"]


def test_a_pause_stops_the_timer_and_the_tools_resume_restarts_it(make_sla_desk, clock):
    desk = make_sla_desk(sla(elapsed=6 * 60))
    assert desk.timers["sla:rt:1"].due_at == at(2, 11)
    desk.tool(
        ToolEventKind.UPDATED,
        "alice",
        status="on hold",
        sla=sla(elapsed=6 * 60 + 30, read_at=at(2, 9, 30), paused=True).to_text(),
    )
    assert "sla:rt:1" not in desk.timers
    desk.run_until(at(3, 9))
    desk.tool(
        ToolEventKind.UPDATED, "alice", status="in progress", sla=sla(elapsed=6 * 60 + 30, read_at=at(3, 9)).to_text()
    )
    desk.run_until(at(3, 12))
    assert sla_firings(desk) == [(at(3, 10, 30), "reminded", "c1@0.5")], "90 minutes after the resume"


def test_what_the_holder_the_lead_and_the_ticket_are_told(make_sla_desk, clock):
    desk = make_sla_desk(sla())
    desk.outbox.clear()
    desk.run_until(at(3, 13))
    everything = Decisions(outgoing=desk.outbox)
    assert sorted(desk.notices(everything)) == [
        ("handoff-request", ("Network",)),
        ("sla-escalation", ("dana",)),
        ("sla-reminder", ("alice",)),
    ]
    notes = desk.notes(everything)
    assert notes[0].startswith("SLA reminder to alice (Service Desk): 50 % of SLA 'P2 resolution' used")
    assert "SLA escalation: 75 % of SLA 'P2 resolution' used (step 75 %)" in notes[1]
    assert "asks the Network queue to take it" in notes[1]
    assert desk.ticket.open_handoff().to_holder.group == "Network"


def test_without_an_sla_the_stale_rule_ages_the_ticket(make_sla_desk, clock):
    desk = make_sla_desk(None, stale=(StaleRule(240.0, 480.0),))
    fired = desk.run_until(at(3, 18))
    assert sla_firings(desk) == [] and "sla:rt:1" not in desk.timers
    assert [kind for _, kind in fired][:2] == ["stale-reminder", "stale-escalation"]


def test_no_steps_configured_no_sla_timer(make_sla_desk, clock):
    desk = make_sla_desk(sla(), steps=())
    assert "sla:rt:1" not in desk.timers


def test_resolving_the_ticket_stops_the_sla_steps(make_sla_desk, clock):
    desk = make_sla_desk(sla())
    desk.tool(ToolEventKind.RESOLVED, "alice", status="resolved")
    desk.run_until(at(4, 18))
    assert sla_firings(desk) == [] and "sla:rt:1" not in desk.timers


def test_the_requester_is_told_the_slas_breach_time(make_sla_desk, clock):
    desk = make_sla_desk(sla())
    *_, update = [a.payload for a in desk.outbox if a.channel == "notify" and a.payload["template"] == "status-update"]
    eta = estimate_eta(update, desk.facts, desk.engine.policy)
    assert (eta.at, eta.source) == (at(3, 17), "sla")


def test_a_paused_sla_promises_no_time_and_the_target_answers():
    paused = sla(paused=True)
    assert paused.reaches(0.5, OFFICE) is None and not paused.running
    assert sla().reaches(0.5, OFFICE) == at(3, 9) and sla().reaches(1.0, OFFICE) == sla().breach_at


def test_the_sla_read_with_batons_own_note_counts_though_the_notes_facts_are_not_taken(make_sla_desk, clock):
    """The intake keeps the facts as they were for Baton's own note (it is not the desk working the ticket), but
    the SLA that read stated still holds: the next step keeps waiting."""
    desk = make_sla_desk(sla())
    desk.run_until(at(3, 10))
    note = ToolEvent(
        ticket=desk.key,
        event_id="note-1",
        kind=ToolEventKind.COMMENTED,
        at=clock.now(),
        actor="baton",
        fields={"sla": sla(elapsed=9 * 60, read_at=at(3, 10)).to_text()},
        text="SLA reminder ...",
    )
    stored = replace(desk.facts, sla=None)  # facts as the store gives them back: it keeps no SLA
    decisions = desk.engine.on_tool_event(desk.ticket, note, clock.now(), facts=stored, previous=stored)
    assert [t.due_at for t in decisions.timers if t.key == "sla:rt:1"] == [at(3, 13)]
    assert "sla:rt:1" not in decisions.cancel_timers


def test_an_sla_text_no_connector_could_mean_is_no_sla_and_is_said(caplog):
    from baton_itsm.core.rules.facts import sla_of

    assert sla_of('{"name": "x"}') is None and "not an SLA" in caplog.text
    assert sla_of("") is None
