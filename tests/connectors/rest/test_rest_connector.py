"""The REST connector with the RT 5 profile, on a mocked transport shaped like the captured answers."""

from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ToolConflict, ToolRefused
from tests.connectors.rest.rt5 import BASE, captured, connector

USERS = {"6": "Nobody", "28": "alice", "30": "bob", "32": "carol"}
QUEUES = {"3": "Service Desk", "4": "Network"}


def txn(id_: int, ticket: int, type_: str, field: str = "", old: str = "", new: str = "", by: str = "bob") -> dict:
    return {
        "id": str(id_),
        "ObjectId": str(ticket),
        "ObjectType": "RT::Ticket",
        "Type": type_,
        "Field": field,
        "OldValue": old,
        "NewValue": new,
        "Created": "2026-11-23T05:00:00Z",
        "Creator": {"id": by, "type": "user", "_url": f"{BASE}/user/{by}"},
    }


def ticket_item(id_: int, queue: str, owner: str, status: str = "open") -> dict:
    return {
        "id": str(id_),
        "Queue": {"id": queue, "type": "queue"},
        "Owner": {"id": owner, "type": "user"},
        "Subject": f"ticket {id_}",
        "Status": status,
        "Priority": "0",
        "Requestor": [{"id": "c@example.test"}],
    }


def page(items: list, size: int = 100) -> dict:
    return {"count": len(items), "page": 1, "pages": None, "per_page": size, "total": None, "items": items}


def mock_names(rsps) -> None:
    for uid, name in USERS.items():
        rsps.get(f"{BASE}/user/{uid}", json={"Name": name})
    for qid, name in QUEUES.items():
        rsps.get(f"{BASE}/queue/{qid}", json={"Name": name, "id": int(qid)})


def serve_captured_ticket() -> None:
    """Ticket 1 as RT answered it (Network/carol, ETag "68"), and its queue's record."""
    responses.get(f"{BASE}/ticket/1", json=captured("ticket_get.json"), headers={"ETag": '"68"'})
    responses.get(f"{BASE}/queue/4", json=captured("queue_get.json"))


def newest_page(number: int, items: list[dict]):
    return responses.get(
        f"{BASE}/transactions",
        json=page(items, number),
        match=[
            matchers.query_param_matcher(
                {
                    "query": "id > 0",
                    "orderby": "id",
                    "order": "DESC",
                    "fields": "Type",
                    "per_page": "100",
                    "page": str(number),
                }
            )
        ],
    )


@responses.activate
def test_a_first_read_starts_at_the_newest_change():
    newest_page(1, [{"id": "80"}, {"id": "79"}])
    changes = connector().changes_since(None)
    assert (changes.events, changes.checkpoint, changes.more) == ([], "80", False)


@responses.activate
def test_a_first_read_whose_newest_changes_are_hidden_from_baton_starts_at_the_newest_it_sees_not_at_zero():
    """Issue 15 (2): RT drops from a page what Baton's account may not see; an empty first page of the newest
    changes made a fresh ledger start from transaction 0 and replay the desk's past."""
    newest_page(1, [])
    newest_page(2, [{"id": "57"}, {"id": "55"}])
    changes = connector().changes_since(None)
    assert (changes.events, changes.checkpoint) == ([], "57")


@responses.activate
def test_a_first_read_that_sees_no_change_at_all_keeps_no_checkpoint_rather_than_start_from_the_beginning():
    for number in range(1, 21):
        newest_page(number, [])
    changes = connector().changes_since(None)
    assert (changes.events, changes.checkpoint) == ([], None)


@responses.activate
def test_changes_become_events_with_whole_holders_in_one_search_each():
    mock_names(responses)
    responses.get(
        f"{BASE}/transactions",
        json=page(
            [
                txn(70, 1, "Create", by="root"),
                txn(72, 1, "Set", "Owner", "6", "28", by="root"),
                txn(75, 2, "Set", "Owner", "28", "32", by="alice"),  # ticket 2's queue: from its move below
                txn(76, 2, "Set", "Queue", "3", "4", by="bob"),
                txn(77, 1, "Status", "Status", "new", "resolved", by="alice"),
            ]
        ),
    )
    responses.get(
        f"{BASE}/tickets", json=page([ticket_item(1, "3", "alice", "resolved"), ticket_item(2, "4", "carol")])
    )
    rt = connector()
    changes = rt.changes_since("60")
    assert changes.checkpoint == "77" and not changes.more
    seen = [(e.event_id, e.kind, e.actor, e.old_holder, e.new_holder) for e in changes.events]
    assert seen == [
        ("70", ToolEventKind.CREATED, "root", None, Holder("Service Desk")),
        ("72", ToolEventKind.HOLDER_CHANGED, "root", Holder("Service Desk"), Holder("Service Desk", "alice")),
        ("75", ToolEventKind.HOLDER_CHANGED, "alice", Holder("Service Desk", "alice"), Holder("Service Desk", "carol")),
        ("76", ToolEventKind.HOLDER_CHANGED, "bob", Holder("Service Desk", "carol"), Holder("Network", "carol")),
        ("77", ToolEventKind.RESOLVED, "alice", None, None),
    ]
    assert changes.events[0].fields["status"] == "resolved"
    query = responses.calls[0].request.params["query"]
    assert query.startswith("id > 60 AND ObjectType = 'RT::Ticket'")
    tickets_query = next(c.request.params["query"] for c in responses.calls if "/tickets" in c.request.url)
    assert tickets_query == "id = 1 OR id = 2"
    # one search for the changes, one for the tickets, one lookup per distinct id (cached from now on)
    assert rt.http.counts[("GET", "/transactions")] == 1 and rt.http.counts[("GET", "/tickets")] == 1
    assert rt.http.counts[("GET", "/user/{id}")] == 3 and rt.http.counts[("GET", "/queue/{id}")] == 2


