"""Notices become real emails on a real SMTP server: recipients, headers, parts, coalescing, outages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from baton_itsm.core.domain.commands import AcceptHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.notify.tokens import AUDIT, ESCALATION_REVIEW, REVIEW, LinkSigner
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.usecases.dispatcher import OutboxItem

REQUESTER = "rita@example.org"


def open_ticket(desk, holder="Service Desk/alice"):
    desk.tool(
        ToolEventKind.CREATED,
        "alice",
        holder,
        subject="Printer on fire",
        requester=REQUESTER,
        url="https://desk.example.com/t/42",
    )


def request_network(desk):
    desk.app.handoffs.execute(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="switch port dead",
            summary="re-patched the cable",
        )
    )


def outbox_rows(desk, channel=None):
    with desk.app.store.engine.connect() as connection:
        query = select(outbox.c.channel, outbox.c.status, outbox.c.idempotency_key, outbox.c.payload)
        rows = connection.execute(query).all()
    return [r for r in rows if channel is None or r.channel == channel]


def test_a_queue_request_mails_every_member_with_threading_headers_and_both_parts(make_desk, mail_server, database_url):
    desk = make_desk(database_url=database_url)
    open_ticket(desk)
    mail_server.received.clear()
    request_network(desk)
    desk.drain()

    to_network = [r for r in mail_server.received if "Please accept" in r.message["Subject"]]
    assert sorted(r.envelope_to[0] for r in to_network) == ["carol@example.com", "frank@example.com"]
    carol = mail_server.to("carol@example.com")[0].message
    assert carol["To"] == "Carol Agent <carol@example.com>"
    assert carol["From"] == "Baton <baton@desk.example.com>"
    assert carol["Subject"] == "[local:42] Please accept: Printer on fire"
    assert carol["Auto-Submitted"] == "auto-generated"
    assert re.fullmatch(r"<baton\.[0-9a-f]{32}@desk\.example\.com>", carol["Message-ID"])
    thread = carol["References"]
    assert carol["In-Reply-To"] == thread and thread.startswith("<baton.ticket.")
    assert carol["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"
    assert carol.get_content_type() == "multipart/alternative"

    received = mail_server.to("carol@example.com")[0]
    text, html = received.part("plain"), received.part("html")
    for part in (text, html):
        assert "switch port dead" in part and "re-patched the cable" in part and "Alice Agent" in part
    assert "/handoff/accept?t=v1." in text and "/handoff/decline?t=v1." in text
    assert 'href="http://127.0.0.1:8000/handoff/accept?t=v1.' in html
    # each member's links are their own: bound to the receiver
    frank_text = mail_server.to("frank@example.com")[0].part("plain")
    assert _accept_link(text) != _accept_link(frank_text)
    # every message about the ticket is in one thread, each with its own id
    assert {r.message["References"] for r in mail_server.received} == {thread}
    assert len({r.message["Message-ID"] for r in mail_server.received}) == len(mail_server.received)


def _accept_link(text: str) -> str:
    return re.search(r"Accept: (\S+)", text).group(1)


def test_a_burst_of_three_changes_reaches_the_requester_as_one_email(make_desk, mail_server, clock, database_url):
    desk = make_desk(model="desk", database_url=database_url)
    open_ticket(desk, holder="Service Desk")  # first assignment: the queue
    clock.advance(seconds=20)
    desk.tool(ToolEventKind.HOLDER_CHANGED, "alice", "Service Desk/alice")  # alice pulls it
    clock.advance(seconds=20)
    desk.tool(ToolEventKind.HOLDER_CHANGED, "dana", "Network/carol")  # the manager moves it on
    desk.drain()
    assert mail_server.to(REQUESTER) == []  # the window is still open

    clock.advance(seconds=120)
    desk.drain()
    clock.advance(hours=1)
    desk.drain()

    [update] = mail_server.to(REQUESTER)
    text, html = update.part("plain"), update.part("html")
    assert update.message["Subject"] == "[local:42] Your request has been assigned: Printer on fire"
    assert "\r\nTeam: Network\r\nPerson working on it: Carol Agent\r\n" in text
    # under `desk` the desk agent who took the call stays the owner while Network works it
    assert "Alice Agent still owns your ticket and stays your contact, while Carol Agent of Network works on it" in text
    assert "It moved 3 times" in text and "It moved 3 times" in html
    assert "When to expect news: by Mon 2 Mar 2026, 13:00 UTC" in text
    assert "https://desk.example.com/t/42" in text
    assert update.message["Auto-Submitted"] == "auto-generated"


def requester_subjects_after_two_changes_far_apart(desk, mail_server, clock) -> list[str]:
    open_ticket(desk)
    clock.advance(seconds=121)  # one window and a second: the first change is its own message
    desk.drain()
    desk.tool(ToolEventKind.HOLDER_CHANGED, "bob", "Service Desk/bob")
    clock.advance(seconds=121)
    desk.drain()
    return [r.message["Subject"] for r in mail_server.to(REQUESTER)]


def test_changes_further_apart_than_the_window_are_separate_emails(make_desk, mail_server, clock):
    assert requester_subjects_after_two_changes_far_apart(make_desk(), mail_server, clock) == [
        "[local:42] Your request has been assigned: Printer on fire",
        "[local:42] Your request is now with Bob Agent of Service Desk: Printer on fire",
    ]


def test_first_assignment_only_tells_the_requester_once(make_desk, mail_server, clock):
    desk = make_desk(extra="  first_assignment_only: true")
    assert requester_subjects_after_two_changes_far_apart(desk, mail_server, clock) == [
        "[local:42] Your request has been assigned: Printer on fire"
    ]


def test_smtp_down_for_a_while_then_every_message_arrives_exactly_once(make_desk, mail_server, clock, database_url):
    desk = make_desk(database_url=database_url)
    mail_server.stop()  # connections are refused from now on
    open_ticket(desk)
    request_network(desk)
    clock.advance(seconds=121)
    for _ in range(6):  # twenty minutes of outage, the dispatcher retrying with backoff
        desk.drain()
        clock.advance(minutes=4)
    waiting = outbox_rows(desk, "email")
    assert len(waiting) == 3 and {r.status for r in waiting} == {"pending"}
    assert mail_server.received == []

    mail_server.start()
    clock.advance(minutes=16)  # past the longest backoff so far
    desk.drain()
    clock.advance(hours=1)
    desk.drain()

    ids = [r.message["Message-ID"] for r in mail_server.received]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert sorted(r.envelope_to[0] for r in mail_server.received) == [
        "carol@example.com",
        "frank@example.com",
        REQUESTER,
    ]
    assert {r.status for r in outbox_rows(desk)} == {"sent"}
    # the Message-ID is the row's idempotency key: one row, one message
    assert sorted(r.idempotency_key for r in outbox_rows(desk, "email")) == sorted(ids)


def test_a_notice_routed_twice_after_a_crash_is_mailed_once(make_desk, mail_server):
    desk = make_desk()
    open_ticket(desk)
    mail_server.received.clear()
    request_network(desk)
    [row] = [r for r in outbox_rows(desk, "notify") if r.payload["template"] == "handoff-request"]
    item = OutboxItem(1, row.idempotency_key, row.channel, row.payload, attempts=0)
    route = desk.dispatcher.handlers["notify"]
    route(item)  # the router queued the emails, then the process died before marking the notice sent
    desk.drain()  # the notice is routed again
    assert sorted(r.envelope_to[0] for r in mail_server.received) == ["carol@example.com", "frank@example.com"]


def test_a_requester_served_by_ticket_reply_gets_a_reply_queued_for_the_connector(make_desk, mail_server, clock):
    desk = make_desk(extra="  channels: {requester: [ticket-reply], staff: [email]}")
    open_ticket(desk)
    clock.advance(seconds=121)
    desk.drain()
    [reply] = outbox_rows(desk, "tool")
    assert reply.payload["action"] == "reply"
    assert (reply.payload["instance"], reply.payload["ticket_id"]) == ("local", "42")
    assert "Team: Service Desk\nPerson working on it: Alice Agent\n" in reply.payload["text"]
    assert mail_server.to(REQUESTER) == []


def test_a_mailbox_refused_for_good_fails_its_row_and_the_others_go(make_desk, mail_server):
    mail_server.refuse.add("frank@example.com")
    desk = make_desk()
    open_ticket(desk)
    request_network(desk)
    desk.drain()
    assert [r.envelope_to for r in mail_server.received] == [["carol@example.com"]]
    [failed] = [r for r in outbox_rows(desk, "email") if r.status == "failed"]
    assert failed.payload["to"] == "Frank Field <frank@example.com>"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only, on purpose
def test_mail_credentials_come_from_the_environment(make_desk, mail_server, tmp_path):
    mail_server.stop()
    mail_server.login = ("baton", "s3cret")
    mail_server.start()
    smtp = "  smtp: {host: 127.0.0.1, port: %d, username_env: SMTP_USER, password_env: SMTP_PASSWORD}"
    desk = make_desk(extra=smtp % mail_server.port, environ={"SMTP_USER": "baton", "SMTP_PASSWORD": "s3cret"})
    open_ticket(desk)
    request_network(desk)
    desk.drain()
    assert sorted(r.envelope_to[0] for r in mail_server.received) == ["carol@example.com", "frank@example.com"]

    wrong = make_desk(
        extra=smtp % mail_server.port,
        environ={"SMTP_USER": "baton", "SMTP_PASSWORD": "nope"},
        database_url=f"sqlite:///{tmp_path / 'wrong.db'}",
    )
    open_ticket(wrong)
    request_network(wrong)
    wrong.drain()
    # Bad credentials are the deployment's fault: the emails wait for an admin's fix (test_smtp_refusals.py).
    assert {r.status for r in outbox_rows(wrong, "email")} == {"pending"}
    assert len(mail_server.received) == 2, "nothing sent with the wrong password"


def test_an_acceptance_mails_the_receiver_a_review_link_and_the_lead_an_audit_link(
    make_desk, mail_server, link_secret, clock
):
    desk = make_desk(extra="reviews: {ask: all, audit_share: 1.0}")
    open_ticket(desk)
    request_network(desk)
    desk.drain()
    mail_server.received.clear()
    desk.app.handoffs.execute(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    desk.drain()

    [carol] = mail_server.to("carol@example.com")
    assert carol.message["Subject"] == "[local:42] You have it now: Printer on fire"
    text, html = carol.part("plain"), carol.part("html")
    for part in (text, html):
        assert "switch port dead" in part and "re-patched the cable" in part and "Optional, one screen" in part
    review = re.search(r"(http://127\.0\.0\.1:8000/handoff/review\?t=(\S+))", text)
    assert f'href="{review.group(1)}"' in html
    signer = signer_of(link_secret)
    assert signer.verify(review.group(2), clock.now(), REVIEW).receiver == "carol"

    [erin] = mail_server.to("erin@example.com")
    assert erin.message["Subject"] == "[local:42] Drawn for your audit: Printer on fire"
    audit = re.search(r"/handoff/audit\?t=(\S+)", erin.part("plain")).group(1)
    assert signer.verify(audit, clock.now(), AUDIT).receiver == "erin"
    assert "Judge the handoff, not the person" in erin.part("plain"), "the configured guidance"


def test_without_a_link_secret_the_confirmation_says_how_to_review(make_desk, mail_server):
    desk = make_desk(extra="reviews: {ask: all}", environ={})
    open_ticket(desk)
    request_network(desk)
    desk.app.handoffs.execute(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    desk.drain()
    text = mail_server.to("carol@example.com")[-1].part("plain")
    assert "/baton review needed=yes prepared=no timely=late" in text
    assert "baton review handoff h1 --as carol --needed yes" in text and "?t=" not in text


def test_an_administrative_escalation_mails_its_editors_a_reusable_edit_link(
    make_desk, mail_server, link_secret, clock
):
    desk = make_desk(extra="reviews: {escalations: {editors: [dana]}}")
    open_ticket(desk)
    desk.app.handoffs.execute(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="needs a service decision",
            kind=HandoffKind.ADMINISTRATIVE_SERVICE,
        )
    )
    desk.drain()
    for editor in ("dana@example.com", "erin@example.com"):  # the configured editor and Network's lead
        [message] = [r for r in mail_server.to(editor) if "Escalation review opened" in r.message["Subject"]]
        token = re.search(r"/escalation-review\?t=(\S+)", message.part("plain")).group(1)
        assert signer_of(link_secret).verify(token, clock.now(), ESCALATION_REVIEW).handoff_id == "h1"
        assert "use it as often as you need" in message.part("plain")


def signer_of(secret: str) -> LinkSigner:
    return LinkSigner(secret.encode())
