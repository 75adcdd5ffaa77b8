"""The editor's page of an escalation review (ESCALATION_REVIEW_PATH?t=TOKEN), through the web app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from baton_itsm.core.app import App
from baton_itsm.core.escalation_reviews.escalations import EscalationReviews
from baton_itsm.core.notify.links import ESCALATION_REVIEW_PATH
from baton_itsm.core.notify.tokens import ANSWER, ESCALATION_REVIEW, LinkClaim, LinkSigner
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from baton_itsm.core.web import create_app
from tests.integration.escalation_desk import CONFIG, TICKET, escalate

SECRET = "escalation-review-secret-0123456789"


@pytest.fixture
def app(tmp_path, clock, monkeypatch):
    monkeypatch.setenv("BATON_LINK_SECRET", SECRET)
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = App(parse_config(CONFIG, "baton.yaml"), None, url, clock)
    escalate(app)
    yield app
    app.engine.dispose()


@pytest.fixture
def web(app):
    return TestClient(create_app(app))


def token(app, person: str, purpose: str = ESCALATION_REVIEW, hours: float = 72, handoff_id: str = "esc1") -> str:
    claim = LinkClaim(handoff_id, person, app.clock.now() + timedelta(hours=hours), purpose)
    return LinkSigner(SECRET.encode()).sign(claim)


def review(app):
    return EscalationReviews.of(app).get("esc1").review


def test_an_editor_fills_in_links_and_closes_the_review_from_the_link(app, web):
    t = token(app, "mia")
    shown = web.get(ESCALATION_REVIEW_PATH, params={"t": t})
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store" and shown.headers["Referrer-Policy"] == "no-referrer"
    for text in (
        "Escalation review: ticket rt:7",
        "administrative service",
        "to Service Management",
        "alice",
        "the customer asks for a refund outside the policy",
        "explained the refund policy twice",
        "not who is to blame",
        'name="prevention"',
        "<option>process gap</option>",
        "None yet.",
    ):
        assert text in shown.text, text

    saved = web.post(
        ESCALATION_REVIEW_PATH,
        data={
            "t": t,
            "action": "save",
            "cause": "refund rules unclear",
            "steps": "asked finance",
            "cause_kind": "process gap",
        },
    )
    assert saved.status_code == 200 and "Saved." in saved.text and ">refund rules unclear</textarea>" in saved.text
    assert "<option selected>process gap</option>" in saved.text
    assert review(app).sections["cause"] == "refund rules unclear" and review(app).updated_by == "mia"

    for change, reference in (("rule", "rules.yaml@4f2a1c"), ("sla", "SLA v7 section 2")):
        linked = web.post(
            ESCALATION_REVIEW_PATH,
            data={"t": t, "action": "link", "change": change, "reference": reference, "note": "refunds"},
        )
        assert linked.status_code == 200 and reference in linked.text
    assert [c.change for c in review(app).changes] == ["rule", "sla"]

    early = web.post(
        ESCALATION_REVIEW_PATH, data={"t": t, "action": "close", "cause": "refund rules unclear", "prevention": ""}
    )
    assert early.status_code == 422 and "says nothing yet on prevention" in early.text
    assert review(app).state == "open"
    closed = web.post(
        ESCALATION_REVIEW_PATH,
        data={
            "t": t,
            "action": "close",
            "cause": "refund rules unclear",
            "steps": "asked finance",
            "prevention": "a KB article",
        },
    )
    assert closed.status_code == 200 and "You closed the review of ticket rt:7" in closed.text
    assert review(app).state == "closed" and review(app).sections["prevention"] == "a KB article"

    # Closed: the link shows why it cannot be used; reopened, the same link works again (it is not single-use).
    after = web.get(ESCALATION_REVIEW_PATH, params={"t": t})
    assert after.status_code == 409 and "This review is closed" in after.text and "reopen" in after.text
    assert web.post(ESCALATION_REVIEW_PATH, data={"t": t, "action": "save", "helped": "x"}).status_code == 409
    EscalationReviews.of(app).reopen("esc1", "erin", "one more thing")
    assert web.get(ESCALATION_REVIEW_PATH, params={"t": t}).status_code == 200


def test_the_person_of_the_link_must_still_be_allowed(app, web):
    t = token(app, "bob")  # a well-signed link for someone who is no editor
    shown = web.get(ESCALATION_REVIEW_PATH, params={"t": t})
    assert shown.status_code == 403 and "bob cannot edit this review" in shown.text
    posted = web.post(ESCALATION_REVIEW_PATH, data={"t": t, "action": "save", "cause": "bob did it"})
    assert posted.status_code == 403 and review(app).sections == {}


def test_a_cause_kind_not_configured_is_refused_on_the_form(app, web):
    t = token(app, "quinn")
    refused = web.post(ESCALATION_REVIEW_PATH, data={"t": t, "action": "save", "cause": "x", "cause_kind": "fate"})
    assert refused.status_code == 422 and "choose one of: service decision, process gap, other" in refused.text
    assert ">x</textarea>" in refused.text and review(app).sections == {}  # what was typed is shown, not saved


@pytest.mark.parametrize(
    ("make", "status", "text"),
    [
        (lambda app: token(app, "mia", purpose=ANSWER), 400, "meant for another page"),
        (lambda app: token(app, "mia", hours=-1), 410, "This link has expired"),
        (lambda app: token(app, "mia")[:-3] + "abc", 400, "Invalid link"),
        (lambda app: token(app, "mia", handoff_id="nope"), 400, "Baton does not know"),
        (lambda app: "", 400, "Invalid link"),
    ],
)
def test_links_that_cannot_be_used_get_a_page_saying_why(app, web, make, status, text):
    response = web.get(ESCALATION_REVIEW_PATH, params={"t": make(app)})
    assert response.status_code == status and text in response.text and "Traceback" not in response.text


def test_without_a_link_secret_the_page_says_links_are_off(app, web, monkeypatch):
    t = token(app, "mia")
    monkeypatch.delenv("BATON_LINK_SECRET")
    response = web.get(ESCALATION_REVIEW_PATH, params={"t": t})
    assert response.status_code == 503 and "no link secret" in response.text
    assert str(TICKET) not in response.text
