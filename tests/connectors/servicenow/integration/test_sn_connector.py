"""The ServiceNow connector's calls, replayed from ../cassettes/ (see conftest.py for recording)."""

from __future__ import annotations

import pytest

from baton_itsm.connectors.servicenow.mapping import read_journal
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ToolAuthError, ToolConflict, ToolRefused
from tests.connectors.servicenow.integration.fake_instance import sys_id

SD, NET = "Service Desk", "Network"
INCIDENTS, AUDIT = ("GET", "/api/now/table/incident"), ("GET", "/api/now/table/sys_audit")
GROUPS, USERS = ("GET", "/api/now/table/sys_user_group"), ("GET", "/api/now/table/sys_user")
PATCH = ("PATCH", "/api/now/table/incident/{sys_id}")
RATE_LIMITED = {
    "error": {
        "message": "Rate limit exceeded",  # sn_doc_error_429_rate_limit.json
        "detail": "Rate limit of 100 requests per hour for Table API exceeded",
    },
    "status": "failure",
}


def watching(tool, **options):
    """A connector that has read the table once (so it watches from now on), and its checkpoint."""
    sn = tool.connector(**options)
    return sn, sn.changes_since(None).checkpoint


def pushed(tool, subject: str):
    """alice's ticket, pushed by bob to carol, and a connector that has read the push: (connector, number, push)."""
    number = tool.agent("alice").create(SD, "alice", subject)
    sn, point = watching(tool)
    tool.agent("bob").assign(number, person="carol")
    (push,) = sn.changes_since(point).events
    return sn, number, push


def journal(tool, number: str) -> list:
    """The ticket's journal entries, read by a person with the rights to (Baton itself never reads them)."""
    answer = tool.agent("dana")._call(
        "GET",
        "sys_journal_field",
        params={"sysparm_query": f"element_id={sys_id('incident', number)}^ORDERBYsys_created_on"},
    )
    return [read_journal(row) for row in answer.json()["result"]]


def test_a_poll_reads_page_after_page_with_one_audit_query_per_page(tool):
    alice = tool.agent("alice")
    alice.create(SD, "alice", "there before Baton looked")
    sn, point = watching(tool, page_size=2, pages_per_read=1)
    numbers = [alice.create(SD, "alice", f"ticket {i}") for i in range(5)]
    reads = []
    while True:
        changes = sn.changes_since(point)
        reads.append(changes)
        point = changes.checkpoint
        if not changes.more:
            break

    assert [len(c.events) for c in reads] == [2, 2, 1]
    events = [e for c in reads for e in c.events]
    assert [e.ticket.ticket_id for e in events] == numbers
    assert {(e.kind, e.actor, e.new_holder) for e in events} == {(ToolEventKind.CREATED, "alice", Holder(SD, "alice"))}
    assert events[0].fields["requester"] == "dana@example.com" and events[0].fields["status"] == "new"
    counts = sn.http.counts
    assert counts[INCIDENTS] == 1 + 3 and counts[AUDIT] == 3  # one audit query per page, not per ticket
    assert counts[GROUPS] == 1 and counts[USERS] == 1  # names looked up once, in a batch, then cached
    assert sn.changes_since(point).events == []


def test_who_moved_a_ticket_is_read_from_sys_audit_in_one_batched_query(tool):
    alice, bob = tool.agent("alice"), tool.agent("bob")
    first, second = alice.create(SD, "alice", "VPN"), alice.create(SD, "alice", "Mail")
    sn, point = watching(tool)
    bob.assign(first, NET, None)  # one update, two sys_audit rows: one holder change, not two
    bob.assign(second, person="bob")
    alice.update(first, priority="2")

    events = sn.changes_since(point).events
    seen = [(e.ticket.ticket_id, e.kind, e.actor, e.old_holder, e.new_holder) for e in events]
    assert seen == [
        (first, ToolEventKind.HOLDER_CHANGED, "bob", Holder(SD, "alice"), Holder(NET)),
        (second, ToolEventKind.HOLDER_CHANGED, "bob", Holder(SD, "alice"), Holder(SD, "bob")),
        (first, ToolEventKind.UPDATED, "alice", None, None),
    ]
    assert events[-1].fields["priority"] == "2"
    # ServiceNow's own count (group changes) beside each event, for comparing with Baton's bounce count
    assert [e.fields["reassignment_count"] for e in events] == ["1", "0", "1"]
    assert sn.http.counts[AUDIT] == 1


