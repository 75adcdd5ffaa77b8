"""The report's handoff reviews on a hand-made ledger with known answers, written through the store.

Six handoffs take place (one more is declined), 09:00 onwards on 2 March 2026:

| ticket | handoff | sender | receiver | asked | review (needed, prepared, timely) | audit | resolved after |
| --- | --- | --- | --- | --- | --- | --- | --- |
| rt:1 | h1 | alice | carol | yes | no, yes, late | erin: yes, yes, late | 20 min (late) |
| rt:2 | h2 | alice | frank | yes | yes, no, (unanswered) | drawn for erin, not done | - |
| rt:3 | h3 administrative-service | bob | gina | yes | yes, yes, right | dana: yes, no, right | 3 h |
| rt:4 | h4 administrative-sales | bob | carol | yes | (not answered) | - | 30 min (late) |
| rt:5 | h5 administrative-service, forced | dana | Desktop queue | no | - | - | - |
| rt:6 | h6 | rule:stale | frank | yes | yes, yes, early | - | - |

rt:2 also has h2x, alice's request to Desktop that gina declined: it never took place, so nobody reviews it.
Escalation reviews: h3 (cause kind contract, one rule change linked, closed), h4 (pricing, open), h5 (no cause
yet, open). Late handoffs are counted within 60 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from baton_itsm.core.domain.events import (
    HandoffAccepted,
    HandoffApplied,
    HandoffDeclined,
    HandoffForced,
    HandoffRequested,
    HolderChanged,
)
from baton_itsm.core.domain.history_events import HistorySummary
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.review_events import (
    EscalationReviewClosed,
    EscalationReviewLinked,
    EscalationReviewOpened,
    EscalationReviewUpdated,
    HandoffAudited,
    HandoffReviewed,
    ReviewAsked,
)
from baton_itsm.core.metrics.load import stream_views
from baton_itsm.core.metrics.summary import compute_metrics, summary_lines
from baton_itsm.core.store.bulk import open_bulk

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DESK, NETWORK, DESKTOP = "Service Desk", "Network", "Desktop"
SERVICE, SALES = HandoffKind.ADMINISTRATIVE_SERVICE, HandoffKind.ADMINISTRATIVE_SALES


def _handoff(key, minute, sender, hid, from_holder, to_holder, taken_by, kind=HandoffKind.TECHNICAL):
    """Held by `from_holder` at `minute`; requested 5 min later; accepted and applied to `taken_by` 10 min later."""
    at = START + timedelta(minutes=minute)
    return [
        HolderChanged(ticket=key, at=at, by=from_holder.person, from_holder=None, to_holder=from_holder),
        HandoffRequested(
            ticket=key,
            at=at + timedelta(minutes=5),
            by=sender,
            handoff_id=hid,
            from_holder=from_holder,
            to_holder=to_holder,
            kind=kind,
            reason="needs them",
            summary="tried the usual",
        ),
        HandoffAccepted(ticket=key, at=at + timedelta(minutes=15), by=taken_by.person, handoff_id=hid),
        HandoffApplied(
            ticket=key,
            at=at + timedelta(minutes=15),
            by=taken_by.person,
            handoff_id=hid,
            from_holder=from_holder,
            to_holder=taken_by,
        ),
    ]


def _resolved(key, minute):
    at = START + timedelta(minutes=minute)
    return HistorySummary(
        ticket=key, at=at, by=None, source_event_id=f"resolved-{key}", resolved_at=f"{at:%Y-%m-%d %H:%M:%S}"
    )


def _history() -> dict[TicketKey, list]:
    k1, k2, k3, k4, k5, k6 = (TicketKey("rt", str(n)) for n in range(1, 7))
    at = START + timedelta(hours=2)  # the reviews come later in the morning
    alice, bob = Holder(DESK, "alice"), Holder(DESK, "bob")
    return {
        k1: [
            *_handoff(k1, 0, "alice", "h1", alice, Holder(NETWORK), Holder(NETWORK, "carol")),  # applied 09:15
            ReviewAsked(
                ticket=k1, at=START + timedelta(minutes=15), by=None, handoff_id="h1", receiver="carol", auditor="erin"
            ),
            _resolved(k1, 35),  # 20 minutes after the handoff: late by timing
            HandoffReviewed(
                ticket=k1,
                at=at,
                by="carol",
                handoff_id="h1",
                needed=False,
                prepared=True,
                timely="late",
                note="the KB had it",
                via="link",
            ),
            HandoffAudited(ticket=k1, at=at, by="erin", handoff_id="h1", needed=True, prepared=True, timely="late"),
        ],
        k2: [
            HolderChanged(ticket=k2, at=START, by="alice", from_holder=None, to_holder=alice),
            HandoffRequested(
                ticket=k2,
                at=START,
                by="alice",
                handoff_id="h2x",
                from_holder=alice,
                to_holder=Holder(DESKTOP),
                kind=HandoffKind.REASSIGN,
                reason="a laptop?",
            ),
            HandoffDeclined(ticket=k2, at=START, by="gina", handoff_id="h2x", reason="not hardware"),
            *_handoff(k2, 10, "alice", "h2", alice, Holder(NETWORK), Holder(NETWORK, "frank"))[1:],
            ReviewAsked(ticket=k2, at=at, by=None, handoff_id="h2", receiver="frank", auditor="erin"),
            HandoffReviewed(
                ticket=k2,
                at=at,
                by="frank",
                handoff_id="h2",
                needed=True,
                prepared=False,
                note="nothing said of what was tried",
            ),
        ],
        k3: [
            *_handoff(k3, 0, "bob", "h3", bob, Holder(DESKTOP, "gina"), Holder(DESKTOP, "gina"), SERVICE),
            EscalationReviewOpened(
                ticket=k3,
                at=START + timedelta(minutes=5),
                by=None,
                handoff_id="h3",
                escalation_kind=str(SERVICE),
                editors=["dana"],
            ),
            ReviewAsked(ticket=k3, at=at, by=None, handoff_id="h3", receiver="gina", auditor="dana"),
            HandoffReviewed(ticket=k3, at=at, by="gina", handoff_id="h3", needed=True, prepared=True, timely="right"),
            HandoffAudited(ticket=k3, at=at, by="dana", handoff_id="h3", needed=True, prepared=False, timely="right"),
            EscalationReviewUpdated(
                ticket=k3,
                at=at,
                by="dana",
                cause_kind="contract",
                handoff_id="h3",
                sections={"cause": "support contract lapsed", "prevention": "renewal alert"},
            ),
            EscalationReviewLinked(
                ticket=k3, at=at, by="dana", handoff_id="h3", change="rule", reference="rules.yaml@abc123"
            ),
            EscalationReviewClosed(ticket=k3, at=at, by="dana", handoff_id="h3"),
            _resolved(k3, 15 + 180),
        ],
        k4: [
            *_handoff(k4, 0, "bob", "h4", bob, Holder(NETWORK), Holder(NETWORK, "carol"), SALES),
            EscalationReviewOpened(
                ticket=k4,
                at=START + timedelta(minutes=5),
                by=None,
                handoff_id="h4",
                escalation_kind=str(SALES),
                editors=["erin"],
            ),
            EscalationReviewUpdated(
                ticket=k4, at=at, by="erin", handoff_id="h4", cause_kind="pricing", sections={"cause": "quote expired"}
            ),
            ReviewAsked(ticket=k4, at=at, by=None, handoff_id="h4", receiver="carol"),
            _resolved(k4, 15 + 30),
        ],
        k5: [
            HolderChanged(ticket=k5, at=START, by="bob", from_holder=None, to_holder=bob),
            HandoffForced(
                ticket=k5,
                at=START + timedelta(minutes=40),
                by="dana",
                handoff_id="h5",
                from_holder=bob,
                to_holder=Holder(DESKTOP),
                kind=SERVICE,
                reason="needs a decision",
            ),
            HandoffApplied(
                ticket=k5,
                at=START + timedelta(minutes=40),
                by="dana",
                handoff_id="h5",
                from_holder=bob,
                to_holder=Holder(DESKTOP),
            ),
            EscalationReviewOpened(
                ticket=k5,
                at=START + timedelta(minutes=40),
                by=None,
                handoff_id="h5",
                escalation_kind=str(SERVICE),
                editors=["dana"],
            ),
        ],
        k6: [
            *_handoff(k6, 0, "rule:stale", "h6", Holder(DESK, "bob"), Holder(NETWORK), Holder(NETWORK, "frank")),
            ReviewAsked(ticket=k6, at=at, by=None, handoff_id="h6", receiver="frank"),
            HandoffReviewed(ticket=k6, at=at, by="frank", handoff_id="h6", needed=True, prepared=True, timely="early"),
        ],
    }


@pytest.fixture
def reviewed_ledger(store, database_url) -> str:
    for key, events in _history().items():
        with store.unit_of_work(START + timedelta(hours=3)) as uow:
            uow.append(uow.load_ticket(key), events)
    return database_url


@pytest.fixture
def metrics(reviewed_ledger) -> dict:
    bulk = open_bulk(reviewed_ledger)
    try:
        return compute_metrics(stream_views(bulk), late_within_minutes=60)
    finally:
        bulk.close()


def _row(
    name,
    handoffs,
    reviewed,
    asked,
    reviewed_of_asked,
    response,
    needed,
    unneeded,
    prepared,
    poorly,
    timely,
    early,
    late,
    by_timing,
    both,
) -> dict:
    """A per-engineer row: counts as given, shares worked out by hand in the comments of each test."""

    def share(part, whole):
        return round(part / whole, 4) if whole else None

    return {
        "handoffs": handoffs,
        "reviewed": reviewed,
        "asked": asked,
        "reviewed_of_asked": reviewed_of_asked,
        "response_rate": response,
        "needed_answered": needed,
        "unneeded": unneeded,
        "unneeded_share": share(unneeded, needed),
        "prepared_answered": prepared,
        "poorly_prepared": poorly,
        "poorly_prepared_share": share(poorly, prepared),
        "timely_answered": timely,
        "too_early": early,
        "too_late": late,
        "too_late_share": share(late, timely),
        "late_by_timing": by_timing,
        "late_by_timing_share": share(by_timing, handoffs),
        "too_late_and_by_timing": both,
    } | name


def test_per_receiver_table(metrics):
    by_receiver = metrics["reviews"]["by_receiver"]
    assert [row["receiver"] for row in by_receiver] == ["carol", "frank", "Desktop (queue)", "gina"]
    carol, frank, queue, gina = by_receiver
    # carol: h1 (unneeded, well prepared, too late; late by timing) and h4 (asked, never answered; late by timing)
    assert carol == _row({"receiver": "carol"}, 2, 1, 2, 1, 0.5, 1, 1, 1, 0, 1, 0, 1, 2, 1)
    assert (carol["unneeded_share"], carol["too_late_share"], carol["late_by_timing_share"]) == (1.0, 1.0, 1.0)
    # frank: h2 (needed, poorly prepared, timeliness unanswered) and h6 (needed, well prepared, too early)
    assert frank == _row({"receiver": "frank"}, 2, 2, 2, 2, 1.0, 2, 0, 2, 1, 1, 1, 0, 0, 0)
    assert (frank["poorly_prepared_share"], frank["too_late_share"]) == (0.5, 0.0)
    # the queue h5 was forced to has nobody to ask: a handoff, no shares
    assert queue == _row({"receiver": "Desktop (queue)"}, 1, 0, 0, 0, None, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert gina == _row({"receiver": "gina"}, 1, 1, 1, 1, 1.0, 1, 0, 1, 0, 1, 0, 0, 0, 0)


def test_per_sender_table(metrics):
    by_sender = metrics["reviews"]["by_sender"]
    assert [row["sender"] for row in by_sender] == ["alice", "bob", "dana", "rule:stale"]  # h2x was declined
    alice, bob, dana, rule = by_sender
    # alice: h1 (unneeded, too late, late by timing) and h2 (poorly prepared)
    assert alice == _row({"sender": "alice"}, 2, 2, 2, 2, 1.0, 2, 1, 2, 1, 1, 0, 1, 1, 1)
    assert (alice["unneeded_share"], alice["poorly_prepared_share"], alice["too_late_share"]) == (0.5, 0.5, 1.0)
    # bob: h3 (all fine) and h4 (unanswered, but late by timing)
    assert bob == _row({"sender": "bob"}, 2, 1, 2, 1, 0.5, 1, 0, 1, 0, 1, 0, 0, 1, 0)
    assert (bob["too_late_share"], bob["late_by_timing_share"]) == (0.0, 0.5)
    assert dana == _row({"sender": "dana"}, 1, 0, 0, 0, None, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert rule == _row({"sender": "rule:stale"}, 1, 1, 1, 1, 1.0, 1, 0, 1, 0, 1, 1, 0, 0, 0)


def test_per_group_and_per_period_tables(metrics):
    by_group = metrics["reviews"]["by_group"]
    assert [row["group"] for row in by_group] == ["Network", "Desktop"]
    network, desktop = by_group
    # Network got h1, h2, h4 and h6: unneeded h1 of 3 answers, poorly prepared h2 of 3, h6 too early and h1 too
    # late of 2, late by timing h1 and h4 (h1 also rated too late); h4 was asked, never answered
    assert network == _row({"group": "Network"}, 4, 3, 4, 3, 0.75, 3, 1, 3, 1, 2, 1, 1, 2, 1)
    # Desktop got h3 (reviewed, all fine) and h5 (forced to its queue: nobody to ask); h2x was declined
    assert desktop == _row({"group": "Desktop"}, 2, 1, 1, 1, 1.0, 1, 0, 1, 0, 1, 0, 0, 0, 0)
    # every ticket was opened on 2 March: one period, the same figures as over everything
    assert metrics["reviews"]["by_period"] == [_row({"period": "2026-03"}, 6, 4, 5, 4, 0.8, 4, 1, 4, 1, 3, 1, 1, 2, 1)]


def test_overall_figures_and_the_late_signal_beside_the_ratings(metrics):
    reviews = metrics["reviews"]
    assert reviews["entries"] == 18
    # 6 handoffs; 4 reviewed of 5 asked; 1 of 4 unneeded, 1 of 4 poorly prepared, 1 of 3 too late
    assert reviews["overall"] == _row({}, 6, 4, 5, 4, 0.8, 4, 1, 4, 1, 3, 1, 1, 2, 1)
    assert reviews["overall"]["too_late_share"] == 0.3333 and reviews["overall"]["late_by_timing_share"] == 0.3333
    # the timing signal per handoff adds up to the late-handoff metric's count: rt:1 and rt:4
    assert metrics["late_handoffs"]["tickets"] == reviews["overall"]["late_by_timing"] == 2


def test_the_leads_audits_beside_the_receivers_reviews(metrics):
    audit = metrics["reviews"]["audit"]
    assert (audit["drawn"], audit["audited"], audit["audited_of_drawn"], audit["audited_and_reviewed"]) == (3, 2, 2, 2)
    assert audit["agreement"] == [
        {"question": "needed", "compared": 2, "agreeing": 1, "agreement_rate": 0.5},
        {"question": "prepared", "compared": 2, "agreeing": 1, "agreement_rate": 0.5},
        {"question": "timely", "compared": 2, "agreeing": 2, "agreement_rate": 1.0},
    ]
    assert audit["disagreements"] == [
        {
            "ticket": "rt:1",
            "handoff": "h1",
            "sender": "alice",
            "question": "needed",
            "receiver": "carol",
            "receiver_said": "unneeded",
            "lead": "erin",
            "lead_said": "needed",
        },
        {
            "ticket": "rt:3",
            "handoff": "h3",
            "sender": "bob",
            "question": "prepared",
            "receiver": "gina",
            "receiver_said": "well prepared",
            "lead": "dana",
            "lead_said": "poorly prepared",
        },
    ]


def test_escalation_causes_by_kind(metrics):
    escalations = metrics["reviews"]["escalation_reviews"]
    assert {k: escalations[k] for k in ("reviews", "open", "closed", "linked_changes", "with_a_change")} == {
        "reviews": 3,
        "open": 2,
        "closed": 1,
        "linked_changes": 1,
        "with_a_change": 1,
    }
    assert escalations["by_kind_and_cause"] == [
        {
            "escalation_kind": "administrative-sales",
            "cause_kind": "pricing",
            "reviews": 1,
            "open": 1,
            "closed": 0,
            "linked_changes": 0,
        },
        {
            "escalation_kind": "administrative-service",
            "cause_kind": "(not given yet)",
            "reviews": 1,
            "open": 1,
            "closed": 0,
            "linked_changes": 0,
        },
        {
            "escalation_kind": "administrative-service",
            "cause_kind": "contract",
            "reviews": 1,
            "open": 0,
            "closed": 1,
            "linked_changes": 1,
        },
    ]
    assert [(r["ticket"], r["handoff"], r["opened_at"]) for r in escalations["open_reviews"]] == [
        ("rt:4", "h4", "2026-03-02 09:05"),
        ("rt:5", "h5", "2026-03-02 09:40"),
    ]


def test_terminal_summary(metrics):
    lines = summary_lines(metrics)
    start = next(i for i, line in enumerate(lines) if line.startswith("handoff reviews:"))
    assert lines[start : start + 5] == [
        "handoff reviews: 4 of 6 handoffs reviewed; 4 of 5 (80.0%) asked answered",
        "  of the answers: unneeded 1 of 4 (25.0%), poorly prepared 1 of 4 (25.0%), too late 1 of 3 (33.3%)",
        "  late by timing (resolved within 60 min): 2 of 6 (33.3%) handoffs; rated too late as well: 1",
        "  lead audits: 2 audited (2 of 3 drawn); agree with the receiver on needed 1 of 2, prepared 1 of 2, "
        "timely 2 of 2; 2 disagreements",
        "  escalation reviews: 3 (2 open, 1 closed); rule or SLA changes linked: 1; causes by kind: "
        "administrative-sales: pricing 1; administrative-service: (not given yet) 1, contract 1",
    ]


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.links, self.headings, self.open_tags, self._text = [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        elif tag == "a":
            self.links.append(attrs["href"])
        elif tag in ("h2", "h3"):
            self._text = ""
        if tag not in ("img", "meta", "br"):
            self.open_tags.append(tag)

    def handle_data(self, data):
        if self._text is not None:
            self._text += data

    def handle_endtag(self, tag):
        assert self.open_tags and self.open_tags.pop() == tag, f"</{tag}> closes nothing open"
        if tag in ("h2", "h3"):
            self.headings.append(self._text)
            self._text = None


def test_report_shows_the_reviews_section_with_its_charts_and_tables(reviewed_ledger, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    result = CliRunner().invoke(
        cli, ["--db", reviewed_ledger, "report", "--out", "out", "--late-within", "60"], catch_exceptions=False
    )
    assert result.exit_code == 0
    assert "handoff reviews: 4 of 6 handoffs reviewed; 4 of 5 (80.0%) asked answered" in result.output

    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    # on the page each count stands beside its whole: carol was asked twice and answered once, and so on
    assert (
        "<tr><td>carol</td><td>2</td><td>1</td><td>1 of 2 (50%)</td><td>1 of 1 (100%)</td><td>0 of 1 (0%)</td>"
        "<td>0 of 1 (0%)</td><td>1 of 1 (100%)</td><td>2 of 2 (100%)</td><td>1</td></tr>"
    ) in html
    page = _Page()
    page.feed(html)
    page.close()
    assert page.open_tags == []
    section = page.headings[page.headings.index("Handoff reviews") :]
    assert section[1:9] == [
        "Reviews by sender",
        "Reviews by receiver",
        "Reviews by group",
        "Reviews by period",
        "Audit agreement",
        "Audit disagreements",
        "Escalation reviews by kind",
        "Open escalation reviews",
    ]
    # with Baton's own handoffs in the ledger, the scorecards show their columns: every handoff here was accepted
    # 10 minutes after it was asked for
    scorecards = html[html.index('<h2 id="scorecards">') : html.index('<h2 id="handoff-reviews">')]
    assert "<th>Acceptance median</th>" in scorecards and "<td>10 min</td>" in scorecards
    names = {Path(src).name for src in page.images}
    assert {
        "review_shares_by_receiver.png",
        "review_shares_by_sender.png",
        "late_signal_by_receiver.png",
        "escalation_causes_by_kind.png",
    } <= names
    for src in page.images:
        image = tmp_path / "out" / src
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and image.stat().st_size > 1000
    for href in page.links:
        assert (tmp_path / "out" / href).stat().st_size > 0
    csv = (tmp_path / "out" / "reviews_by_receiver.csv").read_text(encoding="utf-8").splitlines()
    assert csv[0].startswith("receiver,handoffs,reviewed,asked,reviewed_of_asked,response_rate,needed_answered")
    assert csv[1] == "carol,2,1,2,1,0.5,1,1,1.0,1,0,0.0,1,0,1,1.0,2,1.0,1"
    disagreements = (tmp_path / "out" / "audit_disagreements.csv").read_text(encoding="utf-8").splitlines()
    assert disagreements[1] == "rt:1,h1,alice,needed,carol,unneeded,erin,needed"
