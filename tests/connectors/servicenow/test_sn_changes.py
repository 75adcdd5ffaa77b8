"""Pure parts of the ServiceNow poll: values, audit rows into holder steps and events, the checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baton_itsm.connectors.servicenow.changes import TicketView, holder_steps, holders_around, ticket_events
from baton_itsm.connectors.servicenow.checkpoint import Checkpoint
from baton_itsm.connectors.servicenow.mapping import AuditRow, SnTicket, read_audit, read_ticket
from baton_itsm.connectors.servicenow.values import (
    MalformedPayload,
    Ref,
    count,
    format_time,
    parse_time,
    quote,
    ref,
    text,
)
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ConfigError

SD, NET = "Service Desk", "Network"
NAMES = {"g-sd": SD, "g-net": NET, "u-alice": "alice", "u-bob": "bob", "u-carol": "carol"}


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 3, 2, 9, minute, second, tzinfo=UTC)


AT_0, AT_5 = at(0), at(5)


def row(n: int, field: str, old: str, new: str, when: datetime, user: str = "bob") -> AuditRow:
    return AuditRow(f"a{n}", "t1", field, user, old or None, new or None, when)


def named(value):
    return NAMES.get(value, value)


def record(updated: datetime, created: datetime = AT_0, by: str = "bob", state: str = "2", mods: int = 3) -> SnTicket:
    return SnTicket(
        "t1",
        "INC0010001",
        Ref("g-sd"),
        Ref("u-carol"),
        format_time(updated),
        by,
        mods,
        created_on=format_time(created),
        created_by="dana",
        state=state,
    )


def test_values_read_every_form_the_table_api_sends():
    assert (text(""), text(None), text("2"), text({"display_value": "Two", "value": "2"})) == (None, None, "2", "2")
    assert ref("") is None and ref("abc") == Ref("abc")
    assert ref({"link": "https://x/api/now/table/sys_user/abc", "value": "abc"}) == Ref("abc")
    display = {"display_value": "Network", "link": "https://x/api/now/v2/table/sys_user_group/g1"}
    assert ref(display) == Ref("g1", "Network")
    assert ref({"display_value": "", "link": ""}) is None
    assert parse_time("2016-12-14 02:46:44") == datetime(2016, 12, 14, 2, 46, 44, tzinfo=UTC) and parse_time("") is None
    assert format_time(datetime(2026, 3, 2, 10, 0, tzinfo=UTC)) == "2026-03-02 10:00:00"
    assert (count("2"), count(""), count("28,800")) == (2, None, 28800)
    assert quote("R^D") == "R^^D"
    assert read_ticket({"sys_id": "r1", "requested_for": "u1"}, "requested_for").caller == Ref("u1")  # sc_req_item
    with pytest.raises(MalformedPayload):
        parse_time("2016-12-14T02:46:44Z")  # not what a raw Table API value looks like
    with pytest.raises(MalformedPayload):
        read_audit({"sys_id": "a1", "fieldname": "assigned_to"})


def test_a_group_and_person_moved_in_one_update_are_one_step():
    rows = [
        row(2, "assigned_to", "u-alice", "", at(5)),
        row(1, "assignment_group", "g-sd", "g-net", at(5)),
        row(3, "assigned_to", "", "u-carol", at(7), user="carol"),
    ]
    steps = holder_steps(rows, named, named)
    assert [(s.at, s.actor, s.group, s.person) for s in steps] == [
        (at(5), "bob", (SD, NET), ("alice", None)),
        (at(7), "carol", None, (None, "carol")),
    ]
    start, around = holders_around(steps, (NET, "carol"))
    assert start == (SD, "alice") and around == [((SD, "alice"), (NET, None)), ((NET, None), (NET, "carol"))]


def counted(n: int, field: str, old: str, new: str, update: int, user: str = "bob", when: datetime = AT_5) -> AuditRow:
    """A row as the instance writes it: with record_checkpoint, the record's update count after its update."""
    return AuditRow(f"a{n}", "t1", field, user, old or None, new or None, when, update)