def test_a_revert_writes_the_holder_back(tool):
    sn, number, push = pushed(tool, "Printer on fire")
    sn.set_holder(number, push.old_holder, expected=push.new_holder)

    assert sn.read_ticket(number).holder == Holder(SD, "alice")
    assert sn.http.counts[PATCH] == 1 and sn.http.counts[AUDIT] == 1  # nothing changed since: no extra check
    sn.set_holder(number, Holder(SD, "alice"), expected=Holder(SD, "carol"))  # a repeat: already so
    assert sn.http.counts[PATCH] == 1


def test_a_revert_never_overwrites_a_newer_holder(tool):
    sn, number, _ = pushed(tool, "Badge")
    tool.agent("dana").assign(number, NET, "carol")  # newer than what Baton decided on

    with pytest.raises(ToolConflict, match="held by Network/carol now"):
        sn.set_holder(number, Holder(SD, "alice"), expected=Holder(SD, "carol"))
    assert sn.http.counts[PATCH] == 0


def test_a_revert_never_overwrites_a_newer_change_that_came_back_to_the_same_holder(tool):
    sn, number, _ = pushed(tool, "Dock")
    bob = tool.agent("bob")
    bob.assign(number, person="bob")
    bob.assign(number, person="carol")  # the holder Baton expects, but set again after Baton read it

    with pytest.raises(ToolConflict, match="bob changed its assigned_to"):
        sn.set_holder(number, Holder(SD, "alice"), expected=Holder(SD, "carol"))
    assert sn.http.counts[PATCH] == 0


def test_a_revert_never_overwrites_a_newer_change_made_in_the_second_baton_read(tool):
    tool.recording(lambda server: setattr(server.instance, "seconds_per_write", 0))
    sn, number, _ = pushed(tool, "Dock")  # (the push, Baton's read and what follows share one second)
    bob = tool.agent("bob")
    bob.assign(number, person="bob")
    bob.assign(number, person="carol")

    with pytest.raises(ToolConflict, match="bob changed its assigned_to"):
        sn.set_holder(number, Holder(SD, "alice"), expected=Holder(SD, "carol"))
    assert sn.http.counts[PATCH] == 0


def test_a_newer_change_of_something_else_does_not_stop_a_revert(tool):
    sn, number, _ = pushed(tool, "Screen")
    tool.agent("alice").update(number, priority="2")

    sn.set_holder(number, Holder(SD, "alice"), expected=Holder(SD, "carol"))
    assert sn.read_ticket(number).holder == Holder(SD, "alice")
    assert sn.http.counts[AUDIT] == 2  # the poll's, and the check that the newer change was no holder change


def test_a_reply_is_a_comment_the_requester_sees(tool):
    number = tool.agent("alice").create(SD, "alice", "Password reset")
    sn = tool.connector()
    sn.reply(number, "carol has your ticket now")
    (entry,) = journal(tool, number)
    assert (entry.element, entry.internal, entry.value, entry.by) == (
        "comments",
        False,
        "carol has your ticket now",
        "baton",
    )


def test_a_note_is_a_work_note_even_when_the_instance_answers_an_empty_200(tool):
    number = tool.agent("alice").create(SD, "alice", "Keyboard")
    sn = tool.connector()
    tool.recording(lambda server: setattr(server, "empty_patch_answers", True))
    sn.add_note(number, "Baton put this ticket back with Service Desk/alice")
    (entry,) = journal(tool, number)
    assert (entry.element, entry.internal, entry.by) == ("work_notes", True, "baton")


def test_a_rate_limited_call_waits_as_long_as_servicenow_asked_then_succeeds(tool):
    tool.agent("alice").create(SD, "alice", "Mouse")
    sn = tool.connector()
    waits = []
    sn.http.sleep = waits.append
    tool.recording(
        lambda server: server.queue(
            429,
            RATE_LIMITED,
            {
                "Retry-After": "3",
                "X-RateLimit-Limit": "100",
                "X-RateLimit-Reset": "1772442000",
                "X-RateLimit-Rule": sys_id("rule", "table-api"),
            },
        )
    )

    assert sn.changes_since(None).checkpoint is not None
    assert waits == [3.0] and sn.http.counts[INCIDENTS] == 2


