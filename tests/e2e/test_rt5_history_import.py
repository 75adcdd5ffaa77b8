"""`baton import rt` on a real Request Tracker 5: tickets made and moved by people, read back through REST2.

RT is not reset here: each test makes its own tickets and imports only their id range.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from baton_itsm.connectors.rest.history import read_rt_history
from baton_itsm.connectors.rest.history_search import HistorySearch
from baton_itsm.core.app import build_app
from baton_itsm.core.cli.main import cli
from baton_itsm.core.clock import FixedClock, SystemClock
from baton_itsm.core.domain.holders import Holder, TicketKey
from tests.e2e.rt5 import Person

SD, NETWORK = "Service Desk", "Network"
alice, bob, carol, root = Person("alice"), Person("bob"), Person("carol"), Person("root")


@pytest.fixture
def baton(deployment_beside):
    config, db = deployment_beside

    def run(*args: str, ok: bool = True):
        result = CliRunner().invoke(cli, ["--config", config, "--db", db, *args], catch_exceptions=False)
        assert (result.exit_code == 0) is ok, result.output
        return result

    return run


@pytest.fixture
def desk_history():
    """Three tickets with a history: (first id, last id, the tickets by name)."""
    printer = root.create(SD, "rt-history: printer")  # the Service Desk queue
    alice.take(printer)  # a pull
    alice.update(printer, Queue=NETWORK, Owner="Nobody")  # to Network's queue: RT records two transactions
    vpn = root.create(SD, "rt-history: vpn", owner="carol")
    for status in ("resolved", "open", "resolved"):  # resolved, reopened, resolved again
        carol.update(vpn, Status=status)
    badge = root.create(SD, "rt-history: badge", owner="alice")
    root.update(badge, Owner="bob")  # a push to a colleague
    bob.update(badge, Queue=NETWORK)  # bob keeps it: he may own tickets in Network
    return printer, badge, {"printer": printer, "vpn": vpn, "badge": badge}


def report(baton) -> dict:
    return json.loads(baton("report", "--format", "json", "--no-charts", "--instance", "rt").output)


def holders(baton, ticket: str) -> list[str]:
    rows = json.loads(baton("ledger", f"rt:{ticket}", "--format", "json").output)
    return [f"{r['to_group']}/{r['to_person'] or '-'}" for r in rows if r["entry_type"] == "holder-changed"]


def test_import_derives_holders_and_the_report_counts_them(baton, desk_history, tmp_path):
    first, last, t = desk_history
    out = tmp_path / "report"
    output = baton("import", "rt", "--from-id", first, "--to-id", last, "--quiet", "--report", "--out", str(out)).output
    assert "as rt: " in output and "0 rejected" in output
    # 7 holder changes (alice's one PUT of Queue and Owner is one change, not two), 3 summaries
    assert "3 tickets (3 new" in output and "10 ledger entries written" in output
    assert "11 transactions read" in output
    assert "3 tickets (rt)" in output  # --report: the report's summary follows the import's
    whole_ledger = json.loads(baton("report", "--format", "json", "--no-charts").output)
    assert json.loads((out / "report.json").read_text()) == whole_ledger

    assert holders(baton, t["printer"]) == [f"{SD}/-", f"{SD}/alice", f"{NETWORK}/-"]
    assert holders(baton, t["vpn"]) == [f"{SD}/carol"]
    assert holders(baton, t["badge"]) == [f"{SD}/alice", f"{SD}/bob", f"{NETWORK}/bob"]
    assert "held by Network/bob" in baton("ledger", f"rt:{t['badge']}").output

    metrics = report(baton)
    assert metrics["tickets"] == 3
    # printer: one move to another group; vpn: none; badge: alice -> bob, then to Network
    assert metrics["bounces"]["total"] == 3
    assert {k: v for k, v in metrics["bounces"]["distribution"].items() if v} == {"0": 1, "1": 1, "2": 1}
    assert metrics["reopen"]["reopened"] == 1 and metrics["reopen"]["tickets"] == 3


def test_reimporting_adds_nothing_and_a_later_move_is_appended_once(baton, desk_history):
    first, last, t = desk_history
    baton("import", "rt", "--from-id", first, "--to-id", last, "--quiet")
    before = report(baton)
    again = baton("import", "rt", "--from-id", first, "--to-id", last).output
    assert "imported already" in again and "nothing added" in again
    assert report(baton) == before

    carol.take(t["printer"])  # after the import, in RT
    later = baton("import", "rt", "--from-id", first, "--to-id", last, "--quiet").output
    assert "0 new, 1 already in the ledger got new entries" in later
    assert "2 ledger entries written" in later  # carol's pull and the ticket's new summary
    assert holders(baton, t["printer"])[-1] == f"{NETWORK}/carol"


def test_baton_run_continues_the_imported_tickets(deployment_beside, baton, desk_history):
    first, last, t = desk_history
    baton("import", "rt", "--from-id", first, "--to-id", last, "--quiet")
    config, db = deployment_beside
    app = build_app(config, db, clock=FixedClock(SystemClock().now()))
    key = TicketKey("rt", t["printer"])
    assert app.connectors["rt"].read_ticket(t["printer"]).key == key  # the connector's key for the same ticket
    imported = len(app.handoffs.ledger(key))
    app.poller.run_once()  # the first poll only sets the checkpoint

    carol.take(t["printer"])  # a pull from Network's queue, seen live
    assert app.poller.run_once().ok
    entries = app.handoffs.ledger(key)
    assert len(entries) == imported + 1 and entries[-1].version == imported + 1  # the same ticket, continued
    assert entries[-1].event.to_holder == Holder(NETWORK, "carol")

    # An import after the live run recognises the pull the poller recorded (same transaction id).
    output = baton("import", "rt", "--from-id", first, "--to-id", last, "--quiet").output
    assert "1 ledger entries written, 10 were there already" in output  # printer's new summary only
    assert holders(baton, t["printer"]).count(f"{NETWORK}/carol") == 1


def test_only_the_queues_asked_for_and_nothing_created_in_the_future(baton, desk_history):
    first, last, t = desk_history
    output = baton("import", "rt", "--queue", NETWORK, "--from-id", first, "--to-id", last, "--quiet").output
    assert "2 tickets (2 new" in output  # printer and badge are in Network now; vpn stayed in the Service Desk
    assert "no ledger entries" in baton("ledger", f"rt:{t['vpn']}").output
    future = baton("import", "rt", "--created-since", "2999-01-01", "--from-id", first, "--quiet").output
    assert "0 transactions read" in future and "0 tickets" in future


def test_a_move_from_a_queue_baton_may_not_see_is_rejected_and_explained(baton):
    ticket = root.create("General", "rt-history: from General")  # baton has no SeeQueue on General
    root.update(ticket, Queue=SD)
    output = baton("import", "rt", "--from-id", ticket, "--to-id", ticket, "--quiet").output
    assert "1 rejected" in output and "unnamed Queue: ids 1 -> 3" in output
    assert "not allowed for Baton's account (403)" in output
    assert holders(baton, ticket) == [f"{SD}/-"]  # what Baton can tell: it is in the Service Desk queue now


def test_wrong_credentials_are_a_clear_error_that_shows_no_secret(baton, monkeypatch):
    monkeypatch.setenv("BATON_E2E_RT_PASSWORD", "not-the-password")
    wrong = baton("import", "rt", "--from-id", "1", "--to-id", "1", ok=False)
    assert wrong.exit_code == 1
    assert "rt at http://127.0.0.1" in wrong.output and "did not accept Baton's credentials (401)" in wrong.output
    assert "not-the-password" not in wrong.output


def test_the_progress_goes_ticket_by_ticket_to_the_end(deployment_beside, desk_history):
    first, last, _ = desk_history
    config, db = deployment_beside
    connector = build_app(config, db).connectors["rt"]
    seen = []
    reading = read_rt_history(
        connector, HistorySearch(from_id=int(first), to_id=int(last)), lambda done, total: seen.append((done, total))
    )
    assert seen[-1] == (3, 3) and len(list(reading.tickets)) == 3
