"""Slack: a handoff request reaches the receiver's direct message with Accept / Decline; a signed click accepts it
as the clicker's Baton person; forged, old, replayed and unentitled clicks are refused; Slack's 429 delays only Slack.

Slack is a loopback fake answering with Slack's published shapes (slack_fake.py, tests/fixtures/slack); mail is a
real SMTP server on loopback; the web app is Baton's own, through its ASGI interface.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.web import create_app
from tests.integration.notify.slack_fake import SIGNING_SECRET, TOKEN, FakeSlack, click, signed

USERS = {
    "carol@example.com": "U0CAROL",
    "frank@example.com": "U0FRANK",
    "bob@example.com": "U0BOB",
    "stranger@example.com": "U0STRANGER",
}
SLACK_EXTRA = """\
  channels: {{staff: [email, slack]}}
  slack: {{api_url: "{api_url}"}}
"""


@pytest.fixture
def slack():
    with FakeSlack(USERS) as fake:
        yield fake


@pytest.fixture
def desk(make_desk, slack, monkeypatch, link_secret):
    env = {"BATON_LINK_SECRET": link_secret, "BATON_SLACK_TOKEN": TOKEN}
    for name, value in {**env, "BATON_SLACK_SIGNING_SECRET": SIGNING_SECRET}.items():
        monkeypatch.setenv(name, value)  # the web app reads its secrets from its environment
    return make_desk(extra=SLACK_EXTRA.format(api_url=slack.api_url), environ=env)


@pytest.fixture
def web(desk):
    return TestClient(create_app(desk.app))


def posted_to(slack: FakeSlack, user_id: str) -> dict:
    """The chat.postMessage call (args and answer) of the direct message to `user_id`."""
    [call] = [call for call in slack.called("chat.postMessage") if call["args"]["channel"] == user_id]
    return call


def press(
    web,
    desk,
    slack,
    user_id: str,
    on: str | None = None,
    handoff_id: str = "h1",
    at: float | None = None,
    secret: str = SIGNING_SECRET,
):
    """`user_id` clicks Accept on the direct message to `on` (their own by default), signed at `at` (now)."""
    body = click(
        "baton_accept", handoff_id, user_id, posted_to(slack, on or user_id), f"{slack.url}/actions/T0DESK/1/abc"
    )
    timestamp = int(desk.app.clock.now().timestamp() if at is None else at)
    return web.post("/slack/interactivity", content=body, headers=signed(body, timestamp, secret))


def entry_types(desk) -> list[str]:
    return [entry.event.entry_type for entry in desk.app.handoffs.ledger(desk.key)]


def test_a_handoff_request_reaches_the_receivers_direct_message_with_accept_and_decline(desk, slack, mail_server):
    desk.request_to_network(summary="re-patched the cable, swapped the port")
    assert [c["args"]["email"] for c in slack.called("users.lookupByEmail")] == [
        "carol@example.com",
        "frank@example.com",
    ]
    message = posted_to(slack, "U0CAROL")["args"]
    assert slack.called("chat.postMessage")[0]["auth"] == f"Bearer {TOKEN}"
    assert message["text"] == "[local:42] Please accept: Printer on fire"
    shown = str(message["blocks"])
    assert "switch port dead since 8:00" in shown and "re-patched the cable, swapped the port" in shown
    [buttons] = [b for b in message["blocks"] if b["type"] == "actions"]
    accept, decline = buttons["elements"]
    assert (accept["action_id"], accept["value"], accept["text"]["text"]) == ("baton_accept", "h1", "Accept")
    assert decline["text"]["text"] == "Decline" and "/handoff/decline?t=" in decline["url"]
    assert mail_server.to("carol@example.com"), "email goes out as well: the deployment chose both"


def test_a_signed_click_accepts_as_the_clickers_person_and_the_message_is_updated_in_place(desk, slack, web):
    desk.request_to_network()
    answer = press(web, desk, slack, "U0CAROL")
    assert answer.status_code == 200 and answer.json()["outcome"] == "accepted"
    entries = desk.app.handoffs.ledger(desk.key)
    assert [e.event.entry_type for e in entries][-2:] == ["accepted", "applied"]
    assert entries[-2].event.by == "carol" and entries[-1].event.to_holder == Holder("Network", "carol")
    assert [c["args"]["user"] for c in slack.called("users.info")] == ["U0CAROL"]

    desk.drain()
    [update] = slack.called("chat.update")
    assert (update["args"]["channel"], update["args"]["ts"]) == ("D0CAROL", "1772442000.000100")
    assert update["args"]["text"].startswith("Accepted by Carol Agent at <!date^")
    assert "09:00 UTC" in update["args"]["text"]
    assert not [b for b in update["args"]["blocks"] if b["type"] == "actions"], "the buttons are gone"


def test_the_same_click_replayed_is_refused_and_changes_nothing(desk, slack, web):
    desk.request_to_network()
    body = click("baton_accept", "h1", "U0CAROL", posted_to(slack, "U0CAROL"), f"{slack.url}/actions/x")
    headers = signed(body, int(desk.app.clock.now().timestamp()))
    assert web.post("/slack/interactivity", content=body, headers=headers).json()["outcome"] == "accepted"
    before = entry_types(desk)
    replay = web.post("/slack/interactivity", content=body, headers=headers)
    assert replay.status_code == 401 and "replay" in replay.json()["text"]
    assert entry_types(desk) == before


def test_a_click_with_a_wrong_signature_is_refused(desk, slack, web):
    desk.request_to_network()
    answer = press(web, desk, slack, "U0CAROL", secret="not-the-signing-secret")
    assert answer.status_code == 401 and answer.json()["outcome"] == "unauthenticated"
    assert entry_types(desk)[-1] == "requested" and not slack.called("users.info")


def test_a_click_older_than_five_minutes_is_refused(desk, slack, web):
    desk.request_to_network()
    old = desk.app.clock.now() - timedelta(minutes=5, seconds=1)
    assert press(web, desk, slack, "U0CAROL", at=old.timestamp()).status_code == 401
    assert entry_types(desk)[-1] == "requested"
    within = desk.app.clock.now() - timedelta(minutes=4, seconds=59)
    assert press(web, desk, slack, "U0CAROL", at=within.timestamp()).json()["outcome"] == "accepted"


def test_a_click_by_someone_who_may_not_accept_is_refused_with_a_reply_saying_why(desk, slack, web):
    desk.request_to_network()
    answer = press(web, desk, slack, "U0BOB", on="U0CAROL")  # bob is in Service Desk, not in Network
    assert answer.json()["outcome"] == "refused"
    assert entry_types(desk)[-1] == "requested"
    desk.drain()
    [reply] = slack.called("response_url")
    assert reply["args"]["response_type"] == "ephemeral" and reply["args"]["replace_original"] is False
    assert reply["args"]["text"].startswith("You cannot accept this request: bob cannot accept handoff h1")
    assert not slack.called("chat.update")


def test_a_click_by_a_slack_account_baton_does_not_know_is_refused(desk, slack, web):
    desk.request_to_network()
    assert press(web, desk, slack, "U0STRANGER", on="U0CAROL").json()["outcome"] == "refused"
    desk.drain()
    [reply] = slack.called("response_url")
    assert "Baton does not know you" in reply["args"]["text"]
    assert entry_types(desk)[-1] == "requested"


def test_a_stale_button_says_the_request_is_closed(desk, slack, web):
    desk.request_to_network()
    assert press(web, desk, slack, "U0CAROL").json()["outcome"] == "accepted"
    desk.app.clock.advance(seconds=1)  # a new click: a new timestamp and signature
    stale = press(web, desk, slack, "U0FRANK")
    assert stale.json()["outcome"] == "stale"
    assert stale.json()["text"].startswith("This request was accepted by Carol Agent; these buttons are stale")
    desk.drain()
    assert any("buttons are stale" in c["args"]["text"] for c in slack.called("chat.update"))


def test_a_slack_429_delays_only_slack_messages_and_email_goes_on(desk, slack, mail_server):
    slack.refuse_next("chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})
    desk.request_to_network()
    assert mail_server.to("carol@example.com") and mail_server.to("frank@example.com"), "email went on"
    with desk.app.store.unit_of_work(desk.app.clock.now()) as uow:
        waiting = uow.connection.execute(
            select(outbox.c.channel, outbox.c.next_attempt_at).where(
                outbox.c.status == "pending", outbox.c.channel != "requester-digest"
            )
        ).all()  # the requester's digest waits for its coalescing, as always
    assert {channel for channel, _ in waiting} == {"slack"} and len(waiting) == 2
    assert all(
        due.replace(tzinfo=None) >= (desk.app.clock.now() + timedelta(seconds=30)).replace(tzinfo=None)
        for _, due in waiting
    ), "both Slack messages wait for the Retry-After"
    assert len(slack.called("chat.postMessage")) == 1, "the second one was not tried into the limit"
    desk.app.clock.advance(seconds=30)
    desk.drain()
    assert {c["args"]["channel"] for c in slack.called("chat.postMessage")} == {"U0CAROL", "U0FRANK"}