def test_expired_credentials_fail_at_once_without_showing_the_password(tool):
    sn = tool.connector()
    tool.recording(lambda server: server.instance.passwords.update(baton="rotated-by-the-admin"))
    with pytest.raises(ToolAuthError) as raised:
        sn.changes_since(None)
    assert "User is not authenticated (Required to provide Auth information)" in str(raised.value)
    assert "baton-pw" not in str(raised.value) and sn.http.total_requests == 1  # not retried


def test_check_says_when_baton_may_not_read_sys_audit(tool):
    sn = tool.connector()
    assert sn.check().endswith(" as baton, reading incident")
    tool.recording(lambda server: server.instance.forbidden.add("sys_audit"))
    with pytest.raises(ToolRefused, match=r"sys_audit: not allowed .*Insufficient rights"):
        sn.check()


def test_updates_in_one_second_are_one_holder_change_each_in_the_order_servicenow_made_them(tool):
    number = tool.agent("alice").create(SD, "alice", "Projector")
    sn, point = watching(tool)
    tool.recording(lambda server: setattr(server.instance, "seconds_per_write", 0))
    tool.agent("bob").assign(number, NET, "carol")  # one update of both fields...
    tool.agent("dana").assign(number, SD, "alice")  # ...put back whole by a manager in the same second...
    tool.agent("carol").assign(number, person="carol")  # ...and taken by carol, still in that second

    events = sn.changes_since(point).events
    seen = [(e.kind, e.actor, e.old_holder, e.new_holder) for e in events]
    assert seen == [
        (ToolEventKind.HOLDER_CHANGED, "bob", Holder(SD, "alice"), Holder(NET, "carol")),
        (ToolEventKind.HOLDER_CHANGED, "dana", Holder(NET, "carol"), Holder(SD, "alice")),
        (ToolEventKind.HOLDER_CHANGED, "carol", Holder(SD, "alice"), Holder(SD, "carol")),
    ]
    incident = sys_id("incident", number)
    assert [e.event_id for e in events] == [f"{incident}#1", f"{incident}#2", f"{incident}#3"]  # stable, distinct
    assert sn.changes_since(point).events == events  # read again: the same events, the same ids


def test_observe_reads_holders_now_and_says_which_tickets_are_gone(tool):
    dana = tool.agent("dana")
    tool.recording(lambda server: server.instance.add_group("Restricted"))
    tool.recording(lambda server: server.instance.hidden_groups.setdefault("baton", set()).add("Restricted"))
    dana.create(SD, "alice", "there before Baton looked")
    sn, point = watching(tool)
    kept, deleted, restricted, later = (dana.create(SD, "alice", f"ticket {i}") for i in range(4))
    dana.assign(kept, person="bob")
    point = sn.changes_since(point).checkpoint  # Baton has read bob's change
    dana.delete(deleted)
    dana.assign(restricted, group="Restricted")  # a read ACL hides the group's incidents from Baton's account
    dana.assign(later, person="carol")  # not read yet: the next poll reads it first

    seen = sn.observe([kept, deleted, restricted, later], point)

    assert seen[kept].holder == Holder(SD, "bob") and seen[kept].lost is None
    # ServiceNow answers a deleted record and one an ACL hides alike (404, "Record doesn't exist or ACL restricts
    # the record retrieval"): both are lost to Baton as deleted
    assert seen[deleted].lost == "deleted" and seen[restricted].lost == "deleted"
    assert later not in seen
    assert sn.http.counts[INCIDENTS] == 3, "the start, one poll, and one query for all the tickets observed"
    assert sn.http.counts[("GET", "/api/now/table/incident/{sys_id}")] == 2, "a read for each it did not return"


def test_set_holder_says_whether_it_wrote(tool):
    number = tool.agent("alice").create(SD, "alice", "printer")
    sn, _ = watching(tool)
    assert sn.set_holder(number, Holder(SD, "bob"), expected=Holder(SD, "alice")) is True
    assert sn.set_holder(number, Holder(SD, "bob"), expected=Holder(SD, "alice")) is False  # already so
