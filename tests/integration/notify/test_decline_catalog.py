"""Decline reasons through the web: the decline page offers the desk's catalog, a code reaches the ledger and the
sender's email, free text is refused (and asked again) where the desk declines by code."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.web import create_app
from tests.integration.notify.test_link_pages import _local, links_of, token_of

CATALOG = """
rules:
  decline_free_text: false
  decline_reasons:
    - {code: not-network, words: not a network fault, suggested_group: Service Desk}
    - {code: needs-info, words: the ticket lacks what we need to start, reassignable: false}
"""


@pytest.fixture
def web(make_desk, monkeypatch, link_secret):
    desk = make_desk(extra=CATALOG)
    desk.request_to_network()
    monkeypatch.setenv("BATON_LINK_SECRET", link_secret)
    return desk, TestClient(create_app(desk.app))


def test_the_decline_page_offers_the_catalog_and_records_the_code(web, mail_server):
    desk, client = web
    _, decline = links_of(mail_server, "carol@example.com")
    form = client.get(decline).text
    assert 'value="not-network"' in form and "not a network fault" in form
    assert "the ticket must stay with its sender" in form and "Another reason" not in form

    free = client.post("/handoff/decline", data={"t": token_of(decline), "reason": "cabling, ask Facilities"})
    assert free.status_code == 400 and "declines with a reason code, not free text" in free.text
    assert [e.event.entry_type for e in desk.app.handoffs.ledger(desk.key)][-1] == "requested"

    done = client.post(
        "/handoff/decline", data={"t": token_of(decline), "reason_code": "needs-info", "reason": "no MAC address"}
    )
    assert done.status_code == 200 and "You declined ticket local:42" in done.text
    declined = desk.app.handoffs.ledger(desk.key)[-1].event
    assert (declined.entry_type, declined.reason_code, declined.reassignable) == ("declined", "needs-info", False)
    desk.drain()
    [mail] = mail_server.to("alice@example.com")
    text = mail.part("plain")
    assert "the ticket lacks what we need to start: no MAC address (reason code needs-info)" in text
    assert "must not go elsewhere" in text


def test_a_suggested_group_becomes_a_one_click_request_in_the_senders_email(web, mail_server):
    desk, client = web
    _, decline = links_of(mail_server, "carol@example.com")
    client.post("/handoff/decline", data={"t": token_of(decline), "reason_code": "not-network", "reason": "cabling"})
    desk.drain()
    text = mail_server.to("alice@example.com")[-1].part("plain")
    assert "They suggest Service Desk." in text
    ask = _local(re.search(r"in one click:\s+(\S+)", text).group(1))
    shown = client.get(ask)
    assert shown.status_code == 200, shown.text
    assert "Ask Service Desk to take ticket local:42?" in shown.text
    assert "switch port dead since 8:00" in shown.text, "the first request's reason is pre-filled"
    assert "Declined by carol (Network): not a network fault: cabling" in shown.text

    done = client.post(
        "/handoff/ask",
        data={"t": token_of(ask), "reason": "cabling, per Network", "summary": "re-patched; Network says cabling"},
    )
    assert done.status_code == 200 and "You asked Service Desk to take ticket local:42" in done.text
    asked = desk.app.handoffs.ledger(desk.key)[-1].event
    assert (asked.entry_type, asked.by, str(asked.to_holder)) == ("requested", "alice", "Service Desk")
    assert asked.summary == "re-patched; Network says cabling"
    assert "already used" in client.get(ask).text, "the link works once"
