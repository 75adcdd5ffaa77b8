"""Holders rebuilt from a batch of changes: the half that did not move comes from the batch, else from now."""
from __future__ import annotations

from datetime import UTC, datetime

from baton_itsm.connectors.rest.timeline import NamedChange, TicketNow, to_events
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind

AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
HOLDER = ToolEventKind.HOLDER_CHANGED


def change(event_id: str, part: str | None, old=None, new=None, kind=HOLDER, ticket="1") -> NamedChange:
    return NamedChange(event_id, ticket, AT, "bob", kind, part, old, new)


def holders(changes, now):
    return [(e.old_holder, e.new_holder) for e in to_events("rt", changes, now)]


def test_an_owner_change_takes_the_queue_from_now_when_the_batch_has_no_move():
    assert holders([change("1", "person", "alice", "carol")], {"1": TicketNow("Service Desk", "carol")}) == [
        (Holder("Service Desk", "alice"), Holder("Service Desk", "carol"))]


def test_a_later_move_in_the_batch_tells_the_queue_an_earlier_owner_change_had():
    batch = [change("1", "person", "alice", "carol"), change("2", "group", "Service Desk", "Network")]
    assert holders(batch, {"1": TicketNow("Network", "carol")}) == [
        (Holder("Service Desk", "alice"), Holder("Service Desk", "carol")),
        (Holder("Service Desk", "carol"), Holder("Network", "carol"))]


def test_rt_system_unsetting_the_owner_after_a_move_is_two_steps():
    batch = [change("1", "group", "Service Desk", "Network"), change("2", "person", "dave", None)]
    assert holders(batch, {"1": TicketNow("Network", None)}) == [
        (Holder("Service Desk", "dave"), Holder("Network", "dave")),
        (Holder("Network", "dave"), Holder("Network"))]


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
