"""The least that `baton import` + `baton report` of the ServiceNow log can cost with the ledger's present
layout (one ledger row per imported ticket, its holder changes inside, and one `tickets` row per ticket),
beside the same pandas script as benchmarks/history.py, in the same run (not a test).

The floor is what any implementation of that layout pays even if reading the file, deriving the moves,
computing the metrics and writing the report files cost nothing:

* start-up: two commands, each an interpreter that imports Baton's command line (the import's and the
  report's own modules not counted);
* write: the rows an import of this log writes (taken from a real import beforehand, not timed), bound
  through the sqlite3 driver into a fresh ledger in one transaction and committed, as the store does
  (WAL, synchronous=NORMAL). Generous: a column holding one value in every row is written as a SQL
  literal, not bound per row, and decompressing the log is left out (it could overlap the writes);
* read: the report's two queries (core/metrics/load.py), every row fetched, nothing built from them.

It prints each part, their sum, and the sum against pandas' wall time beside history.py's goal (1.0x).

    python benchmarks/history_floor.py [--repeat N] [path/to/incident_event_log.zip]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _history_import import LOG_ZIP
from history import GOALS, measure

from baton_itsm.core.metrics.load import _ENTRIES, _TICKETS
from baton_itsm.core.store.location import sqlite_pragmas
from baton_itsm.core.store.snapshot import create_from_snapshot

START_UP = "import baton_itsm.core.cli.main"
TABLES = ("tickets", "ledger_entries", "inbox")  # what an import writes


def imported_rows(log: str, baton: str, folder: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Per table, (columns, rows) exactly as a real import of `log` left them (the filled columns only)."""
    db = folder / "imported.db"
    subprocess.run([baton, "--db", str(db), "import", "servicenow-log", log, "-q"], check=True, capture_output=True)
    raw = sqlite3.connect(db)
    tables = {}
    for table in TABLES:
        names = [row[1] for row in raw.execute(f"PRAGMA table_info({table})")]
        rows = raw.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
        filled = [i for i, _ in enumerate(names) if any(row[i] is not None for row in rows)]
        tables[table] = ([names[i] for i in filled], [tuple(row[i] for i in filled) for row in rows])
    raw.close()
    return tables


def insert_statement(table: str, columns: list[str], rows: list[tuple]) -> tuple[str, list[tuple]]:
    """An INSERT binding only the columns whose value varies; constant ones are SQL literals."""
    varying = [i for i in range(len(columns)) if len({row[i] for row in rows}) > 1]
    values = [("?" if i in varying else _literal(rows[0][i])) for i in range(len(columns))]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)})"
    return sql, [tuple(row[i] for i in varying) for row in rows]


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def time_write(statements: list[tuple[str, list[tuple]]], folder: Path) -> float:
    db = folder / "floor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    create_from_snapshot(db)
    raw = sqlite3.connect(db, timeout=30)
    sqlite_pragmas(raw)
    started = time.perf_counter()
    raw.execute("BEGIN IMMEDIATE")
    for sql, rows in statements:
        raw.executemany(sql, rows)
    raw.execute("COMMIT")
    took = time.perf_counter() - started
    raw.close()
    return took


def time_read(folder: Path) -> float:
    raw = sqlite3.connect(folder / "floor.db", timeout=30)
    started = time.perf_counter()
    tickets = raw.execute(_TICKETS + " ORDER BY id").fetchall()
    entries = raw.execute(_ENTRIES + " ORDER BY e.ticket_id, e.version").fetchall()
    took = time.perf_counter() - started
    raw.close()
    assert tickets and entries
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(LOG_ZIP))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    baton = shutil.which("baton", path=str(Path(sys.executable).parent)) or shutil.which("baton")
    if baton is None:
        sys.exit("no `baton` command: pip install -e '.[bench]' in this environment first")
    folder = Path(tempfile.mkdtemp(prefix="baton-floor-"))
    try:
        tables = imported_rows(args.path, baton, folder)
        statements = [insert_statement(table, *tables[table]) for table in TABLES]
        bound = sum(len(rows) * ((rows[0] and len(rows[0])) or 0) for _, rows in statements)
        start_ups, writes, reads, pandas = [], [], [], []
        for _ in range(args.repeat):  # interleaved, so a busy moment of the machine hits every part alike
            start_ups.append(measure([sys.executable, "-c", START_UP])["wall"])
            writes.append(time_write(statements, folder))
            reads.append(time_read(folder))
            pandas.append(
                measure([sys.executable, str(Path(__file__).with_name("history.py")), "--pandas", args.path])["wall"]
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    start_up, write, read, pandas_wall = min(start_ups), min(writes), min(reads), min(pandas)
    floor = 2 * start_up + write + read
    rows = sum(len(tables[t][1]) for t in TABLES)
    print(f"{args.path}: least of {args.repeat} runs of each part")
    print(f"start-up     2 x {start_up * 1000:5.0f} ms  (an interpreter importing Baton's command line)")
    print(f"write            {write * 1000:5.0f} ms  ({rows:,} rows, {bound:,} bound values, one transaction)")
    print(f"read             {read * 1000:5.0f} ms  (the report's queries, every row fetched)")
    print(f"floor            {floor * 1000:5.0f} ms")
    print(f"pandas           {pandas_wall * 1000:5.0f} ms")
    budget = GOALS["wall"] * pandas_wall
    print(
        f"floor / pandas = {floor / pandas_wall:.2f} (history.py's goal: <= {GOALS['wall']:.2f}, a budget of "
        f"{budget * 1000:.0f} ms for everything, of which the floor alone takes {floor / budget:.0%})"
    )


if __name__ == "__main__":
    main()
