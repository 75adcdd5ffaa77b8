"""The compact history import (one ledger row per imported ticket, its moves inside) against one row per move.

On the first 3,000 rows of the real ServiceNow log
(tests/connectors/servicenow/fixtures/incident_event_log_head.PROVENANCE.md):
`baton import` writes the compact form; the same tickets written the way live entries are (the store's
UnitOfWork, one ledger row per HolderChanged and one for the HistorySummary) must give the same report, figure
for figure, and the same `baton ledger`. A log read in two halves (two processes) and a report added up in two
halves must give the same figures as one pass, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from baton_itsm.connectors.servicenow.history import log_import as servicenow_import
from baton_itsm.connectors.servicenow.history.log_import import read_servicenow_log
from baton_itsm.core.cli.main import cli
from baton_itsm.core.domain.events import HolderChanged
from baton_itsm.core.domain.history_events import HistorySummary
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.ownership import OwnershipPolicy
from baton_itsm.core.metrics import two_parts
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import ensure_current
from baton_itsm.core.store.unit_of_work import UnitOfWork
from tests.reference import SERVICENOW_FIXTURES

SAMPLE = SERVICENOW_FIXTURES / "incident_event_log_head.csv.gz"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATON_CONFIG", raising=False)
    monkeypatch.delenv("BATON_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def url(workdir, database_url) -> str:
    """A migrated, empty ledger store: SQLite, and PostgreSQL (which `baton import` does not migrate itself)."""
    baton(database_url, "db", "upgrade")
    return database_url


def baton(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def report(url: str, instance: str) -> dict:
    metrics = json.loads(baton(url, "report", "--format", "json", "--no-charts", "--instance", instance))
    assert metrics.pop("instances") == [instance]
    return metrics


def ledger(url: str, ticket: str) -> list[dict]:
    """`baton ledger --format json` as a reader sees it, less where the rows sit (seq) and when they were written."""
    return [
        {k: v for k, v in entry.items() if k not in ("seq", "recorded_at", "ticket")}
        for entry in json.loads(baton(url, "ledger", ticket, "--format", "json"))
    ]


def write_one_row_per_move(url: str, instance: str, path: Path) -> None:
    """The sample's tickets through the store's regular path: a ledger row per event, as live entries are."""
    engine = make_engine(url)
    ensure_current(engine)
    with engine.begin() as connection:
        uow = UnitOfWork(connection, NOW, OwnershipPolicy())
        for imported in read_servicenow_log(path).tickets:
            key = TicketKey(instance, imported.ticket_id)
            events, previous = [], None
            for at, actor, group, person, source_id in imported.steps:
                holder = Holder(group, person)
                events.append(
                    HolderChanged(
                        ticket=key,
                        at=_aware(at),
                        by=actor,
                        from_holder=previous,
                        to_holder=holder,
                        source_event_id=source_id,
                        cause="import",
                    )
                )
                previous = holder
            events.append(
                HistorySummary(
                    ticket=key,
                    at=_aware(imported.last_activity_at),
                    by=None,
                    source_event_id=imported.source_event_id,
                    opened_at=imported.opened_at,
                    resolved_at=imported.resolved_at,
                    reopen_count=imported.reopen_count,
                    tool_reassignments=imported.tool_reassignments,
                    derived_reassignments=imported.derived_reassignments,
                    updates=imported.updates,
                    mismatch=imported.mismatch,
                )
            )
            uow.append(uow.load_ticket(key), events)
            uow.save_facts(
                key,
                TicketFacts(
                    requester=imported.requester,
                    priority=imported.priority,
                    category=imported.category,
                    status=imported.status,
                ),
            )
    engine.dispose()


def ledger_rows(url: str, instance: str) -> int:
    """How many rows the ledger holds for the instance's tickets: the storage itself, what this change is about."""
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            text(
                "SELECT COUNT(*) FROM ledger_entries e JOIN tickets t ON t.id = e.ticket_id "
                "WHERE t.instance = :instance"
            ),
            {"instance": instance},
        ).scalar_one()
    engine.dispose()
    return count


def sample_text() -> str:
    with gzip.open(SAMPLE, "rt", encoding="utf-8", newline="") as stream:
        return stream.read()


