"""The Jira connector's calls, replayed from ../cassettes (recorded against the fake Jira of jira_fake.py).

Polling on Cloud (/search/jql, nextPageToken) and Data Center (/search, startAt/total), assigning,
internal and public comments, the SLA, 429 with and without Retry-After, and 401. Nobody sleeps: the
connector's sleep records the waits it asked for.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.errors import ToolAuthError, ToolConflict
from tests.connectors.jira.integration.jira_cassettes import jira_site

SD, NET = "Service Desk", "Network"
RATE_HEADERS = {"X-RateLimit-Limit": "350", "X-RateLimit-Remaining": "0", "RateLimit-Reason": "jira-burst-based"}


def body(request) -> dict:
    return json.loads(request.body)


def test_cloud_polling_pages_by_next_page_token(request, clock):
    with jira_site(request, clock) as site:
        first = site.fake.create("Printer on fire", assignee="alice")
        jira = site.connector(page_size=2)
        start = jira.changes_since(None)
        clock.advance(minutes=3)
        second = site.fake.create("VPN drops")
        clock.advance(minutes=1)
        site.fake.assign(first, "carol", by="bob")
        site.fake.comment(second, "Still dropping", by="rita")
        third = site.fake.create("New laptop", component=None)
        changes = jira.changes_since(start.checkpoint)

    assert start.events == [] and start.checkpoint.endswith("-0600")  # the site's time, as Jira writes it
    kinds = [(e.ticket.ticket_id, e.kind) for e in changes.events]
    # each read reaches a minute before its checkpoint (Cloud search is eventually consistent), so the
    # first issue's creation is read again: the inbox takes a repeat as a no-op
    assert kinds == [
        (first, ToolEventKind.CREATED),
        (second, ToolEventKind.CREATED),
        (first, ToolEventKind.HOLDER_CHANGED),
        (second, ToolEventKind.COMMENTED),
        (third, ToolEventKind.CREATED),
    ]
    moved = changes.events[2]
    assert (moved.old_holder, moved.new_holder, moved.actor) == (Holder(SD, "alice"), Holder(SD, "carol"), "bob")
    assert changes.events[4].new_holder is None  # no component: no group, so no holder yet
    assert not changes.more and changes.checkpoint > start.checkpoint
    pages = site.queries("/search/jql")
    assert [("nextPageToken" in q) for q in pages] == [False, False, True]
    assert pages[1]["jql"].startswith('project in ("SD") AND updated >= "') and pages[1]["expand"] == "changelog"


def test_data_center_polling_pages_by_start_at_and_reads_user_keys(request, clock):
    with jira_site(request, clock, "datacenter") as site:
        ticket = site.fake.create("Switch port dead", assignee="alice")
        other = site.fake.create("Monitor flickers")
        jira = site.connector(page_size=1)
        start = jira.changes_since(None)
        clock.advance(minutes=2)
        site.fake.assign(ticket, "carol", by="alice")  # carol's user key is JIRAUSER10100, her name carol
        site.fake.move(other, NET, by="bob")
        changes = jira.changes_since(start.checkpoint)

    holders = [
        (e.ticket.ticket_id, e.old_holder, e.new_holder)
        for e in changes.events
        if e.kind is ToolEventKind.HOLDER_CHANGED
    ]
    assert holders == [(ticket, Holder(SD, "alice"), Holder(SD, "carol")), (other, Holder(SD), Holder(NET))]
    assert start.checkpoint.endswith("+0000")
    searches = site.queries("/rest/api/2/search")
    assert [q["startAt"] for q in searches] == ["0", "0", "1"] and site.sent("GET", "/search/jql") == []


def test_a_changelog_longer_than_the_search_embeds_is_read_from_its_pages(request, clock):
    with jira_site(request, clock, embedded_histories=2) as site:
        ticket = site.fake.create("Flapping link")
        jira = site.connector()
        start = jira.changes_since(None)
        for person in ("alice", "bob", "alice", "carol"):
            clock.advance(minutes=2)
            site.fake.assign(ticket, person, by=person)
        changes = jira.changes_since(start.checkpoint)

    moves = [e for e in changes.events if e.kind is ToolEventKind.HOLDER_CHANGED]
    assert [e.new_holder.person for e in moves] == ["alice", "bob", "alice", "carol"]
    assert len(site.sent("GET", f"/issue/{ticket}/changelog")) == 1


def test_assigning_sends_the_account_id_on_cloud(request, clock):
    with jira_site(request, clock) as site:
        ticket = site.fake.create("Password reset", assignee="alice")
        site.connector().set_holder(ticket, Holder(SD, "carol"), expected=Holder(SD, "alice"))

    (put,) = site.sent("PUT", f"/issue/{ticket}/assignee")
    assert body(put) == {"accountId": site.connector().reader.people.jira("carol")}


def test_assigning_sends_the_user_name_on_data_center(request, clock):
    with jira_site(request, clock, "datacenter") as site:
        ticket = site.fake.create("Password reset", assignee="carol")
        jira = site.connector()
        jira.set_holder(ticket, Holder(SD, "alice"), expected=Holder(SD, "carol"))
        assert jira.read_ticket(ticket).holder == Holder(SD, "alice")

    (put,) = site.sent("PUT", f"/issue/{ticket}/assignee")
    assert body(put) == {"name": "alice"}


def test_moving_to_another_group_is_one_edit_of_component_and_assignee(request, clock):
    with jira_site(request, clock) as site:
        ticket = site.fake.create("Switch port dead", assignee="alice")
        jira = site.connector()
        jira.set_holder(ticket, Holder(NET), expected=Holder(SD, "alice"))
        assert jira.read_ticket(ticket).holder == Holder(NET)

    (edit,) = site.sent("PUT", f"/issue/{ticket}")
    assert body(edit) == {
        "update": {"components": [{"remove": {"name": SD}}, {"add": {"name": NET}}]},
        "fields": {"assignee": None},
    }


def test_a_ticket_that_moved_meanwhile_is_a_conflict_and_nothing_is_written(request, clock):
    with jira_site(request, clock) as site:
        ticket = site.fake.create("Password reset", assignee="bob")
        with pytest.raises(ToolConflict, match="held by Service Desk/bob"):
            site.connector().set_holder(ticket, Holder(SD, "carol"), expected=Holder(SD, "alice"))

    assert site.sent("PUT", f"/issue/{ticket}/assignee") == []


def test_an_internal_note_and_a_public_reply_go_through_service_management(request, clock):
    with jira_site(request, clock) as site:
        ticket = site.fake.create("Printer on fire", assignee="alice")
        jira = site.connector()
        jira.add_note(ticket, "Baton put this ticket back with Service Desk/alice.")
        jira.reply(ticket, "Carol from Network has your ticket now.")
        start = "2026-03-02T02:59:00.000-0600"
        comments = [e for e in jira.changes_since(start).events if e.kind is ToolEventKind.COMMENTED]

    posts = site.sent("POST", f"/rest/servicedeskapi/request/{ticket}/comment")
    assert [body(p)["public"] for p in posts] == [False, True]
    assert [(c.actor, c.text) for c in comments] == [
        ("baton", "Baton put this ticket back with Service Desk/alice."),
        ("baton", "Carol from Network has your ticket now."),
    ]


def test_reading_a_ticket_gives_its_sla_due_time(request, clock):
    with jira_site(request, clock) as site:
        ticket = site.fake.create("Laptop will not boot", assignee="carol")
        clock.advance(hours=2)
        read = site.connector().read_ticket(ticket)

    assert read.holder == Holder(SD, "carol")
    assert read.fields["sla_due"] == (clock.now() - timedelta(hours=2) + timedelta(hours=8)).isoformat()
    assert read.fields["key"] == "SD-1" and len(site.sent("GET", f"/request/{ticket}/sla")) == 1


def test_a_429_with_retry_after_waits_as_long_as_jira_asked(request, clock):
    with jira_site(request, clock) as site:
        ticket = site.fake.create("Printer on fire")
        site.fake.fail.append((429, {"Retry-After": "7", **RATE_HEADERS}, None))
        jira = site.connector()
        assert jira.read_ticket(ticket).holder == Holder(SD)

    assert site.waits == [7.0]


def test_a_429_without_retry_after_backs_off_and_a_rate_limited_post_is_repeated(request, clock):
    with jira_site(request, clock) as site:
        ticket = site.fake.create("Printer on fire")
        site.fake.fail.extend([(429, RATE_HEADERS, None)] * 2)
        site.connector().add_note(ticket, "noted")

    assert site.waits == [1.0, 2.0]  # Jira's backoff when it names no time: 1 s, then 2 s
    assert len(site.sent("POST", "/comment")) == 3


def test_a_401_is_an_auth_error_that_is_not_retried_and_shows_no_secret(request, clock):
    with jira_site(request, clock) as site, pytest.raises(ToolAuthError) as raised:
        site.connector(password="revoked-token").check()

    assert "Client must be authenticated to access this resource." in str(raised.value)
    assert "revoked-token" not in str(raised.value) and len(site.cassette.requests) == 1 and site.waits == []


def test_check_names_the_account_and_warns_of_a_time_zone_mismatch(request, clock):
    with jira_site(request, clock) as site:
        line = site.connector(timezone="UTC").check()

    assert "as Baton Agent" in line and "America/Chicago" in line and "options.timezone says UTC" in line


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_observe_reads_holders_by_id_leaves_out_unread_updates_and_says_what_was_deleted(request, clock, flavour):
    with jira_site(request, clock, flavour) as site:
        jira = site.connector()
        kept, deleted, later = (site.fake.create(f"ticket {i}", assignee="alice") for i in range(3))
        start = jira.changes_since(None)
        clock.advance(minutes=1)
        site.fake.assign(kept, "bob", by="alice")
        read = jira.changes_since(start.checkpoint)
        clock.advance(minutes=1)
        site.fake.delete(deleted)
        site.fake.assign(later, "carol", by="alice")  # not read yet: the next poll reads it first
        seen = jira.observe([kept, deleted, later], read.checkpoint)

    assert seen[kept].holder == Holder(SD, "bob") and seen[kept].lost is None
    # "Issue does not exist or you do not have permission to see it.": one answer for both, taken as deleted
    assert seen[deleted].lost == "deleted"
    assert later not in seen
    searches = [q for q in site.queries("/search/jql" if flavour == "cloud" else "/search") if "id in" in q["jql"]]
    assert len(searches) == 1 and searches[0]["jql"].startswith('project in ("SD") AND id in (')
    # the search naming a deleted id is refused whole (400), so each issue is then read by id
    assert len(site.sent("GET", f"/rest/api/2/issue/{kept}")) == 1


def test_set_holder_says_whether_it_wrote_on_jira(request, clock):
    with jira_site(request, clock) as site:
        ticket = site.fake.create("ticket", assignee="alice")
        jira = site.connector()
        wrote = jira.set_holder(ticket, Holder(SD, "bob"), expected=Holder(SD, "alice"))
        again = jira.set_holder(ticket, Holder(SD, "bob"), expected=Holder(SD, "alice"))

    assert (wrote, again) == (True, False)