@responses.activate
def test_pages_run_until_a_short_page_because_rt_hides_the_total():
    mock_names(responses)
    full = [txn(100 + i, 1, "Set", "Owner", "28", "32") for i in range(100)]
    responses.get(
        f"{BASE}/transactions", json=page(full), match=[matchers.query_param_matcher({"page": "1"}, strict_match=False)]
    )
    responses.get(
        f"{BASE}/transactions", json=page([]), match=[matchers.query_param_matcher({"page": "2"}, strict_match=False)]
    )
    responses.get(f"{BASE}/tickets", json=page([ticket_item(1, "3", "carol")]))
    changes = connector().changes_since("99")
    assert len(changes.events) == 100 and changes.checkpoint == "199"


@responses.activate
def test_a_big_backlog_is_read_in_budgets_with_more_to_come():
    mock_names(responses)
    rt = connector()
    rt.profile = rt.profile.model_copy(update={"changes": rt.profile.changes.model_copy(update={"max_pages": 1})})
    responses.get(f"{BASE}/transactions", json=page([txn(100 + i, 1, "Set", "Owner", "28", "32") for i in range(100)]))
    responses.get(f"{BASE}/tickets", json=page([ticket_item(1, "3", "carol")]))
    changes = rt.changes_since("99")
    assert changes.more and changes.checkpoint == "199"


@responses.activate
def test_changes_nobody_watches_cost_no_ticket_read():
    responses.get(f"{BASE}/transactions", json=page([txn(90, 1, "SetWatcher", "Owner", "28", "32")]))
    changes = connector().changes_since("89")
    assert changes.events == [] and changes.checkpoint == "90" and len(responses.calls) == 1


@responses.activate
def test_set_holder_sends_if_match_and_only_what_changes():
    serve_captured_ticket()
    responses.put(
        f"{BASE}/ticket/1",
        json=["Ticket 1: Owner changed from carol to alice"],
        match=[matchers.header_matcher({"If-Match": '"68"', "Content-Type": "application/json"})],
    )
    connector().set_holder("1", Holder("Network", "alice"), expected=Holder("Network", "carol"))
    assert json.loads(responses.calls[-1].request.body) == {"Owner": "alice"}


@responses.activate
def test_set_holder_to_the_group_queue_names_nobody():
    serve_captured_ticket()
    responses.put(
        f"{BASE}/ticket/1",
        json=["Ticket 1: Owner changed from carol to Nobody", "Ticket 1: Queue changed from Network to Service Desk"],
    )
    connector().set_holder("1", Holder("Service Desk"))
    assert json.loads(responses.calls[-1].request.body) == {"Queue": "Service Desk", "Owner": "Nobody"}


@responses.activate
def test_a_stale_etag_is_a_conflict():
    serve_captured_ticket()
    responses.put(f"{BASE}/ticket/1", status=412, json={"message": "Precondition Failed"})
    with pytest.raises(ToolConflict, match="Precondition Failed"):
        connector().set_holder("1", Holder("Network", "alice"))


@responses.activate
def test_a_holder_other_than_expected_is_a_conflict_without_a_write():
    serve_captured_ticket()
    with pytest.raises(ToolConflict, match="held by Network/carol now, not Network/bob"):
        connector().set_holder("1", Holder("Service Desk", "alice"), expected=Holder("Network", "bob"))
    assert all(c.request.method == "GET" for c in responses.calls)


@responses.activate
def test_a_refusal_answered_with_200_is_raised():
    serve_captured_ticket()
    responses.put(f"{BASE}/ticket/1", json=captured("ticket_put_owner_refused.json"))
    with pytest.raises(ToolRefused, match="That user may not own tickets in that queue"):
        connector().set_holder("1", Holder("Network", "dave"))