def _aware(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_compact_import_reports_and_reads_as_one_row_per_move(workdir, url):
    output = baton(url, "import", "servicenow-log", str(SAMPLE), "--instance", "compact", "-q")
    assert "3,000 rows read, 0 rejected" in output and "447 tickets (447 new" in output
    write_one_row_per_move(url, "per-move", SAMPLE)

    assert ledger_rows(url, "compact") == 447, "one ledger row per imported ticket, its moves inside"
    assert ledger_rows(url, "per-move") == 1_007 + 447  # a row per move, and one per summary

    compact, per_move = report(url, "compact"), report(url, "per-move")
    assert compact["tickets"] == 447 and compact["bounces"]["total"] > 0 and compact["tool_counter"]["tickets"] == 447
    assert compact == per_move, "every figure of the report is the same, whichever way the ledger holds the moves"
    for number in ("INC0000045", "INC0000047", "INC0000062", "INC0000830"):
        assert ledger(url, f"compact:{number}") == ledger(url, f"per-move:{number}")
    entries = ledger(url, "compact:INC0000047")
    assert [e["entry_type"] for e in entries] == ["holder-changed"] * 3 + ["history"]
    assert [e["version"] for e in entries] == [1, 2, 3, 4]


def test_reimporting_the_sample_adds_nothing_and_an_overlapping_file_only_what_is_new(workdir, url):
    baton(url, "import", "servicenow-log", str(SAMPLE), "-q")
    before = report(url, "sn-log")
    assert "imported already" in baton(url, "import", "servicenow-log", str(SAMPLE))
    # The same rows under another name (another SHA-256 too: one more row): only that row's move is new.
    longer = workdir / "longer.csv"
    text = sample_text()
    last = text.splitlines()[-1].split(",")
    last[5] = "99"  # sys_mod_count
    last[13] = "30-06-2016 09:00"  # sys_updated_at: after every row of the sample
    last[23] = "Group 999"  # assignment_group
    longer.write_text(text + ",".join(last) + "\n", newline="")
    output = baton(url, "import", "servicenow-log", str(longer), "-q")
    assert "0 new, 1 already in the ledger got new entries" in output
    assert "2 ledger entries written" in output  # the new move and the new summary
    assert "were there already" in output  # the incident's moves of the sample, known by their source ids
    after = report(url, "sn-log")
    assert after["tickets"] == before["tickets"]
    assert "held by Group 999" in baton(url, "ledger", "sn-log:INC0000830")


def test_a_log_read_in_two_halves_and_a_report_added_up_in_two_are_the_same_as_in_one(workdir, url, monkeypatch):
    baton(url, "import", "servicenow-log", str(SAMPLE), "--instance", "one", "-q")
    one = report(url, "one")
    monkeypatch.setattr(servicenow_import, "SPLIT_FROM", 1)  # two halves (on SQLite: PostgreSQL reads in one)
    baton(url, "import", "servicenow-log", str(SAMPLE), "--instance", "two", "-q")
    assert report(url, "two") == one
    monkeypatch.setattr(two_parts, "SPLIT_FROM", 1)  # the report's tallies in two processes, then merged
    assert report(url, "two") == one
    assert ledger(url, "two:INC0000830") == ledger(url, "one:INC0000830")


def test_an_incident_in_both_halves_is_read_again_whole(workdir, monkeypatch):
    lines = sample_text().splitlines(keepends=True)
    apart = workdir / "apart.csv"  # INC0000045's first row moved to the end of the file: its rows are apart
    apart.write_text("".join([lines[0], *lines[2:], lines[1]]), newline="")
    url = f"sqlite:///{workdir / 'ledger.db'}"  # halves are read into SQLite only (ids given up front)
    baton(url, "import", "servicenow-log", str(SAMPLE), "--instance", "together", "-q")
    monkeypatch.setattr(servicenow_import, "SPLIT_FROM", 1)
    output = baton(url, "import", "servicenow-log", str(apart), "--instance", "apart", "-q")
    assert "3,000 rows read, 0 rejected" in output and "447 tickets (447 new" in output
    assert report(url, "apart")["bounces"] == report(url, "together")["bounces"]
    assert ledger(url, "apart:INC0000045") == ledger(url, "together:INC0000045")


def test_a_file_that_is_not_a_servicenow_log_is_refused_in_one_line(workdir, url):
    not_a_log = workdir / "other.csv"
    not_a_log.write_text("a,b,c\n1,2,3\n")
    result = CliRunner().invoke(cli, ["--db", url, "import", "servicenow-log", str(not_a_log)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "not a ServiceNow incident event log, header lacks number" in result.output
    assert ledger_rows(url, "sn-log") == 0  # nothing written
