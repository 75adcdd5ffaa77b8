"""Acceptance timeouts and stale escalation, in business hours, with time moved by an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from baton_itsm.core.domain.commands import AcceptHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.rules.calendar import BusinessCalendar
from baton_itsm.core.rules.policy import StaleRule

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS_8_TO_18 = {d: ((8 * 60, 18 * 60),) for d in range(5)}


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)


def paris_desk(make_desk, clock, **settings):
    calendar = BusinessCalendar(PARIS, WEEKDAYS_8_TO_18, frozenset({date(2026, 3, 30)}))  # a Monday holiday
    desk = make_desk(calendars={"Service Desk": calendar, "Network": calendar}, **settings)
    clock.set(paris(2026, 3, 27, 16, 0))  # Friday 16:00 in Paris (CET, UTC+1)
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    return desk


@pytest.mark.parametrize(
    ("accept_after", "expected"),
    [
        (timedelta(minutes=59), HandoffState.APPLIED),  # one minute before the timeout
        (None, HandoffState.EXPIRED),
    ],
)
def test_a_request_accepted_just_in_time_or_expiring(make_desk, clock, accept_after, expected):
    desk = make_desk(acceptance_after=60.0, remind_at=0.5, leads={"Network": "erin"})
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    start = clock.now()
    desk.command(
        RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="switch port")
    )
    if accept_after is not None:
        fired = desk.run_until(start + accept_after)
        assert [kind for _, kind in fired] == ["acceptance-reminder"]
        assert fired[0][0] == start + timedelta(minutes=30), "the reminder comes at half the timeout"
        desk.command(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    fired = desk.run_until(start + timedelta(hours=3))
    assert desk.ticket.handoff("h1").state is expected
    if expected is HandoffState.EXPIRED:
        assert fired[-1] == (start + timedelta(minutes=60), "acceptance-timeout")
        escalation = [e for e in desk.notices(desk_all(desk)) if e[0] == "request-expired"]
        assert escalation == [("request-expired", ("alice", "erin"))], "the lead and the sender hear of it"
    else:
        assert not desk.timers.get("accept-timeout:h1"), "acceptance stops the timeout"


def desk_all(desk):
    from baton_itsm.core.rules.decisions import Decisions

    return Decisions(outgoing=desk.outbox)


def test_acceptance_time_counts_business_minutes_only(make_desk, clock):
    desk = paris_desk(make_desk, clock, acceptance_after=90.0)
    desk.command(RequestHandoff(ticket=desk.key, handoff_id="h1", to_holder=Holder("Network"), by="alice", reason="r"))
    assert desk.timers["accept-timeout:h1"].due_at == paris(2026, 3, 27, 17, 30)  # Friday 16:00 + 90 minutes


def test_stale_over_a_weekend_and_a_holiday_fires_at_monday_opening_in_the_groups_zone_across_dst(make_desk, clock):
    calendar = BusinessCalendar(PARIS, WEEKDAYS_8_TO_18, frozenset({date(2026, 3, 27)}))  # a Friday holiday
    desk = make_desk(calendars={"Service Desk": calendar}, stale_rules=(StaleRule(120.0, None),))
    clock.set(paris(2026, 3, 26, 16, 0))  # Thursday 16:00 CET (UTC+1)
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    # 120 business minutes run out at Thursday's 18:00 close; Friday is a holiday; the clocks go forward
    # on Sunday 29 March. The reminder fires at Monday's 08:00 opening, summer time (UTC+2).
    fired = desk.run_until(paris(2026, 3, 31, 0, 0))
    assert fired == [(datetime(2026, 3, 30, 6, 0, tzinfo=UTC), "stale-reminder")]
    assert fired[0][0] == paris(2026, 3, 30, 8, 0)


def test_a_ticket_going_stale_over_a_weekend_and_a_holiday_fires_at_the_next_opening_across_dst(make_desk, clock):
    desk = paris_desk(
        make_desk,
        clock,
        stale_rules=(StaleRule(remind_after=180.0, escalate_after=600.0),),
        escalates_to={"Service Desk": "Network"},
        leads={"Service Desk": "dana"},
    )
    # Last activity Friday 16:00 CET. 120 minutes are left on Friday; the weekend and Monday 30 March
    # (a holiday) do not count; Europe/Paris moved to summer time on Sunday 29 March (UTC+2).
    # The remaining 60 minutes run from Tuesday's 08:00 opening, local time.
    reminder = desk.timers["stale:rt:1"]
    assert reminder.due_at == paris(2026, 3, 31, 9, 0) == datetime(2026, 3, 31, 7, 0, tzinfo=UTC)
    fired = [f for f in desk.run_until(paris(2026, 4, 1, 12, 0)) if f[1].startswith("stale")]
    assert fired == [(paris(2026, 3, 31, 9, 0), "stale-reminder"), (paris(2026, 3, 31, 16, 0), "stale-escalation")]
    [escalation] = [h for h in desk.ticket.handoffs.values() if h.requested_by == "rule:stale"]
    assert escalation.to_holder == Holder("Network"), "escalated one step along the path"
    assert escalation.requested_at == paris(2026, 3, 31, 16, 0)
    notices = dict(desk.notices(desk_all(desk)))
    assert notices["stale-reminder"] == ("alice",) and notices["stale-escalation"] == ("dana",)


def test_the_opening_fires_at_monday_opening_in_the_groups_time_zone(make_desk, clock):
    tokyo = BusinessCalendar(ZoneInfo("Asia/Tokyo"), WEEKDAYS_8_TO_18)
    desk = make_desk(calendars={"Network": tokyo}, stale_rules=(StaleRule(remind_after=60.0, escalate_after=None),))
    clock.set(datetime(2026, 3, 6, 9, 30, tzinfo=UTC))  # Friday 18:30 in Tokyo: closed
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    desk.reassign("erin", "Network/carol")
    assert desk.timers["stale:rt:1"].due_at == datetime(2026, 3, 9, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_activity_restarts_the_clock_and_a_ticket_waiting_on_the_user_does_not_age(make_desk, clock):
    desk = make_desk(stale_rules=(StaleRule(remind_after=60.0, escalate_after=120.0),))
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    clock.advance(minutes=50)
    desk.tool(ToolEventKind.COMMENTED, "alice")
    assert desk.timers["stale:rt:1"].due_at == clock.now() + timedelta(minutes=60)
    desk.tool(ToolEventKind.UPDATED, "alice", status="pending")
    assert "stale:rt:1" not in desk.timers
    assert desk.run_until(clock.now() + timedelta(days=3)) == []
    desk.tool(ToolEventKind.UPDATED, "requester@example.com", status="open")
    assert desk.timers["stale:rt:1"].due_at == clock.now() + timedelta(minutes=60)


def test_stale_rules_match_priority_category_and_group(make_desk, clock):
    urgent = StaleRule(remind_after=15.0, escalate_after=30.0, priorities=frozenset({"1"}))
    desk = make_desk(stale_rules=(urgent, StaleRule(240.0, 480.0)))
    desk.tool(ToolEventKind.CREATED, "tina", "Triage", priority="1")
    desk.reassign("tina", "Service Desk/alice")
    assert desk.timers["stale:rt:1"].due_at == clock.now() + timedelta(minutes=15)


def test_a_resolved_escalated_ticket_reports_back_to_the_original_analyst(make_desk, clock):
    desk = make_desk()
    desk.tool(ToolEventKind.CREATED, "tina", "Triage")
    desk.reassign("tina", "Service Desk/alice")
    from baton_itsm.core.domain.kinds import HandoffKind

    desk.command(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="needs L2",
            kind=HandoffKind.TECHNICAL,
        )
    )
    desk.command(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    resolved = desk.tool(ToolEventKind.RESOLVED, "carol", resolution="replaced the SFP module")
    [notice] = [
        a.payload for a in resolved.outgoing if a.channel == "notify" and a.payload["template"] == "report-back"
    ]
    assert notice["to_people"] == ["alice"] and notice["resolution"] == "replaced the SFP module"
    assert "stale:rt:1" in resolved.cancel_timers


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        # due at Friday's close: the next opening (after the holiday)
        (paris(2026, 3, 27, 17, 0), 60, paris(2026, 3, 31, 8, 0)),
        (paris(2026, 3, 27, 17, 0), 59, paris(2026, 3, 27, 17, 59)),
        (paris(2026, 3, 28, 12, 0), 0, paris(2026, 3, 31, 8, 0)),  # on Saturday, nothing is open
        (paris(2026, 3, 31, 7, 0), 30, paris(2026, 3, 31, 8, 30)),  # before opening
        (paris(2026, 10, 23, 17, 0), 120, paris(2026, 10, 26, 9, 0)),  # across the October change back to winter time
    ],
)
def test_business_minutes_on_the_calendar(start, minutes, due):
    calendar = BusinessCalendar(PARIS, WEEKDAYS_8_TO_18, frozenset({date(2026, 3, 30)}))
    assert calendar.add(start, minutes) == due
    if minutes:
        assert calendar.minutes_between(start, due) == minutes