def test_updates_in_one_second_are_told_apart_and_ordered_by_their_update_count():
    # bob moves the ticket to Network/carol in one update (2), Baton puts both fields back (3), carol then
    # takes it (4): all in one second; the rows' sys_ids say nothing of their order
    rows = [
        counted(9, "assigned_to", "u-carol", "u-alice", 3, "baton"),
        counted(1, "assigned_to", "u-alice", "u-carol", 2),
        counted(5, "assigned_to", "u-alice", "u-carol", 4, "carol"),
        counted(7, "assignment_group", "g-sd", "g-net", 2),
        counted(2, "assignment_group", "g-net", "g-sd", 3, "baton"),
    ]
    steps = holder_steps(rows, named, named)
    assert [(s.update, s.actor, s.group, s.person) for s in steps] == [
        (2, "bob", (SD, NET), ("alice", "carol")),
        (3, "baton", (NET, SD), ("carol", "alice")),
        (4, "carol", None, ("alice", "carol")),
    ]
    view = TicketView(record(at(5), by="carol", mods=4), (SD, "carol"), {})
    events = ticket_events("sn", view, steps, created_after=None, resolved_states=frozenset(), account="baton")
    assert [(e.event_id, e.actor, e.old_holder, e.new_holder) for e in events] == [
        ("t1#2", "bob", Holder(SD, "alice"), Holder(NET, "carol")),
        ("t1#3", "baton", Holder(NET, "carol"), Holder(SD, "alice")),
        ("t1#4", "carol", Holder(SD, "alice"), Holder(SD, "carol")),
    ]


def test_rows_of_one_update_straddling_a_second_are_still_one_step():
    rows = [
        counted(1, "assignment_group", "g-sd", "g-net", 2, when=at(5, 59)),
        counted(2, "assigned_to", "u-alice", "u-carol", 2, when=at(6, 0)),
    ]
    (step,) = holder_steps(rows, named, named)
    assert (step.at, step.group, step.person, step.event_id("t1")) == (at(5, 59), (SD, NET), ("alice", "carol"), "t1#2")


def test_without_update_counts_several_peoples_rows_in_one_second_are_one_step_to_the_ticket_as_it_is():
    # bob's push and carol's take in one second, with no record_checkpoint: their order is unknown, so the
    # second is one change from the holder before it to the ticket's holder now, by the ticket's last writer
    rows = [
        row(3, "assigned_to", "u-alice", "u-carol", at(5), user="carol"),
        row(1, "assignment_group", "g-sd", "g-net", at(5)),
        row(2, "assigned_to", "u-bob", "u-alice", at(5)),
    ]
    (step,) = holder_steps(rows, named, named)
    assert (step.actor, step.group, step.person, step.update) == (None, (SD, NET), ("bob", "carol"), None)
    view = TicketView(record(at(5), by="carol"), (NET, "carol"), {})
    (event,) = ticket_events("sn", view, [step], created_after=None, resolved_states=frozenset(), account="baton")
    assert (event.event_id, event.actor, event.old_holder, event.new_holder) == (
        "t1@2026-03-02 09:05:00",
        "carol",
        Holder(SD, "bob"),
        Holder(NET, "carol"),
    )


def test_a_step_the_ticket_does_not_bear_out_invents_no_holder():
    # the audit says bob moved the group to Network; the ticket, read in the same poll, is in Service Desk with
    # no later row saying why (an unaudited write): no move to a holder the ticket never shows
    steps = holder_steps([counted(1, "assignment_group", "g-sd", "g-net", 2)], named, named)
    view = TicketView(record(at(6), by="admin", mods=3), (SD, "carol"), {})
    events = ticket_events("sn", view, steps, created_after=None, resolved_states=frozenset(), account="baton")
    assert [(e.kind, e.new_holder) for e in events] == [(ToolEventKind.UPDATED, None)]


def test_other_audited_fields_are_not_holder_steps():
    assert holder_steps([row(1, "priority", "3", "2", at(5))], named, named) == []


def test_events_creation_steps_and_the_latest_update():
    steps = holder_steps([row(1, "assigned_to", "u-alice", "u-carol", at(5))], named, named)
    view = TicketView(record(at(9)), (SD, "carol"), {"status": "in progress"})
    events = ticket_events(
        "sn", view, steps, created_after=at(0).replace(hour=8), resolved_states=frozenset({"6"}), account="baton"
    )
    assert [(e.kind, e.actor, e.old_holder, e.new_holder, e.event_id) for e in events] == [
        (ToolEventKind.CREATED, "dana", None, Holder(SD, "alice"), "t1@2026-03-02 09:00:00:created"),
        (ToolEventKind.HOLDER_CHANGED, "bob", Holder(SD, "alice"), Holder(SD, "carol"), "t1@2026-03-02 09:05:00"),
        (ToolEventKind.UPDATED, "bob", None, None, "t1@2026-03-02 09:09:00"),
    ]
    assert all(e.ticket.ticket_id == "INC0010001" and e.fields == {"status": "in progress"} for e in events)


