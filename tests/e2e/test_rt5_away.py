"""Issue 18 on a real Request Tracker 5: availability. bob is set away by `baton away` with alice as his deputy;
carol pushes a ticket to bob in RT; Baton puts it back and asks alice instead, says why in an RT comment and in
alice's email; alice accepts by `/baton accept` and RT shows her as the owner. The ledger records who was asked,
who got it and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from baton_itsm.core.domain.holders import Holder
from tests.e2e import rt5
from tests.e2e.model_run import write_deployment
from tests.e2e.rt5 import Person, holder_in_rt
from tests.e2e.test_rt5_convergence import NETWORK, SD, Desk, create, notes_by_baton

alice, carol = Person("alice"), Person("carol")
DIRECT = "rules:\n  queue_first: {allow_direct: [{from: Network, to: Service Desk}]}\n"


@pytest.fixture
def desk(rt, tmp_path, monkeypatch, mail):
    """Baton beside the freshly reset RT; Network may hand straight to a person of the Service Desk."""
    monkeypatch.setenv("BATON_E2E_RT_USER", "baton")
    monkeypatch.setenv("BATON_E2E_RT_PASSWORD", rt5.PASSWORDS["baton"])
    monkeypatch.setenv("BATON_LINK_SECRET", "e2e-link-secret-0123456789abcdef")
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL", "BATON_USER"):
        monkeypatch.delenv(var, raising=False)
    config, db = write_deployment(tmp_path, mail.port)
    Path(config).write_text(Path(config).read_text().replace("rules:\n", DIRECT, 1))
    return Desk(config, db, mail)


def test_a_push_to_an_away_person_lands_with_the_deputy_noted_in_rt_and_the_email_says_why(desk):
    today = datetime.now(UTC).date()
    away = desk.baton(
        "away",
        "bob",
        "--from",
        today.isoformat(),
        "--until",
        (today + timedelta(days=2)).isoformat(),
        "--deputy",
        "alice",
        "--note",
        "training",
    )
    assert away.exit_code == 0, away.output
    ticket = create(NETWORK, "Shared drive quota", owner="carol")
    desk.cycle()
    carol.update(ticket, Queue=SD, Owner="bob")  # a push in RT to someone who is away
    desk.cycle()

    (request,) = desk.requests(ticket)
    assert request.to_holder == Holder(SD, "alice"), "the deputy is asked, not bob"
    (rerouted,) = [e for e in desk.entries(ticket) if e.entry_type == "rule" and e.rule == "away"]
    assert (rerouted.outcome, rerouted.from_holder, rerouted.to_holder, rerouted.handoff_id) == (
        "to-deputy",
        Holder(SD, "bob"),
        Holder(SD, "alice"),
        request.handoff_id,
    )
    assert holder_in_rt(ticket) == (NETWORK, "carol"), "put back until the deputy accepts"
    (note,) = [n for n in notes_by_baton(ticket) if "put this ticket back" in n]
    assert f"Handoff request {request.handoff_id} now asks alice (Service Desk) to accept it" in note
    assert "bob is away (training) until" in note and "alice deputises" in note
    (asked,) = [m for m in desk.emails_to("alice@example.test") if "Please accept" in m.message["Subject"]]
    text = asked.part("plain")
    assert "Sent to you instead of Bob Agent: bob is away (training) until" in text
    assert not [m for m in desk.emails_to("bob@example.test") if "Please accept" in m.message["Subject"]]

    alice.comment(ticket, "/baton accept")
    desk.cycle(3)
    assert holder_in_rt(ticket) == (SD, "alice")
    desk.agrees_with_rt(ticket)
