"""Issue 18 on a real Request Tracker 5: declining with the desk's reason codes, and asking for a handoff from
inside RT.

- a `/baton decline CODE words` comment declines the open request with the catalog's code: the ledger keeps the
  code, Baton notes it in RT, and the sender's email says it;
- a `/baton handoff Network/carol kind=technical REASON -- SUMMARY` comment opens the request (queue first: to the
  Network queue), carol accepts it by `/baton accept`, the ticket moves in RT, and the summary reaches carol's
  email and the ledger; the requester hears nothing until the acceptance.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from tests.e2e import rt5
from tests.e2e.model_run import write_deployment
from tests.e2e.rt5 import Person, holder_in_rt
from tests.e2e.test_rt5_convergence import NETWORK, SD, Desk, create, notes_by_baton, pushed_to_network

alice, carol = Person("alice"), Person("carol")
CATALOG = """\
rules:
  decline_free_text: false
  decline_reasons:
    - {code: not-network, words: not a network fault}
    - {code: needs-info, words: the ticket lacks what we need to start, reassignable: false}
"""


@pytest.fixture
def desk(rt, tmp_path, monkeypatch, mail):
    """Baton on the issue's desk beside the freshly reset RT, with a catalog of decline reasons."""
    monkeypatch.setenv("BATON_E2E_RT_USER", "baton")
    monkeypatch.setenv("BATON_E2E_RT_PASSWORD", rt5.PASSWORDS["baton"])
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL", "BATON_USER", "BATON_LINK_SECRET"):
        monkeypatch.delenv(var, raising=False)
    config, db = write_deployment(tmp_path, mail.port)
    Path(config).write_text(Path(config).read_text().replace("rules:\n", CATALOG, 1))
    return Desk(config, db, mail)


def test_a_catalog_decline_from_a_comment_in_rt(desk):
    ticket, request = pushed_to_network(desk, "Printer offline on floor 2")
    carol.comment(ticket, "/baton decline cabling is facilities")  # free text: this desk declines by code
    desk.cycle()
    assert desk.types(ticket)[-1] == "requested", "refused: the request stays open"
    assert "declines with a reason code, not free text" in notes_by_baton(ticket)[-1]

    carol.comment(ticket, "/baton decline not-network cabling is facilities")
    desk.cycle()
    declined = desk.entries(ticket)[-1]
    assert (declined.entry_type, declined.handoff_id, declined.by) == ("declined", request.handoff_id, "carol")
    assert (declined.reason_code, declined.reason) == ("not-network", "not a network fault: cabling is facilities")
    assert holder_in_rt(ticket) == (SD, "alice"), "the ticket stays with its sender in RT"
    assert f"@carol: you declined handoff {request.handoff_id} (not-network)" in notes_by_baton(ticket)[-1]
    (told,) = [m for m in desk.emails_to("bob@example.test") if "Declined by" in m.message["Subject"]]
    assert "not a network fault: cabling is facilities (reason code not-network)" in told.part("plain")


def test_a_handoff_asked_by_comment_with_a_summary_is_accepted_in_rt(desk):
    ticket = create(SD, "Switch port dead in room 12", owner="alice")
    desk.cycle(3)  # the new ticket's "assigned to Alice" email goes out
    told_before = len(desk.emails_to("jo.bloggs@example.test"))
    alice.comment(
        ticket, "/baton handoff Network/carol kind=technical switch port dead -- re-patched, tested with a laptop"
    )
    desk.cycle()
    (request,) = desk.requests(ticket)
    assert (request.by, request.to_holder, request.kind) == ("alice", Holder(NETWORK), HandoffKind.TECHNICAL)
    assert (request.reason, request.summary) == ("switch port dead", "re-patched, tested with a laptop")
    assert holder_in_rt(ticket) == (SD, "alice"), "nothing moves before acceptance"
    assert f"handoff request {request.handoff_id} asks Network" in notes_by_baton(ticket)[-1]
    (asked,) = desk.emails_to("carol@example.test")
    assert "re-patched, tested with a laptop" in asked.part("plain"), "the summary reaches the receiver"
    assert len(desk.emails_to("jo.bloggs@example.test")) == told_before, "the requester hears nothing of the request"

    carol.comment(ticket, "/baton accept")
    desk.cycle(3)
    assert holder_in_rt(ticket) == (NETWORK, "carol")
    assert [t for t in desk.types(ticket) if t in ("requested", "accepted", "applied")] == [
        "requested",
        "accepted",
        "applied",
    ]
    told = desk.emails_to("jo.bloggs@example.test")[told_before:]
    assert told and "Carol" in told[-1].part("plain"), "the requester hears who has it once it is accepted"
    desk.agrees_with_rt(ticket)
