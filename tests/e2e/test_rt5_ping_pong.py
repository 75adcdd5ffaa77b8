"""Issue 18 on a real Request Tracker 5: a ticket that goes from the Service Desk to Network and back (A -> B -> A)
names its accountable owner and escalates to the Service Desk's lead, noted in RT and emailed to the lead.

A push Baton reverts is no bounce: RT shows Service Desk -> Network -> Service Desk, the ledger never moved, and no
ping-pong is raised for it. The ticket then really goes to Network (carol accepts the request) and comes back (erin,
Network's manager, moves it to the Service Desk queue in RT: a force): that return is the ping-pong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from baton_itsm.core.domain.holders import Holder
from tests.e2e import rt5
from tests.e2e.model_run import write_deployment
from tests.e2e.rt5 import Person, holder_in_rt
from tests.e2e.test_rt5_convergence import NETWORK, SD, Desk, notes_by_baton, pushed_to_network

carol, erin = Person("carol"), Person("erin")
LIMITS = "rules:\n  bounce_limits: {default: {bounces: 3, return_within: 1d}}\n"


@pytest.fixture
def desk(rt, tmp_path, monkeypatch, mail):
    monkeypatch.setenv("BATON_E2E_RT_USER", "baton")
    monkeypatch.setenv("BATON_E2E_RT_PASSWORD", rt5.PASSWORDS["baton"])
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL", "BATON_USER", "BATON_LINK_SECRET"):
        monkeypatch.delenv(var, raising=False)
    config, db = write_deployment(tmp_path, mail.port)
    Path(config).write_text(Path(config).read_text().replace("rules:\n", LIMITS, 1))
    return Desk(config, db, mail)


def ping_pongs(desk: Desk, ticket: str) -> list:
    return [e for e in desk.entries(ticket) if e.entry_type == "rule" and e.rule == "ping-pong"]


def test_a_ping_pong_in_rt_names_the_owner_and_escalates_to_the_lead(desk):
    ticket, _request = pushed_to_network(desk, "VPN drops every hour")  # bob's push, reverted by Baton
    desk.cycle()
    assert holder_in_rt(ticket) == (SD, "alice")
    assert ping_pongs(desk, ticket) == [] and desk.ticket(ticket).bounces == 0, "Baton's revert is no bounce"

    carol.comment(ticket, "/baton accept")
    desk.cycle(3)
    assert holder_in_rt(ticket) == (NETWORK, "carol") and desk.ticket(ticket).bounces == 1
    assert ping_pongs(desk, ticket) == []

    erin.update(ticket, Queue=SD, Owner="Nobody")  # Network's manager sends it back: A -> B -> A
    desk.cycle(3)
    assert holder_in_rt(ticket)[0] == SD and desk.ticket(ticket).bounces == 2
    (fired,) = ping_pongs(desk, ticket)
    assert (fired.outcome, fired.owner, fired.to_holder, fired.first_route) == (
        "escalated",
        "alice",
        Holder(SD, "dana"),
        "root",
    )
    assert (
        fired.reason.startswith("back with Service Desk ")
        and "(Service Desk/alice -> Network/carol -> Service Desk)" in fired.reason
    )
    (note,) = [n for n in notes_by_baton(ticket) if n.startswith("Ping-pong")]
    assert "Accountable owner: alice. Baton escalated it to dana, lead of Service Desk, to coordinate." in note
    (told,) = desk.emails_to("dana@example.test")
    assert told.message["Subject"] == f"[rt:{ticket}] Ping-pong: please coordinate"
    text = told.part("plain")
    assert (
        "Accountable owner: Alice Agent" in text
        and "Its path: Service Desk/alice -> Network/carol -> Service Desk" in text
    )
    assert "It was first assigned in Service Desk" in text

    erin.update(ticket, Queue=NETWORK)  # a third bounce: the ticket was escalated already, once is enough
    desk.cycle(3)
    assert desk.ticket(ticket).bounces == 3
    assert len(ping_pongs(desk, ticket)) == 1 and not [
        e for e in desk.entries(ticket) if e.entry_type == "rule" and e.rule == "bounce-limit"
    ]
    assert len(desk.emails_to("dana@example.test")) == 1
    desk.agrees_with_rt(ticket)
