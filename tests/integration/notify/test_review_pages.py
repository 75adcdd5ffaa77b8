"""The review and audit pages behind the links of the acceptance confirmation and the audit notice."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.domain.commands import AcceptHandoff
from baton_itsm.core.domain.review_commands import ReviewHandoff
from baton_itsm.core.domain.reviews import HandoffAnswers
from baton_itsm.core.notify.links import AUDIT_PATH, REVIEW_PATH, LinkMaker
from baton_itsm.core.notify.tokens import AUDIT, REVIEW
from baton_itsm.core.web import create_app

REVIEWS = "reviews: {ask: all, audit_share: 1.0}"  # every handoff asks its receiver; every one is audited


def request_h1(desk):
    desk.request_to_network(reason="switch port dead")


@pytest.fixture
def accepted(make_desk, mail_server, database_url):
    desk = make_desk(extra=REVIEWS, database_url=database_url)
    request_h1(desk)
    desk.app.handoffs.execute(AcceptHandoff(ticket=desk.key, handoff_id="h1", by="carol"))
    desk.drain()
    return desk


@pytest.fixture
def web(accepted, monkeypatch, link_secret):
    monkeypatch.setenv("BATON_LINK_SECRET", link_secret)  # the web app reads the secret from its environment
    return TestClient(create_app(accepted.app))


def page_link(mail_server, address, path):
    text = mail_server.to(address)[-1].part("plain")
    return local(re.search(rf"(\S+{path}\?t=\S+)", text).group(1))


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def token_of(link: str) -> str:
    return link.split("t=", 1)[1]


def entries(desk):
    return [e.event for e in desk.app.handoffs.ledger(desk.key)]


def test_the_review_page_shows_the_handoff_and_records_the_answers_once(accepted, web, mail_server):
    link = page_link(mail_server, "carol@example.com", REVIEW_PATH)
    shown = web.get(link)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    for said in (
        "Review the handoff of ticket local:42",
        "Printer on fire",
        "Alice Agent (Service Desk)",
        "switch port dead",
        "re-patched the cable, swapped the port",
        "Was this handoff needed?",
        "was what had been tried summarised?",
        "Was it timely?",
        "Too late",
        "Answering as</dt><dd>Carol",
    ):
        assert said in shown.text
    assert 'name="by"' not in shown.text, "the person answering is the link's, never a form field"
    assert entries(accepted)[-1].entry_type == "review-asked", "showing the page records nothing"

    done = web.post(
        REVIEW_PATH,
        data={
            "t": token_of(link),
            "needed": "no",
            "prepared": "yes",
            "timely": "late",
            "note": "  the answer was in the KB  ",
        },
    )
    assert done.status_code == 200 and "Your review of the handoff of local:42 is recorded" in done.text
    reviewed = entries(accepted)[-1]
    assert (reviewed.entry_type, reviewed.by, reviewed.via) == ("reviewed", "carol", "link")
    assert (reviewed.needed, reviewed.prepared, reviewed.timely, reviewed.note) == (
        False,
        True,
        "late",
        "the answer was in the KB",
    )

    again = web.get(link)
    assert again.status_code == 409 and "already used" in again.text
    assert web.post(REVIEW_PATH, data={"t": token_of(link), "needed": "yes"}).status_code == 409
    assert [e.entry_type for e in entries(accepted)].count("reviewed") == 1


def test_an_empty_review_asks_again_and_leaves_the_link_usable(accepted, web, mail_server):
    link = page_link(mail_server, "carol@example.com", REVIEW_PATH)
    empty = web.post(REVIEW_PATH, data={"t": token_of(link), "note": " "})
    assert empty.status_code == 400 and "The review answers no question" in empty.text and 'id="send"' in empty.text
    odd = web.post(REVIEW_PATH, data={"t": token_of(link), "timely": "yesterday", "note": "kept"})
    assert odd.status_code == 400 and "is not an answer" in odd.text and ">kept</textarea>" in odd.text
    assert web.post(REVIEW_PATH, data={"t": token_of(link), "timely": "right"}).status_code == 200


def test_someone_elses_link_for_the_same_handoff_is_refused(accepted, web, link_secret, clock):
    maker = LinkMaker.from_settings(accepted.app.config.notifications, {"BATON_LINK_SECRET": link_secret})
    frank = local(maker.link(REVIEW_PATH, "h1", "frank", REVIEW, clock.now()))  # valid, signed, not the receiver's
    shown = web.get(frank)
    assert shown.status_code == 403 and "Only the receiver can review this handoff" in shown.text
    assert "made for frank" in shown.text and "Traceback" not in shown.text
    assert web.post(REVIEW_PATH, data={"t": token_of(frank), "needed": "no"}).status_code == 403
    assert "reviewed" not in [e.entry_type for e in entries(accepted)]


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature altered
        lambda t: t.replace(t.split(".")[1], t.split(".")[1][:-3] + "xyz"),  # payload altered
    ],
)
def test_a_tampered_link_is_invalid_and_records_nothing(accepted, web, mail_server, change):
    token = change(token_of(page_link(mail_server, "carol@example.com", REVIEW_PATH)))
    assert web.get(f"{REVIEW_PATH}?t={token}").status_code == 400
    refused = web.post(REVIEW_PATH, data={"t": token, "needed": "no"})
    assert refused.status_code == 400 and "Invalid link" in refused.text
    assert "reviewed" not in [e.entry_type for e in entries(accepted)]


def test_a_link_opens_only_its_own_page_and_expires(accepted, web, mail_server, clock):
    audit = page_link(mail_server, "erin@example.com", AUDIT_PATH)
    wrong_page = web.get(f"{REVIEW_PATH}?t={token_of(audit)}")
    assert wrong_page.status_code == 400 and "meant for another page" in wrong_page.text
    clock.advance(hours=73)
    expired = web.get(page_link(mail_server, "carol@example.com", REVIEW_PATH))
    assert expired.status_code == 410 and "Answering is optional" in expired.text and "/baton review" in expired.text


def test_a_review_given_another_way_closes_the_link(accepted, web, mail_server):
    accepted.app.handoffs.execute(
        ReviewHandoff(
            ticket=accepted.key, handoff_id="h1", by="carol", answers=HandoffAnswers(needed=True), via="comment"
        )
    )
    page = web.get(page_link(mail_server, "carol@example.com", REVIEW_PATH))
    assert page.status_code == 409 and "already reviewed by carol" in page.text


def test_the_lead_audits_with_the_guidance_and_then_sees_where_the_receiver_differs(accepted, web, mail_server):
    web.post(
        REVIEW_PATH,
        data={
            "t": token_of(page_link(mail_server, "carol@example.com", REVIEW_PATH)),
            "needed": "yes",
            "prepared": "yes",
            "timely": "right",
        },
    )
    link = page_link(mail_server, "erin@example.com", AUDIT_PATH)
    shown = web.get(link)
    assert shown.status_code == 200 and "Audit the handoff of ticket local:42" in shown.text
    assert "Judge the handoff, not the person" in shown.text, "the configured guidance is on the form"
    assert "Carol Agent (Network)" in shown.text and "Yes</label>" in shown.text
    assert "About right" in shown.text and "Your answer" not in shown.text, "the form is blind to the review"

    done = web.post(AUDIT_PATH, data={"t": token_of(link), "needed": "no", "prepared": "yes", "timely": "right"})
    assert done.status_code == 200 and "Your audit of the handoff of local:42 is recorded" in done.text
    assert re.search(r'<tr class="differs"><td>Needed</td>\s*<td>no</td>\s*<td>yes</td>', done.text)
    audited = entries(accepted)[-1]
    assert (audited.entry_type, audited.by, audited.needed, audited.via) == ("audited", "erin", False, "link")
    assert web.get(link).status_code == 409


def test_the_receiver_cannot_audit_their_own_handoff(accepted, web, link_secret, clock):
    maker = LinkMaker.from_settings(accepted.app.config.notifications, {"BATON_LINK_SECRET": link_secret})
    page = web.get(local(maker.link(AUDIT_PATH, "h1", "carol", AUDIT, clock.now())))
    assert page.status_code == 403 and "Only the lead it was drawn for can audit this handoff" in page.text


def test_accepting_from_the_link_offers_the_review_at_once(make_desk, mail_server, monkeypatch, link_secret):
    desk = make_desk(extra=REVIEWS)
    monkeypatch.setenv("BATON_LINK_SECRET", link_secret)
    request_h1(desk)
    web = TestClient(create_app(desk.app))
    accept = page_link(mail_server, "carol@example.com", "/handoff/accept")
    done = web.post("/handoff/accept", data={"t": token_of(accept)})
    offer = re.search(r'id="review-now" href="([^"]+)"', done.text).group(1).replace("&amp;", "&")
    assert offer.startswith(f"{REVIEW_PATH}?t=v1.")
    assert web.get(offer).status_code == 200
    assert web.post(REVIEW_PATH, data={"t": token_of(offer), "needed": "yes"}).status_code == 200
    desk.drain()
    emailed = page_link(mail_server, "carol@example.com", REVIEW_PATH)
    assert web.get(emailed).status_code == 409, "the offered link and the emailed one are one link, used once"


def test_without_reviews_accepting_offers_nothing(make_desk, mail_server, monkeypatch, link_secret):
    desk = make_desk()
    monkeypatch.setenv("BATON_LINK_SECRET", link_secret)
    request_h1(desk)
    accept = page_link(mail_server, "carol@example.com", "/handoff/accept")
    done = TestClient(create_app(desk.app)).post("/handoff/accept", data={"t": token_of(accept)})
    assert done.status_code == 200 and "review-now" not in done.text
