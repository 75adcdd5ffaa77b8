"""The escalation review life cycle in the store (SQLite and PostgreSQL): opened with the escalation, edited
by its editors only, blameless, closed when cause and prevention are written, reopened, listed by state."""

from __future__ import annotations

import pytest

from baton_itsm.core.app import App
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.protocol_errors import InvalidRequest, InvalidTransition, NotAllowed, UnknownHandoff
from baton_itsm.core.escalation_reviews.escalations import EscalationReviews
from baton_itsm.core.settings.loader import parse_config
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from tests.integration.escalation_desk import CONFIG, EDITORS, TICKET, escalate


@pytest.fixture
def app(database_url, clock):
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    app = App(parse_config(CONFIG, "baton.yaml"), None, database_url, clock)
    yield app
    app.engine.dispose()


@pytest.fixture
def reviews(app) -> EscalationReviews:
    return EscalationReviews.of(app)


def entry_types(app) -> list[str]:
    return [entry.event.entry_type for entry in app.handoffs.ledger(TICKET)]


def test_the_life_of_an_escalation_review(app, reviews, clock):
    # An administrative escalation opens its review in the same transaction as the request, not at resolution.
    escalate(app)
    assert entry_types(app)[-2:] == ["requested", "escalation-review-opened"]
    [listed] = reviews.find()
    assert (listed.handoff_id, listed.ticket, listed.review.kind) == ("esc1", TICKET, "administrative-service")
    assert list(listed.review.editors) == EDITORS and listed.is_open and listed.filled == []
    assert listed.escalation.requested_by == "alice" and "refund" in listed.escalation.reason

    # An editor writes; someone who is not an editor (not even the one who escalated) is refused.
    clock.advance(hours=5)
    assert [
        e.entry_type for e in reviews.edit("esc1", "mia", {"cause": "refund rules unclear", "steps": "asked finance"})
    ] == ["escalation-review-updated"]
    for outsider in ("bob", "alice"):
        with pytest.raises(NotAllowed, match=f"{outsider} cannot edit the review of esc1: erin, mia, quinn"):
            reviews.edit("esc1", outsider, {"helped": "x"})
    assert reviews.edit("esc1", "mia", {"cause": "refund rules unclear"}) == []  # the same text writes nothing

    # A review names causes, never culprits: a section for blame does not exist.
    for blame in ("responsible", "who"):
        with pytest.raises(InvalidRequest, match=f"no section '{blame}'.*not who is to blame"):
            reviews.edit("esc1", "mia", {blame: "bob"})

    # The cause's kind is one of the deployment's, in any case; anything else is refused with the list.
    with pytest.raises(
        InvalidRequest,
        match=r"'weather' is not a kind of cause.*service decision, process gap, "
        r"other",
    ):
        reviews.edit("esc1", "erin", {}, cause_kind="weather")
    reviews.edit("esc1", "erin", {}, cause_kind="Process  GAP")
    assert reviews.get("esc1").review.cause_kind == "process gap"

    # What it led to: a rule change and an SLA change.
    reviews.link("esc1", "quinn", "rule", "config/rules.yaml@4f2a1c", "route refunds to Service Management")
    reviews.link("esc1", "mia", "SLA", "SLA-2026-03 section 4")
    with pytest.raises(InvalidRequest, match="a change of a rule or an sla"):
        reviews.link("esc1", "mia", "policy", "x")
    with pytest.raises(NotAllowed):
        reviews.link("esc1", "bob", "rule", "x")
    assert [(c.change, c.reference) for c in reviews.get("esc1").review.changes] == [
        ("rule", "config/rules.yaml@4f2a1c"),
        ("sla", "SLA-2026-03 section 4"),
    ]

    # Closing needs the cause and the prevention written.
    with pytest.raises(InvalidRequest, match="says nothing yet on prevention"):
        reviews.close("esc1", "mia")
    reviews.edit("esc1", "mia", {"prevention": "publish the refund rules in the KB"})
    reviews.close("esc1", "mia", "done")
    closed = reviews.get("esc1")
    assert not closed.is_open and closed.review.closed_by == "mia"
    assert str(closed.age) == "5:00:00"  # the age stops at the closing
    assert reviews.find() == [] and [v.handoff_id for v in reviews.find("closed")] == ["esc1"]

    # A closed review is reopened before it is edited again.
    with pytest.raises(InvalidTransition, match="reopen it to edit it"):
        reviews.edit("esc1", "mia", {"helped": "the KB article"})
    with pytest.raises(NotAllowed):
        reviews.reopen("esc1", "bob", "I disagree")
    reviews.reopen("esc1", "quinn", "the KB article helped too")
    with pytest.raises(InvalidTransition, match="open already"):
        reviews.reopen("esc1", "erin")
    assert [v.handoff_id for v in reviews.find()] == ["esc1"] and reviews.find("closed") == []
    reviews.edit("esc1", "quinn", {"helped": "the KB article"})
    assert reviews.get("esc1").filled == ["cause", "steps", "helped", "prevention"]


def test_only_administrative_escalations_open_a_review_and_listing_is_by_state_and_ticket(app, reviews, clock):
    escalate(app, "tech", kind=HandoffKind.TECHNICAL, to="Network")
    with pytest.raises(UnknownHandoff, match="only an administrative escalation opens one"):
        reviews.get("tech")
    with pytest.raises(UnknownHandoff):
        reviews.edit("tech", "erin", {"cause": "x"})
    escalate(app, "sales", ticket=TicketKey("rt", "8"), kind=HandoffKind.ADMINISTRATIVE_SALES)
    clock.advance(minutes=30)
    escalate(app, "svc", ticket=TicketKey("rt", "9"))
    reviews.edit("svc", "mia", {"cause": "c", "prevention": "p"})
    reviews.close("svc", "mia")
    assert [v.handoff_id for v in reviews.find()] == ["sales"]
    assert [v.handoff_id for v in reviews.find("closed")] == ["svc"]
    assert [v.handoff_id for v in reviews.find("all")] == ["sales", "svc"]  # oldest first
    assert [v.handoff_id for v in reviews.find("all", ticket=TicketKey("rt", "9"))] == ["svc"]
    assert reviews.find("all", ticket=TICKET) == []
