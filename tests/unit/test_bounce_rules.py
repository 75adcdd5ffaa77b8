"""Ping-pong and bounce limits: which holder changes name an owner and escalate to a lead, with an injected clock.

Each case is the tool's history of one ticket: (minutes after the start, who moved it, where to, ticket fields).
Pushes are followed (`flag` mode) unless the case says otherwise, so each move is a change of hands in the ledger.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baton_itsm.core.domain.ownership import OwnershipModel, OwnershipPolicy
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.rules.policy import BounceLimit

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEADS = {"Service Desk": "dana", "Network": "erin"}
FOUR_HOURS = 240.0

# A ticket first assigned to alice in the Service Desk by tina, out of Triage.
FIRST = [(0, "tina", "Service Desk/alice")]
A_B_A = [*FIRST, (60, "alice", "Network"), (120, "carol", "Service Desk")]  # back 60 minutes after it left


def limits(*overrides: BounceLimit, bounces=None, within=None) -> tuple[BounceLimit, ...]:
    return (*overrides, BounceLimit(bounces, within))


CASES = {
    # name: (limits, moves, the step whose change fires (index into moves) and the rule, or None)
    "A-B-A within the window": (limits(within=FOUR_HOURS), A_B_A, (2, "ping-pong")),
    "A-B-A outside the window": (
        limits(within=FOUR_HOURS),
        [*FIRST, (60, "alice", "Network"), (60 + 241, "carol", "Service Desk")],
        None,
    ),
    "A-B-A just inside the window": (
        limits(within=FOUR_HOURS),
        [*FIRST, (60, "alice", "Network"), (60 + 240, "carol", "Service Desk")],
        (2, "ping-pong"),
    ),
    "A-B-C-A: a return all the same": (
        limits(within=FOUR_HOURS),
        [*FIRST, (10, "alice", "Network"), (20, "carol", "Desktop"), (30, "gina", "Service Desk")],
        (3, "ping-pong"),
    ),
    "A-B-C: no return, under the limit": (
        limits(bounces=3, within=FOUR_HOURS),
        [*FIRST, (10, "alice", "Network"), (20, "carol", "Desktop")],
        None,
    ),
    "the third bounce": (
        limits(bounces=3),
        [*FIRST, (10, "alice", "Network"), (20, "carol", "Desktop"), (30, "gina", "Vendor")],
        (3, "bounce-limit"),
    ),
    "the third bounce, A-B-A-B on the way: no return rule set": (
        limits(bounces=3),
        [*A_B_A, (180, "alice", "Network")],
        (3, "bounce-limit"),
    ),
    "a person to person ping-pong inside a group": (
        limits(within=FOUR_HOURS),
        [*FIRST, (10, "alice", "Service Desk/bob"), (20, "bob", "Service Desk/alice")],
        (2, "ping-pong"),
    ),
    "a priority's own limit": (
        limits(BounceLimit(2, None, priorities=frozenset({"1"}))),
        [(0, "tina", "Service Desk/alice", {"priority": "1"}), (10, "alice", "Network"), (20, "carol", "Desktop")],
        (2, "bounce-limit"),
    ),
    "another priority keeps the default": (
        limits(BounceLimit(2, None, priorities=frozenset({"1"})), bounces=3),
        [(0, "tina", "Service Desk/alice", {"priority": "3"}), (10, "alice", "Network"), (20, "carol", "Desktop")],
        None,
    ),
    "a category's own limit": (
        limits(BounceLimit(1, None, categories=frozenset({"Network"}))),
        [(0, "tina", "Service Desk/alice", {"category": "Network"}), (10, "alice", "Network")],
        (1, "bounce-limit"),
    ),
    "an exempt category (neither threshold)": (
        limits(BounceLimit(categories=frozenset({"Major"})), bounces=2, within=FOUR_HOURS),
        [(0, "tina", "Service Desk/alice", {"category": "Major"}), *A_B_A[1:]],
        None,
    ),
    "the group it started in has its own limit": (
        limits(BounceLimit(1, None, groups=frozenset({"Service Desk"}))),
        [*FIRST, (10, "alice", "Network")],
        (1, "bounce-limit"),
    ),
    "a group's limit reads where it started, not where it is": (
        limits(BounceLimit(1, None, groups=frozenset({"Network"}))),
        [*FIRST, (10, "alice", "Network")],
        None,
    ),
    "no limits configured": ((), A_B_A, None),
    "leaving intake is no bounce": (limits(bounces=1), [(0, "tina", "Service Desk/alice")], None),
    "taking it from one's own group queue is no bounce": (
        limits(bounces=1),
        [(0, "tina", "Service Desk"), (10, "alice", "Service Desk/alice")],
        None,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_which_change_fires(make_desk, clock, name):
    bounce_limits, moves, expected = CASES[name]
    desk = make_desk(push_mode="flag", leads=LEADS, bounce_limits=bounce_limits)
    clock.set(START)
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    fired = []
    for step, (minutes, actor, holder, *fields) in enumerate(moves):
        clock.set(START + timedelta(minutes=minutes))
        decisions = (
            desk.reassign(actor, holder)
            if not fields
            else desk.tool(ToolEventKind.HOLDER_CHANGED, actor, holder, **fields[0])
        )
        fired += [(step, e.rule) for e in decisions.events if getattr(e, "rule", "") in ("ping-pong", "bounce-limit")]
    assert fired == ([expected] if expected else [])


def test_ping_pong_names_the_owner_escalates_to_the_lead_and_notes_both(make_desk, clock):
    desk = make_desk(
        push_mode="flag",
        leads=LEADS,
        bounce_limits=limits(within=FOUR_HOURS),
        ownership=OwnershipPolicy(OwnershipModel.TCO),
    )
    clock.set(START)
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    for minutes, actor, holder in A_B_A[:-1]:
        clock.set(START + timedelta(minutes=minutes))
        desk.reassign(actor, holder)
    clock.set(START + timedelta(minutes=120))
    decisions = desk.reassign("carol", "Service Desk")
    [fired] = [e for e in decisions.events if e.entry_type == "rule" and e.rule == "ping-pong"]
    assert (fired.outcome, fired.owner, str(fired.to_holder), fired.first_route) == (
        "escalated",
        "alice",
        "Service Desk/dana",
        "tina",
    )
    assert desk.notices(decisions)[-1] == ("bounce-escalation", ("dana",))
    [note] = [n for n in desk.notes(decisions) if n.startswith("Ping-pong")]
    assert note == (
        "Ping-pong: back with Service Desk 60 business minutes after it left (Service Desk/alice -> "
        "Network -> Service Desk). Accountable owner: alice. Baton escalated it to dana, lead of "
        "Service Desk, to coordinate. First assigned by: tina."
    )


def test_once_per_ticket_not_at_every_later_bounce(make_desk, clock):
    desk = make_desk(push_mode="flag", leads=LEADS, bounce_limits=limits(bounces=2, within=FOUR_HOURS))
    clock.set(START)
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    rules = []
    for minutes, actor, holder in [
        *A_B_A,
        (130, "alice", "Network"),
        (140, "carol", "Service Desk"),
        (150, "alice", "Desktop"),
    ]:
        clock.set(START + timedelta(minutes=minutes))
        rules += [
            e.rule
            for e in desk.reassign(actor, holder).events
            if e.entry_type == "rule" and e.rule in ("ping-pong", "bounce-limit")
        ]
    assert rules == ["ping-pong"], "the first of the two rules to fire is the only one, once"
    assert desk.ticket.bounces == 5
    assert [n for n, _ in desk.notices(desk_outbox(desk))].count("bounce-escalation") == 1


def test_a_push_baton_reverts_is_no_bounce(make_desk, clock):
    """A to B to A where Baton put it back (revert mode): the ledger never moved, no ping-pong, no bounce."""
    desk = make_desk(push_mode="revert", leads=LEADS, bounce_limits=limits(bounces=1, within=FOUR_HOURS))
    clock.set(START)
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    clock.set(START + timedelta(minutes=10))
    pushed = desk.reassign("alice", "Network")
    assert desk.tool_actions(pushed)[0] == ("set-holder", "Service Desk/alice")
    back = desk.echo_baton_write()
    assert desk.ticket.bounces == 0 and not [
        e for e in pushed.events + back.events if getattr(e, "rule", "") in ("ping-pong", "bounce-limit")
    ]


def test_without_an_owner_the_lead_is_named_and_without_a_lead_nobody_is_emailed(make_desk, clock):
    for leads, to_holder, owner, notices in (
        ({"Service Desk": "dana"}, "Service Desk/dana", "dana", [("bounce-escalation", ("dana",))]),
        ({}, "Service Desk", None, []),
    ):
        desk = make_desk(push_mode="flag", leads=leads, bounce_limits=limits(within=FOUR_HOURS))
        clock.set(START)
        desk.tool(ToolEventKind.CREATED, "tina", "Triage")
        desk.reassign("tina", "Service Desk")  # a queue: nobody named, so no owner under `follows`
        desk.reassign("dana", "Network")  # dana manages the Service Desk: a force
        decisions = desk.reassign("erin", "Service Desk")  # and erin manages Network
        [fired] = [e for e in decisions.events if getattr(e, "rule", "") == "ping-pong"]
        assert (fired.outcome, str(fired.to_holder), fired.owner) == ("escalated", to_holder, owner)
        assert [n for n in desk.notices(decisions) if n[0] == "bounce-escalation"] == notices
        assert next(n for n in desk.notes(decisions) if n.startswith("Ping-pong")).endswith(
            "Accountable owner: dana. Baton escalated it to dana, lead of Service Desk, to coordinate. "
            "First assigned by: tina."
            if leads
            else "Accountable owner: nobody yet. Service Desk has no lead configured to coordinate it. "
            "First assigned by: tina."
        )


def desk_outbox(desk):
    from baton_itsm.core.rules.decisions import Decisions

    return Decisions(outgoing=desk.outbox)


@pytest.mark.parametrize(
    ("back_at", "fires"),
    [
        ((2026, 3, 9, 9, 0), True),  # Friday 17:00 -> Monday 09:00: two business hours (17-18, 08-09)
        ((2026, 3, 9, 12, 30), False),  # Monday 12:30: five and a half business hours
    ],
)
def test_the_window_counts_business_time_in_the_calendar_of_the_group_it_started_in(make_desk, clock, back_at, fires):
    from zoneinfo import ZoneInfo

    from baton_itsm.core.rules.calendar import BusinessCalendar

    paris = ZoneInfo("Europe/Paris")
    calendar = BusinessCalendar(paris, {d: ((8 * 60, 18 * 60),) for d in range(5)}, frozenset())
    desk = make_desk(
        push_mode="flag", leads=LEADS, bounce_limits=limits(within=FOUR_HOURS), calendars={"Service Desk": calendar}
    )
    clock.set(datetime(2026, 3, 6, 16, 0, tzinfo=paris))  # a Friday
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    clock.set(datetime(2026, 3, 6, 17, 0, tzinfo=paris))
    desk.reassign("alice", "Network")
    clock.set(datetime(*back_at, tzinfo=paris))
    decisions = desk.reassign("carol", "Service Desk")
    assert [e.rule for e in decisions.events if getattr(e, "rule", "") == "ping-pong"] == (
        ["ping-pong"] if fires else []
    )
