"""Every RT 5 document we hold, captured or documented, read through the request-tracker5 profile."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from baton_itsm.connectors.rest.mapping import classify, dig, parse_time, read_change, read_ticket, unaccepted_messages
from baton_itsm.core.domain.tool_events import ToolEventKind
from tests.connectors.rest.rt5 import CAPTURED, PROFILE, captured, reference_dir

ACCEPTED = PROFILE.writes.set_holder.accepted_messages


def test_every_captured_document_has_a_test_here():
    tested = {
        "queue_get.json",
        "ticket_get.json",
        "ticket_put_owner_accepted.json",
        "ticket_put_owner_refused.json",
        "transactions_owner_search.json",
        "transactions_queue_search.json",
        "user_get.json",
        "tickets_search_requestor_realname.json",
        "transactions_comment_correspond.json",
        "transaction_attachments_correspond.json",
    }
    assert {p.name for p in CAPTURED.glob("*.json")} == tested


def test_owner_search_page_is_an_owner_change_in_user_ids():
    page = captured("transactions_owner_search.json")
    assert page["total"] is None and page["pages"] is None  # why paging stops on a short page instead
    (item,) = dig(page, PROFILE.paging.items)
    change = read_change(item, PROFILE.changes.item)
    assert (change.event_id, change.ticket_id, change.actor) == ("57", "1", "root")
    assert (change.old, change.new) == ("6", "28")  # Nobody -> alice, as ids: named through `users`
    assert change.at == datetime(2026, 11, 23, 4, 33, 16, tzinfo=UTC)
    rule = classify(change, PROFILE.changes.kinds)
    assert rule.kind is ToolEventKind.HOLDER_CHANGED and rule.part == "person"
    assert PROFILE.changes.values["person"] == "users"


def test_queue_search_page_is_a_group_change_in_queue_ids():
    (item,) = captured("transactions_queue_search.json")["items"]
    change = read_change(item, PROFILE.changes.item)
    assert (change.old, change.new, change.actor) == ("3", "4", "baton")
    rule = classify(change, PROFILE.changes.kinds)
    assert rule.part == "group" and PROFILE.changes.values["group"] == "queues"


def test_ticket_names_its_owner_and_numbers_its_queue():
    raw = read_ticket(captured("ticket_get.json"), PROFILE.ticket)
    assert (raw.ticket_id, raw.group, raw.person) == ("1", "4", "carol")
    assert PROFILE.ticket.group_lookup == "queues"
    assert raw.fields == {
        "subject": "Printer on fire",
        "status": "open",
        "priority": "0",
        "requester": "customer@example.test",
    }


def test_a_ticket_search_gives_the_requesters_real_name():
    assert PROFILE.ticket.search.params["fields[Requestor]"] == "RealName,EmailAddress"
    (item,) = captured("tickets_search_requestor_realname.json")["items"]
    raw = read_ticket(item, PROFILE.ticket)
    assert (raw.fields["requester"], raw.fields["requester_name"]) == ("jo.bloggs@example.test", "Jo Bloggs")


def test_a_reply_is_a_public_comment_and_an_internal_comment_is_not():
    kinds = []
    for item in captured("transactions_comment_correspond.json")["items"]:
        change = read_change(item, PROFILE.changes.item)
        rule = classify(change, PROFILE.changes.kinds)
        kinds.append((change.type, change.actor, rule.kind, rule.public))
    assert kinds == [
        ("Correspond", "alice", ToolEventKind.COMMENTED, True),
        ("Comment", "alice", ToolEventKind.COMMENTED, False),
    ]
    assert "Type = 'Correspond'" in PROFILE.changes.params["query"]


def test_a_replys_text_is_read_like_a_comments():
    spec = PROFILE.changes.comment_text
    (part,) = dig(captured("transaction_attachments_correspond.json"), spec.items)
    assert (dig(part, spec.content_type), dig(part, spec.content)) == (
        "text/plain",
        "Unplug it, the fuse blew; replaced the fuse.",
    )


def test_user_and_queue_records_give_names():
    assert dig(captured("user_get.json"), PROFILE.lookups["users"].name) == "carol"
    assert dig(captured("queue_get.json"), PROFILE.lookups["queues"].name) == "Network"


def test_an_accepted_owner_change_is_all_accepted_messages():
    assert unaccepted_messages(captured("ticket_put_owner_accepted.json"), ACCEPTED) == []


def test_a_refused_owner_change_answers_200_and_is_caught_by_its_message():
    assert unaccepted_messages(captured("ticket_put_owner_refused.json"), ACCEPTED) == [
        "Ticket 1: That user may not own tickets in that queue"
    ]


@pytest.mark.parametrize(
    "message",
    [
        "Ticket 1: That user does not exist",
        "Ticket 1: You can only reassign tickets that you own or that are unowned",
        "Ticket 1: Permission Denied",
    ],
)
def test_other_refusals_seen_on_rt_are_caught(message):
    assert unaccepted_messages([message], ACCEPTED) == [message]


def test_queue_moves_and_releases_are_accepted():
    answer = ["Ticket 1: Owner changed from alice to Nobody", "Ticket 1: Queue changed from Service Desk to Network"]
    assert unaccepted_messages(answer, ACCEPTED) == []


# --- the reference payloads (tests/connectors/rest/reference) ---------------------------------------


def test_every_reference_document_is_read_here():
    names = {
        p.name
        for p in reference_dir().iterdir()
        if not p.name.endswith(".source.txt") and p.name not in ("PROVENANCE.md", "README.txt")
    }
    assert names == {"rt5_doc_rest2_tickets_search_item_with_fields.json", "rt5_rest2_api_facts.txt"}


def test_documented_tickets_search_item_reads_as_a_ticket():
    page = json.loads((reference_dir() / "rt5_doc_rest2_tickets_search_item_with_fields.json").read_text())
    (item,) = dig(page, PROFILE.paging.items)
    raw = read_ticket(item, PROFILE.ticket)
    assert (raw.ticket_id, raw.group, raw.person) == ("2", "1", "root")
    assert raw.fields == {"subject": "Sample Ticket", "status": "resolved", "requester": "root"}
    # The doc's "2018-06-29:10:25Z" is not what RT emits (see its .source.txt); it still reads as 10:25 UTC.
    assert parse_time(item["Created"]) == datetime(2018, 6, 29, 10, 25, tzinfo=UTC)


def test_the_documented_facts_are_what_the_profile_says():
    facts = (reference_dir() / "rt5_rest2_api_facts.txt").read_text()
    assert "max 100" in facts and PROFILE.paging.size <= 100
    assert "pages start at 1" in facts and PROFILE.paging.first_page == 1
    assert '"total" and "pages" are null' in facts  # so the connector pages on until a short page
    assert "wrong ETag -> 412" in facts and PROFILE.writes.set_holder.if_match
    assert PROFILE.ticket.version_header == "ETag"
    assert '"Authorization: token <RT auth token>"' in facts
    assert PROFILE.request.token_header.format(token="T") == "token T"
    assert "YYYY-MM-DDTHH:MM:SSZ" in facts and parse_time("2018-06-29T10:25:00Z").hour == 10
    assert 'Field\n  (e.g. "Queue", "Owner")' in facts
    assert {(r.type, r.field) for r in PROFILE.changes.kinds} >= {("Set", "Owner"), ("Set", "Queue"), ("Create", None)}