def test_no_creation_for_a_ticket_older_than_baton_and_no_second_event_for_the_step_update():
    steps = holder_steps([row(1, "assigned_to", "u-alice", "u-carol", at(5))], named, named)
    view = TicketView(record(at(5)), (SD, "carol"), {})
    events = ticket_events("sn", view, steps, created_after=at(1), resolved_states=frozenset(), account="baton")
    assert [e.kind for e in events] == [ToolEventKind.HOLDER_CHANGED]


def test_an_audited_insert_is_the_creations_holder_not_a_change():
    steps = holder_steps([row(1, "assigned_to", "", "u-alice", at(0), user="dana")], named, named)
    view = TicketView(record(at(0)), (SD, "alice"), {})
    (created,) = ticket_events(
        "sn", view, steps, created_after=at(0).replace(hour=8), resolved_states=frozenset(), account="baton"
    )
    assert (created.kind, created.new_holder) == (ToolEventKind.CREATED, Holder(SD, "alice"))


def test_a_resolved_state_is_a_resolution_and_batons_own_updates_are_not_activity():
    view = TicketView(record(at(9), state="6"), (SD, "carol"), {})
    (resolved,) = ticket_events("sn", view, [], created_after=None, resolved_states=frozenset({"6"}), account="baton")
    assert resolved.kind is ToolEventKind.RESOLVED
    mine = TicketView(record(at(9), by="baton"), (SD, "carol"), {})
    assert ticket_events("sn", mine, [], created_after=None, resolved_states=frozenset(), account="baton") == []


def test_a_step_newer_than_the_ticket_as_read_waits_for_the_next_read():
    steps = holder_steps([row(1, "assigned_to", "u-carol", "u-bob", at(10))], named, named)
    view = TicketView(record(at(9)), (SD, "carol"), {})
    events = ticket_events("sn", view, steps, created_after=None, resolved_states=frozenset(), account="baton")
    assert [e.kind for e in events] == [ToolEventKind.UPDATED]


def test_no_group_means_no_holder():
    view = TicketView(record(at(9)), (None, "carol"), {})
    steps = holder_steps([row(1, "assigned_to", "", "u-carol", at(9))], named, named)
    (event,) = ticket_events("sn", view, steps, created_after=None, resolved_states=frozenset(), account=None)
    assert event.new_holder is None and event.old_holder is None


def ticket(sys_id: str, updated: str, created: str = "2026-03-02 09:00:00", mods: int = 1) -> SnTicket:
    return SnTicket(sys_id, None, None, None, updated, "bob", mods, created_on=created)


def test_the_checkpoint_keeps_the_last_seconds_records_and_where_baton_started():
    start = Checkpoint("2026-03-02 09:00:00", frozenset({"a"}))
    assert str(start) == "2026-03-02 09:00:00|a|2026-03-02 09:00:00"
    assert Checkpoint.parse(str(start)) == start
    page = [ticket("b", "2026-03-02 09:00:00"), ticket("c", "2026-03-02 09:00:05"), ticket("d", "2026-03-02 09:00:05")]
    after = start.after(page)
    assert (after.at, after.seen, after.origin) == ("2026-03-02 09:00:05", frozenset({"c:1", "d:1"}), start.origin)
    assert start.after([ticket("b", "2026-03-02 09:00:00")]).seen == {"a", "b:1"}  # same second: both kept
    assert after.read_before(ticket("c", "2026-03-02 09:00:05"))
    assert not after.read_before(ticket("c", "2026-03-02 09:01:00"))  # updated again since: read again
    # updated again within the second Baton read it in (its time is the same): its update count says so
    assert not after.read_before(ticket("c", "2026-03-02 09:00:05", mods=2))
    assert start.read_before(ticket("a", "2026-03-02 09:00:00", mods=7))  # an older checkpoint's bare sys_id
    assert after.query() == "sys_updated_on>=2026-03-02 09:00:05^ORDERBYsys_updated_on^ORDERBYsys_id"
    assert start.after([]) == start


def test_the_audit_window_reaches_back_to_a_creation_baton_has_not_reported():
    point = Checkpoint("2026-03-02 09:00:05", frozenset(), "2026-03-02 09:00:00")
    assert point.audit_since([ticket("x", "2026-03-02 09:00:09", "2026-03-02 09:00:03")]) == "2026-03-02 09:00:03"
    assert point.audit_since([ticket("y", "2026-03-02 09:00:09", "2026-03-01 12:00:00")]) == "2026-03-02 09:00:05"


def test_an_unreadable_checkpoint_is_a_plain_error():
    with pytest.raises(ConfigError, match="unreadable ServiceNow checkpoint"):
        Checkpoint.parse("42")
