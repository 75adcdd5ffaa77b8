"""The import's ServiceNow log reader (connectors/servicenow/history/log_import): the fast path and the careful one."""

from __future__ import annotations

from pathlib import Path

from baton_itsm.connectors.servicenow.history.log_import import read_servicenow_log
from tests.reference import SERVICENOW_FIXTURES

SMALL_LOG = SERVICENOW_FIXTURES / "small_log.csv"
HEADER, *ROWS = SMALL_LOG.read_text().splitlines()
INC1 = [row for row in ROWS if row.startswith("INC1,")]


def read(tmp_path: Path, rows: list[str]):
    path = tmp_path / "log.csv"
    path.write_text("\r\n".join([HEADER, *rows]) + "\r\n", newline="")
    reading = read_servicenow_log(path)
    return {ticket.ticket_id: ticket for ticket in reading.tickets}, reading


def test_an_exact_duplicate_snapshot_is_read_once(tmp_path):
    once, _ = read(tmp_path, INC1)
    twice, reading = read(tmp_path, [INC1[0], *INC1])
    assert reading.rows_read == len(INC1) + 1 and not reading.rejected
    assert twice["INC1"].updates == once["INC1"].updates == len(INC1)
    assert twice["INC1"].steps == once["INC1"].steps


def test_rows_out_of_order_are_ordered_by_time(tmp_path):
    ordered, _ = read(tmp_path, INC1)
    shuffled, _ = read(tmp_path, INC1[::-1])
    assert shuffled["INC1"].steps == ordered["INC1"].steps
    assert shuffled["INC1"].derived_reassignments == ordered["INC1"].derived_reassignments


def test_each_bad_row_is_rejected_with_its_line_and_column(tmp_path):
    fields = INC1[1].split(",")
    empty_mod = ",".join([*fields[:5], "?", *fields[6:]])
    bad_count = ",".join([*fields[:3], "x", *fields[4:]])
    no_number = ",".join(["?", *fields[1:]])
    quoted = ",".join([fields[0], '"Active"', *fields[2:]])  # quotes are read by the csv module
    tickets, reading = read(tmp_path, [INC1[0], empty_mod, bad_count, quoted, no_number, "", "  ", *INC1[2:]])
    reasons = {rejection.line: rejection.reason for rejection in reading.rejected}
    assert reasons == {
        3: "sys_mod_count: required, but empty ('?')",
        4: "reassignment_count: not a non-negative integer: 'x'",
        6: "number: required, but empty ('?')",
        8: "fields: expected 36, found 1",
    }
    assert tickets["INC1"].updates == len(INC1)  # the quoted row is INC1's second, read whole
    # The empty line is no row; every other line is either read or rejected, none dropped silently.
    assert reading.rows_read == len(INC1) + 4 == tickets["INC1"].updates + len(reading.rejected)
