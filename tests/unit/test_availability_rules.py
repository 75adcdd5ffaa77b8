"""Availability, rule by rule and exemption by exemption: a request to an away person goes to their deputy, else
to the group's queue; an away holder's stale ticket escalates at the first reminder; a request to someone at
capacity goes to the queue. Time is an injected clock; every reroute is in the ledger with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.rules.availability import Availability, AwayPeriod, reroute
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.policy import StaleRule
from tests.unit.conftest import DIRECTORY
from tests.unit.test_rules_accept_before_reassign import held_by_alice

FRI_18 = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)  # a Friday evening
MON_08 = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # the Monday morning after
SAT_NOON = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
CAROL = Holder("Network", "carol")


def weekend_away(person: str = "carol", deputy: str | None = None, **more) -> AwayPeriod:
    return AwayPeriod(person, FRI_18, MON_08, deputy, **more)


def held(**counts):
    return lambda person: counts.get(person, 0)


# --- where a request for carol (Network) goes ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "availability", "at", "expected"),
    [
        ("not away: she gets it", Availability(), SAT_NOON, None),
        (
            "away over the weekend, her deputy frank takes it",
            Availability((weekend_away(deputy="frank"),)),
            SAT_NOON,
            (Holder("Network", "frank"), "away", "to-deputy"),
        ),
        (
            "her standing deputy when the period names none",
            Availability((weekend_away(),), deputies={"carol": "frank"}),
            SAT_NOON,
            (Holder("Network", "frank"), "away", "to-deputy"),
        ),
        (
            "the period's deputy wins over the standing one",
            Availability((weekend_away(deputy="frank"),), deputies={"carol": "vic"}),
            SAT_NOON,
            (Holder("Network", "frank"), "away", "to-deputy"),
        ),
        (
            "away without a deputy: the queue",
            Availability((weekend_away(),)),
            SAT_NOON,
            (Holder("Network"), "away", "to-queue"),
        ),
        (
            "the deputy is away too: the queue",
            Availability((weekend_away(deputy="frank"), weekend_away("frank"))),
            SAT_NOON,
            (Holder("Network"), "away", "to-queue"),
        ),
        (
            "the deputy is not in the group: the queue",
            Availability((weekend_away(deputy="vic"),)),
            SAT_NOON,
            (Holder("Network"), "away", "to-queue"),
        ),
        (
            "the deputy is at capacity: the queue",
            Availability((weekend_away(deputy="frank"),), capacity={"frank": 3}, held=held(frank=3)),
            SAT_NOON,
            (Holder("Network"), "away", "to-queue"),
        ),
        (
            "the period starts at its first moment",
            Availability((weekend_away(deputy="frank"),)),
            FRI_18,
            (Holder("Network", "frank"), "away", "to-deputy"),
        ),
        ("back on Monday 08:00 (the end is exclusive)", Availability((weekend_away(deputy="frank"),)), MON_08, None),
        ("before the weekend", Availability((weekend_away(deputy="frank"),)), FRI_18 - timedelta(minutes=1), None),
        ("someone else away changes nothing", Availability((weekend_away("frank"),)), SAT_NOON, None),
        (
            "at capacity: the queue",
            Availability(capacity={"carol": 2}, held=held(carol=2)),
            SAT_NOON,
            (Holder("Network"), "capacity", "to-queue"),
        ),
        ("below capacity: she gets it", Availability(capacity={"carol": 2}, held=held(carol=1)), SAT_NOON, None),
        (
            "the default capacity counts too",
            Availability(default_capacity=5, held=held(carol=7)),
            SAT_NOON,
            (Holder("Network"), "capacity", "to-queue"),
        ),
        (
            "a person's own capacity wins over the default",
            Availability(capacity={"carol": 10}, default_capacity=5, held=held(carol=7)),
            SAT_NOON,
            None,
        ),
        (
            "switched off: nothing is rerouted",
            Availability((weekend_away(deputy="frank"),), capacity={"carol": 1}, held=held(carol=9), enabled=False),
            SAT_NOON,
            None,
        ),
    ],
)
def test_where_a_request_for_a_person_goes(case, availability, at, expected):
    rerouted = reroute(availability, DIRECTORY, CAROL, at)
    if expected is None:
        assert rerouted is None, case
    else:
        assert (rerouted.receiver, rerouted.rule, rerouted.outcome) == expected, case
        assert rerouted.asked == CAROL


def test_a_request_for_a_queue_is_never_rerouted():
    everyone_away = Availability(
        tuple(weekend_away(p) for p in ("carol", "frank")), default_capacity=1, held=held(carol=5, frank=5)
    )
    assert reroute(everyone_away, DIRECTORY, Holder("Network"), SAT_NOON) is None


def test_the_reason_says_who_is_away_until_when_and_why_the_deputy_could_not_take_it():
    away = Availability((weekend_away(deputy="frank", note="training"), weekend_away("frank")))
    assert reroute(away, DIRECTORY, CAROL, SAT_NOON).reason == (
        "carol is away (training) until 2026-03-09 08:00 UTC and their deputy frank is away too "
        "(until 2026-03-09 08:00 UTC): the Network queue takes it"
    )
    capacity = Availability(capacity={"carol": 2}, held=held(carol=3))
    assert reroute(capacity, DIRECTORY, CAROL, SAT_NOON).reason == (
        "carol holds 3 open tickets, their capacity (2): the Network queue takes it"
    )


# --- the engine: requests by command, pushes in the tool, comment commands -----------------------------------------
def away_desk(make_desk, clock, availability: Availability, **settings):
    desk = held_by_alice(make_desk(queue_first=False, availability=availability, **settings))
    clock.set(SAT_NOON)
    return desk


def test_a_request_to_an_away_person_goes_to_the_deputy_with_the_reason_in_ledger_note_and_email(make_desk, clock):
    desk = away_desk(make_desk, clock, Availability((weekend_away(deputy="frank", note="training"),)))
    decisions = desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=CAROL, by="alice", reason="switch port dead")
    )
    assert desk.entries(decisions) == ["requested", "rule:to-deputy"]
    rule = decisions.events[1]
    assert (rule.rule, rule.from_holder, rule.to_holder, rule.handoff_id) == (
        "away",
        CAROL,
        Holder("Network", "frank"),
        "h1",
    )
    assert desk.ticket.handoff("h1").to_holder == Holder("Network", "frank")
    (notice,) = [a.payload for a in decisions.outgoing if a.channel == "notify"]
    assert notice["to_people"] == ["frank"] and notice["asked"] == "carol"
    assert notice["rerouted"] == "carol is away (training) until 2026-03-09 08:00 UTC; frank deputises"
    (note,) = desk.notes(decisions)
    assert "asks frank (Network) to take this ticket" in note
    assert "Sent to them instead of carol: carol is away (training) until 2026-03-09 08:00 UTC" in note


def test_a_push_to_an_away_person_is_reverted_and_asks_the_deputy(make_desk, clock):
    desk = away_desk(make_desk, clock, Availability((weekend_away(deputy="frank"),)))
    push = desk.reassign("alice", "Network/carol")
    assert desk.entries(push) == ["rule:reverted", "requested", "rule:to-deputy"]
    assert desk.ticket.open_handoff().to_holder == Holder("Network", "frank")
    (note,) = desk.notes(push)  # one note, with the revert
    assert "now asks frank (Network) to accept it (carol is away until 2026-03-09 08:00 UTC; frank deputises)" in note
    assert ("handoff-request", ("frank",)) in desk.notices(push)


def test_a_handoff_comment_for_an_away_person_without_deputy_goes_to_the_queue(make_desk, clock):
    desk = away_desk(make_desk, clock, Availability((weekend_away(),)))
    decisions = desk.comment("alice", "/baton handoff Network/carol switch port dead")
    assert desk.entries(decisions) == ["requested", "rule:to-queue"]
    assert desk.ticket.open_handoff().to_holder == Holder("Network")
    assert desk.notices(decisions) == [("handoff-request", ("Network",))]
    (reply,) = desk.notes(decisions)
    assert "asks Network to take this ticket (carol is away until 2026-03-09 08:00 UTC: the Network queue" in reply


def test_a_request_made_after_the_return_goes_to_the_person(make_desk, clock):
    desk = away_desk(make_desk, clock, Availability((weekend_away(deputy="frank"),)))
    clock.set(MON_08)
    decisions = desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=CAROL, by="alice", reason="switch port dead")
    )
    assert desk.entries(decisions) == ["requested"]
    assert desk.ticket.handoff("h1").to_holder == CAROL


def test_the_service_reads_availability_at_each_decision(make_desk, clock):
    """The engine asks `availability(now)` per decision: a period set meanwhile (`baton away`, the API) counts."""
    periods: list[AwayPeriod] = []
    desk = held_by_alice(make_desk(queue_first=False))
    desk.engine.availability = lambda now: Availability(tuple(periods))
    clock.set(SAT_NOON)
    periods.append(weekend_away(deputy="frank"))
    decisions = desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=CAROL, by="alice", reason="switch port dead")
    )
    assert desk.ticket.handoff("h1").to_holder == Holder("Network", "frank")
    assert desk.entries(decisions) == ["requested", "rule:to-deputy"]


def test_a_request_to_someone_at_capacity_goes_to_the_queue(make_desk, clock):
    desk = away_desk(make_desk, clock, Availability(capacity={"carol": 4}, held=held(carol=4)))
    decisions = desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=CAROL, by="alice", reason="switch port dead")
    )
    assert desk.entries(decisions) == ["requested", "rule:to-queue"]
    assert decisions.events[1].rule == "capacity"
    assert desk.notices(decisions) == [("handoff-request", ("Network",))]


# --- an away holder's stale ticket ---------------------------------------------------------------------------------
STALE = (StaleRule(remind_after=60.0, escalate_after=240.0),)


def stale_desk(make_desk, clock, availability: Availability, status: str = "open"):
    clock.set(FRI_18)  # carol takes it on Friday at 18:00, as her weekend away starts
    desk = make_desk(
        stale_rules=STALE, escalates_to={"Network": "Vendor"}, leads={"Network": "erin"}, availability=availability
    )
    desk.tool(ToolEventKind.CREATED, "tina", "Triage", status=status)
    desk.reassign("carol", "Network/carol")  # carol takes it, then leaves for the weekend
    return desk


@pytest.mark.parametrize(
    ("case", "availability", "status", "expected"),
    [
        (
            "away: escalated at the first reminder",
            Availability((weekend_away(),)),
            "open",
            [(60, "stale", "escalated")],
        ),
        (
            "not away: reminded, escalated at escalate_after",
            Availability(),
            "open",
            [(60, "stale", "reminded"), (240, "stale", "escalated")],
        ),
        (
            "someone else away: reminded as usual",
            Availability((weekend_away("frank"),)),
            "open",
            [(60, "stale", "reminded"), (240, "stale", "escalated")],
        ),
        (
            "the rule switched off: reminded as usual",
            Availability((weekend_away(),), escalate_stale=False),
            "open",
            [(60, "stale", "reminded"), (240, "stale", "escalated")],
        ),
        ("a pending ticket does not age, away or not", Availability((weekend_away(),)), "pending", []),
    ],
)
def test_an_away_holders_stale_ticket_escalates_at_the_first_reminder(
    make_desk, clock, case, availability, status, expected
):
    desk = stale_desk(make_desk, clock, availability, status)
    start = clock.now()
    desk.run_until(start + timedelta(hours=6))
    fired = [
        (int((e.at - start).total_seconds() // 60), e.rule, e.outcome)
        for e in desk.log
        if e.entry_type == "rule" and e.rule == "stale"
    ]
    assert fired == expected, case
    if expected == [(60, "stale", "escalated")]:
        assert [(e.rule, e.outcome) for e in desk.log if e.entry_type == "rule" and e.rule == "away"] == [
            ("away", "escalated")
        ]
        (request,) = [e for e in desk.log if e.entry_type == "requested" and e.by == "rule:stale"]
        assert request.to_holder == Holder("Vendor"), "one step along Network's path"
        assert "carol is away until 2026-03-09 08:00 UTC" in request.reason
        assert ("stale-escalation", ("erin",)) in desk.notices(Decisions(outgoing=desk.outbox))
        assert not any(n[0] == "stale-reminder" for n in desk.notices(Decisions(outgoing=desk.outbox)))