@responses.activate
def test_setting_the_holder_it_has_writes_nothing():
    serve_captured_ticket()
    connector().set_holder("1", Holder("Network", "carol"), expected=Holder("Service Desk", "alice"))
    assert [c.request.method for c in responses.calls] == ["GET", "GET"]


@responses.activate
def test_notes_are_comments_and_replies_are_correspondence():
    responses.post(f"{BASE}/ticket/1/comment", status=201, json=["Comments added"])
    responses.post(f"{BASE}/ticket/1/correspond", status=201, json=["Correspondence added"])
    rt = connector()
    rt.add_note("1", "Baton put this ticket back")
    rt.reply("1", "Carol has your ticket now")
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert bodies == [
        {"Content": "Baton put this ticket back", "ContentType": "text/plain"},
        {"Content": "Carol has your ticket now", "ContentType": "text/plain"},
    ]


@responses.activate
def test_check_reads_batons_own_user():
    responses.get(f"{BASE}/user/baton", json={"Name": "baton"})
    assert connector().check() == f"reachable at {BASE} as baton"


@responses.activate
def test_a_full_page_of_tickets_asked_by_id_needs_no_second_page():
    mock_names(responses)
    first = matchers.query_param_matcher({"page": "1"}, strict_match=False)
    second = matchers.query_param_matcher({"page": "2"}, strict_match=False)
    changes = [txn(100 + i, i, "Set", "Owner", "6", "28") for i in range(1, 51)]
    responses.get(f"{BASE}/transactions", json=page(changes, size=50), match=[first])
    responses.get(f"{BASE}/transactions", json=page([], size=50), match=[second])
    responses.get(f"{BASE}/tickets", json=page([ticket_item(i, "3", "alice") for i in range(1, 51)], size=50))
    rt = connector()
    rt.profile = rt.profile.model_copy(update={"paging": rt.profile.paging.model_copy(update={"size": 50})})
    assert len(rt.changes_since("100").events) == 50
    assert rt.http.counts[("GET", "/transactions")] == 2 and rt.http.counts[("GET", "/tickets")] == 1


@responses.activate
def test_a_reply_and_a_comment_come_with_their_text_and_only_the_reply_is_public():
    """RT's Correspond (the requester reads it) and Comment (internal), as RT 5 listed them; the ticket search
    names the requester (`fields[Requestor]`)."""
    responses.get(f"{BASE}/transactions", json=captured("transactions_comment_correspond.json"))
    responses.get(f"{BASE}/transaction/57/attachments", json=captured("transaction_attachments_correspond.json"))
    responses.get(
        f"{BASE}/transaction/60/attachments", json=page([{"ContentType": "text/plain", "Content": "/baton accept"}], 20)
    )
    responses.get(
        f"{BASE}/tickets",
        json=captured("tickets_search_requestor_realname.json"),
        match=[matchers.query_param_matcher({"fields[Requestor]": "RealName,EmailAddress"}, strict_match=False)],
    )
    responses.get(f"{BASE}/queue/3", json={"Name": "Service Desk", "id": 3})
    events = connector().changes_since("56").events
    assert [(e.event_id, e.kind, e.actor, e.text, e.fields.get("comment_visibility")) for e in events] == [
        ("57", ToolEventKind.COMMENTED, "alice", "Unplug it, the fuse blew; replaced the fuse.", "public"),
        ("60", ToolEventKind.COMMENTED, "alice", "/baton accept", None),
    ]
    assert events[0].fields["requester_name"] == "Jo Bloggs"


def _transactions(params: dict, items: list) -> None:
    responses.get(
        f"{BASE}/transactions", json=page(items), match=[matchers.query_param_matcher(params, strict_match=False)]
    )


@responses.activate
def test_a_page_of_changes_all_hidden_from_baton_is_read_past_when_visible_ones_follow():
    """RT drops from a page what Baton's account may not see: 100 hidden changes after the checkpoint came back as
    an empty first page, so the checkpoint never moved past them and every later change went unread."""
    mock_names(responses)
    _transactions({"order": "ASC", "page": "1"}, [])
    _transactions({"order": "DESC"}, [txn(300, 9, "Set", "Owner", "28", "30", by="alice")])  # the newest: visible
    _transactions({"order": "ASC", "page": "2"}, [txn(300, 9, "Set", "Owner", "28", "30", by="alice")])
    responses.get(f"{BASE}/tickets", json=page([ticket_item(9, "3", "bob")]))
    changes = connector().changes_since("150")
    assert changes.checkpoint == "300" and [e.event_id for e in changes.events] == ["300"]


@responses.activate
def test_an_idle_read_costs_two_requests_and_keeps_the_checkpoint():
    _transactions({"order": "ASC", "page": "1"}, [])
    _transactions({"order": "DESC"}, [])
    changes = connector().changes_since("150")
    assert (changes.events, changes.checkpoint) == ([], "150") and len(responses.calls) == 2
