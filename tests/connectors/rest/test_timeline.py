"""Holders rebuilt from a batch of changes: the half that did not move comes from the batch, else from now."""

from __future__ import annotations

from datetime import UTC, datetime

from baton_itsm.connectors.rest.timeline import NamedChange, TicketNow, to_events
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind

AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
HOLDER = ToolEventKind.HOLDER_CHANGED


def change(event_id: str, part: str | None, old=None, new=None, kind=HOLDER, ticket="1", actor="bob") -> NamedChange:
    return NamedChange(event_id, ticket, AT, actor, kind, part, old, new)


def holders(changes, now):
    return [(e.old_holder, e.new_holder) for e in to_events("rt", changes, now)]


def test_an_owner_change_takes_the_queue_from_now_when_the_batch_has_no_move():
    assert holders([change("1", "person", "alice", "carol")], {"1": TicketNow("Service Desk", "carol")}) == [
        (Holder("Service Desk", "alice"), Holder("Service Desk", "carol"))
    ]


def test_one_put_of_queue_and_owner_is_one_change_from_the_holder_before_to_the_holder_after():
    """Issue 15 (1): RT records bob's one PUT {Queue: Network, Owner: carol} as two transactions (Owner, then Queue,
    same creator and second). They were two changes, the first to Service Desk/carol, a holder nobody chose."""
    batch = [change("58", "person", "alice", "carol"), change("61", "group", "Service Desk", "Network")]
    events = to_events("rt", batch, {"1": TicketNow("Network", "carol")})
    assert [(e.event_id, e.old_holder, e.new_holder) for e in events] == [
        ("58", Holder("Service Desk", "alice"), Holder("Network", "carol"))
    ]
    # the Queue transaction's id goes with it, so a webhook delivery of it alone is not taken again (mode: both)
    assert events[0].joined_ids == ("61",)


def test_two_writes_of_the_same_field_in_one_second_stay_two_changes():
    batch = [change("1", "person", "alice", "carol"), change("2", "person", "carol", "bob")]
    assert holders(batch, {"1": TicketNow("Service Desk", "bob")}) == [
        (Holder("Service Desk", "alice"), Holder("Service Desk", "carol")),
        (Holder("Service Desk", "carol"), Holder("Service Desk", "bob")),
    ]


def test_changes_by_two_people_in_one_second_stay_two_changes():
    batch = [change("1", "person", "alice", "carol"), change("2", "group", "Service Desk", "Network", actor="erin")]
    assert holders(batch, {"1": TicketNow("Network", "carol")}) == [
        (Holder("Service Desk", "alice"), Holder("Service Desk", "carol")),
        (Holder("Service Desk", "carol"), Holder("Network", "carol")),
    ]


def test_rt_system_unsetting_the_owner_after_a_move_is_two_steps():
    batch = [change("1", "group", "Service Desk", "Network"), change("2", "person", "dave", None, actor="RT_System")]
    assert holders(batch, {"1": TicketNow("Network", None)}) == [
        (Holder("Service Desk", "dave"), Holder("Network", "dave")),
        (Holder("Network", "dave"), Holder("Network")),
    ]


def test_a_creation_holds_what_the_ticket_had_before_its_next_change():
    batch = [change("1", None, kind=ToolEventKind.CREATED), change("2", "person", None, "alice")]
    assert holders(batch, {"1": TicketNow("Service Desk", "bob")})[0] == (None, Holder("Service Desk"))


def test_tickets_do_not_mix_and_order_is_kept():
    batch = [change("1", "person", "a", "b", ticket="7"), change("2", "person", "c", "d", ticket="8")]
    events = to_events("rt", batch, {"7": TicketNow("X", "b", {"status": "open"}), "8": TicketNow("Y", "d")})
    assert [(e.ticket.ticket_id, e.new_holder) for e in events] == [("7", Holder("X", "b")), ("8", Holder("Y", "d"))]
    assert events[0].fields == {"status": "open"}


def test_a_ticket_the_tool_no_longer_shows_gets_no_made_up_holder():
    assert holders([change("1", "person", "a", "b")], {}) == [(None, None)]
