"""The accept and decline pages behind the links of a handoff request email, through the web app."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.tool_events import ToolEventKind
from baton_itsm.core.web import create_app


@pytest.fixture
def requested(make_desk, mail_server):
    desk = make_desk()
    desk.tool(
        ToolEventKind.CREATED, "alice", "Service Desk/alice", subject="Printer on fire", requester="rita@example.org"
    )
    desk.app.handoffs.execute(
        RequestHandoff(
            ticket=desk.key,
            handoff_id="h1",
            to_holder=Holder("Network"),
            by="alice",
            reason="switch port dead",
            summary="re-patched",
        )
    )
    desk.drain()
    return desk


def links_of(mail_server, address):
    text = mail_server.to(address)[-1].part("plain")
    accept, decline = (re.search(rf"{label}[^:]*: (\S+)", text).group(1) for label in ("Accept", "Decline"))
    return _local(accept), _local(decline)


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def token_of(link: str) -> str:
    return link.split("t=", 1)[1]


@pytest.fixture
def web(requested, monkeypatch, link_secret):
    monkeypatch.setenv("BATON_LINK_SECRET", link_secret)  # the web app reads the secret from its environment
    return TestClient(create_app(requested.app))


def test_accepting_from_the_link_moves_the_ticket_and_the_link_is_then_used_up(requested, web, mail_server):
    accept, _ = links_of(mail_server, "carol@example.com")
    shown = web.get(accept)
    assert shown.status_code == 200
    assert "Accept ticket local:42?" in shown.text and "switch port dead" in shown.text
    assert shown.headers["Cache-Control"] == "no-store" and shown.headers["Referrer-Policy"] == "no-referrer"
    assert [e.event.entry_type for e in requested.app.handoffs.ledger(requested.key)][-1] == "requested"

    done = web.post("/handoff/accept", data={"t": token_of(accept)})
    assert done.status_code == 200 and "You accepted ticket local:42" in done.text
    entries = requested.app.handoffs.ledger(requested.key)
    assert [e.event.entry_type for e in entries][-2:] == ["accepted", "applied"]
    assert entries[-1].event.to_holder == Holder("Network", "carol") and entries[-2].event.by == "carol"

    again = web.get(accept)
    assert again.status_code == 409 and "already used" in again.text and "to accept the request" in again.text
    assert web.post("/handoff/accept", data={"t": token_of(accept)}).status_code == 409


def test_a_colleagues_link_shows_the_request_is_no_longer_open(requested, web, mail_server):
    carol_accept, _ = links_of(mail_server, "carol@example.com")
    frank_accept, _ = links_of(mail_server, "frank@example.com")
    web.post("/handoff/accept", data={"t": token_of(carol_accept)})
    page = web.get(frank_accept)
    assert page.status_code == 409
    assert "no longer open" in page.text and "was accepted by carol" in page.text


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature altered
        lambda t: t.replace(t.split(".")[1], t.split(".")[1][:-3] + "xyz"),  # payload altered
        lambda t: "garbage",
    ],
)
def test_a_tampered_token_shows_invalid_link_and_changes_nothing(requested, web, mail_server, change):
    accept, _ = links_of(mail_server, "carol@example.com")
    page = web.get(f"/handoff/accept?t={change(token_of(accept))}")
    assert page.status_code == 400 and "Invalid link" in page.text and "Traceback" not in page.text
    assert web.post("/handoff/accept", data={"t": change(token_of(accept))}).status_code == 400
    assert [e.event.entry_type for e in requested.app.handoffs.ledger(requested.key)][-1] == "requested"


def test_an_expired_link_says_so(requested, web, mail_server, clock):
    accept, _ = links_of(mail_server, "carol@example.com")
    clock.advance(hours=72)
    page = web.get(accept)
    assert page.status_code == 410 and "expired" in page.text


def test_declining_asks_for_a_reason_and_tells_the_requester(requested, web, mail_server):
    _, decline = links_of(mail_server, "carol@example.com")
    form = web.get(decline)
    assert form.status_code == 200 and 'name="reason"' in form.text
    blank = web.post("/handoff/decline", data={"t": token_of(decline), "reason": "  "})
    assert blank.status_code == 400 and "Please say why you decline" in blank.text

    done = web.post("/handoff/decline", data={"t": token_of(decline), "reason": "cabling: Facilities"})
    assert done.status_code == 200 and "You declined ticket local:42" in done.text
    requested.drain()
    [declined] = mail_server.to("alice@example.com")
    assert declined.message["Subject"] == "[local:42] Declined by Carol Agent"
    assert "cabling: Facilities" in declined.part("plain")
    accept, _ = links_of(mail_server, "carol@example.com")
    assert "already used to decline" in web.get(accept).text


def test_without_a_link_secret_the_page_explains_instead_of_failing(make_desk, mail_server, monkeypatch):
    desk = make_desk()
    monkeypatch.delenv("BATON_LINK_SECRET", raising=False)
    page = TestClient(create_app(desk.app)).get("/handoff/accept?t=v1.abc.def")
    assert page.status_code == 400 and "Links are not set up" in page.text
