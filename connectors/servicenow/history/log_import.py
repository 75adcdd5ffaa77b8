"""The lean path from a ServiceNow incident event log to ImportedTickets (what `baton import` reads).

log_reader.LogReader turns every row into a full IncidentUpdate; that is right for studies and
back-tests but costs a second for the 120k-row UCI log. An import needs a dozen columns, so this
reader splits each line only as far as the last column it needs, keeps an incident's rows only until
the incident ends (the log holds each incident's rows together, so memory stays flat), and converts
values once per incident instead of once per row. Every value goes through a cache (log_caches.py) keyed by the raw
text (a hit is one C-level dict lookup); a distinct timestamp is parsed once, by slicing, with the
same day-first parsers as LogReader. A row with quotes, the wrong width or a value that does not
read leaves the fast loop for _checked_row, which rejects it with its line and reason. If an
incident's rows turn out not to be together, a second pass over the file collects them and the
incident is derived again from all of them.

A large log can be read in two halves at once (`HistoryReading.halves`, two processes: ledger_import); where the
second half starts is found by log_halves.py.

Order within an incident is (updated_at, mod_count): the clock order, which on the UCI log
reproduces ServiceNow's reassignment_count for 99.61% of incidents against 99.60% for mod_count
order (benchmarks/history_reassignment_agreement.py). Exact duplicate snapshots are dropped.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zipfile
from collections.abc import Iterator
from itertools import pairwise
from typing import IO

from baton_itsm.connectors.servicenow.history.log_caches import _EMPTY, _Counts, _Required, _Timestamps
from baton_itsm.connectors.servicenow.history.log_fields import LogFormatError, _only_csv_member
from baton_itsm.connectors.servicenow.history.log_halves import CHUNK, Limited, middle_of, skip
from baton_itsm.core.history.imported import Halves, HistoryReading, ImportedTicket, NotGrouped, Progress, Rejection

KIND = "servicenow-log"
RESOLVED_STATES = frozenset({"Resolved", "Closed"})
_BLANK = ("", "\r")  # a blank line (of a CRLF file, too); any other line is a row, read or rejected
# The columns an import reads, by name; positions come from the header.
_NEEDED = (
    "number",
    "incident_state",
    "reassignment_count",
    "reopen_count",
    "sys_mod_count",
    "opened_at",
    "sys_updated_by",
    "sys_updated_at",
    "category",
    "priority",
    "assignment_group",
    "assigned_to",
    "caller_id",
)
SPLIT_FROM = 4 << 20  # characters of text from which a log is read in two halves, on two cores (ledger_import)
# A readable row: (updated_at as `YYYY-MM-DD HH:MM:SS`, mod_count, line number, fields split as far as needed)
_Row = tuple[str, int, int, list[str]]


def open_log_text(path: str) -> tuple[IO[str], int]:
    """A log file's decoded text (.csv, .csv.gz, or a .zip holding one .csv) and its size (for progress)."""
    if zipfile.is_zipfile(path):
        archive = zipfile.ZipFile(path)
        member = _only_csv_member(archive, path)
        return (
            io.TextIOWrapper(archive.open(member), encoding="utf-8-sig", newline=""),
            archive.getinfo(member).file_size,
        )
    if path.endswith(".gz"):
        size = os.path.getsize(path) * 8  # a guess at the text size: progress only
        return gzip.open(path, "rt", encoding="utf-8-sig", newline=""), size
    return open(path, encoding="utf-8-sig", newline=""), os.path.getsize(path)


def _text(raw: str) -> str | None:
    return None if raw in _EMPTY else raw


class ServiceNowLogImport:
    """Iterate over the ImportedTickets of one log (.csv, or a .zip holding one .csv)."""

    def __init__(self, path: str | os.PathLike[str], progress: Progress | None = None, *, grouped: bool = False):
        """`grouped=True` holds every row until the end, for logs whose incidents are not kept together."""
        self.path = os.fspath(path)
        self.progress = progress
        self.grouped = grouped
        self.reading = HistoryReading(self.path, KIND, self._tickets(), halves=None if grouped else self._halves)
        self._timestamps = _Timestamps()
        self._counts = _Counts(dict.fromkeys(_EMPTY))
        self._updated_at, self._mod_count = _Required(self._timestamps), _Required(self._counts)
        # Every row's values that must read: the first two for ordering, the rest for the ticket.
        self._checks = (
            ("sys_updated_at", self._updated_at),
            ("sys_mod_count", self._mod_count),
            ("opened_at", self._timestamps),
            ("reassignment_count", self._counts),
            ("reopen_count", self._counts),
        )

    # --- the file ------------------------------------------------------------------------------
    def _open(self) -> tuple[IO[str], int]:
        """The decoded text and its size in characters, roughly (for progress)."""
        return open_log_text(self.path)

    def _tickets(self, span: tuple[int, int | None] = (0, None), first_line: int = 1) -> Iterator[ImportedTicket]:
        """One pass over the file (or over the characters span[0] to span[1] of its text, past its header, line
        `first_line` + 1 first); each incident is derived as soon as its last row is read."""
        text, size = self._open()
        with text:
            header_line = text.readline()
            if not header_line:
                raise LogFormatError(f"{self.path}: empty file, no header line")
            self._layout(next(csv.reader([header_line])))
            start, end = max(span[0], len(header_line)), span[1]
            skip(text, start - len(header_line))
            body: IO[str] | Limited = text
            if end is not None:
                body, size = Limited(text, end - start), end - start
            yield from self._incidents(body, size, start - len(header_line) if end is None else 0, first_line)

    def _halves(self) -> Halves | None:
        """The file as two readings, parted at the first incident to start past the middle of its text, and how
        many incidents (at most) the first holds; None below SPLIT_FROM characters."""
        text, size = self._open()
        with text:
            header_line = text.readline()
            if size < SPLIT_FROM or not header_line:
                return None
            middle = middle_of(text, size // 2, len(header_line))
        if middle is None:
            return None
        offset, line_no, incidents = middle
        first, second = (ServiceNowLogImport(self.path, self.progress if i == 0 else None) for i in (0, 1))
        first.reading.tickets = first._tickets((0, offset))
        second.reading.tickets = second._tickets((offset, None), line_no - 1)
        first.reading.halves = second.reading.halves = None
        return first.reading, incidents, second.reading

    def _incidents(
        self, text: IO[str] | Limited, size: int, done: int, first_line: int = 1
    ) -> Iterator[ImportedTicket]:
        # One loop over every row, with locals only: this is where an import spends its time. A row is
        # split, checked and kept as (updated_at, mod_count, line, fields) until its incident ends;
        # anything unusual (quotes, a wrong width, a value that does not read) goes to _checked_row.
        reading, updated_at, mod_count = self.reading, self._updated_at, self._mod_count
        limit, pos = self._limit, self._pos
        width, tail_commas = limit + 1, self._width - 1 - limit  # fields of a split row; commas in its rest
        i_number, i_at, i_mod, opened, reassign, reopen = (
            pos[c]
            for c in ("number", "sys_updated_at", "sys_mod_count", "opened_at", "reassignment_count", "reopen_count")
        )
        stamps, counts = self._timestamps, self._counts
        seen: set[str] = set()
        grouped: dict[str, list[_Row]] | None = {} if self.grouped else None
        current: str | None = None
        run: list[_Row] = []
        line_no, tail = first_line, ""
        while True:
            block = text.read(CHUNK)
            lines = (tail + block).split("\n")
            tail = lines.pop() if block else ""
            reading.rows_read += len(lines) - sum(map(lines.count, _BLANK))  # blank lines are no rows
            next_line = line_no + 1
            for line_no, line in enumerate(lines, next_line):
                fields = line.split(",", limit)
                try:
                    if len(fields) != width or fields[limit].count(",") != tail_commas or '"' in line:
                        raise ValueError
                    row: _Row = (updated_at[fields[i_at]], mod_count[fields[i_mod]], line_no, fields)
                    stamps[fields[opened]], counts[fields[reassign]], counts[fields[reopen]]
                except ValueError:
                    checked = self._checked_row(line, line_no)
                    if checked is None:
                        continue
                    row = checked
                    fields = row[3]
                number = fields[i_number]
                if number != current:
                    if number in _EMPTY:  # rejected without ending the incident around it
                        reading.rejected.append(Rejection(line_no, f"number: required, but empty ({number!r})"))
                        continue
                    if run and current is not None:
                        if grouped is not None:
                            grouped.setdefault(current, []).extend(run)
                        else:
                            yield self._derive(current, run)
                    if number in seen and grouped is None:
                        raise NotGrouped(f"{self.path}: the rows of {number} are not together (line {line_no})")
                    seen.add(number)
                    current, run = number, []
                run.append(row)
            if self.progress is not None:
                done += len(block)
                self.progress(min(done, size), size)
            if not block:
                break
        if run and current is not None:
            if grouped is not None:
                grouped.setdefault(current, []).extend(run)
            else:
                yield self._derive(current, run)
        for number, rows in (grouped or {}).items():
            yield self._derive(number, rows)

    def _checked_row(self, line: str, line_no: int) -> _Row | None:
        """A row the fast path did not take, read carefully: (updated_at, mod_count, line, fields), or None
        when it is blank or rejected (then with its line and the reason)."""
        if line in _BLANK:
            return None
        limit, rejected = self._limit, self.reading.rejected
        fields = self._quoted(line) if '"' in line else line.split(",", limit)
        if len(fields) != limit + 1 or fields[limit].count(",") != self._width - 1 - limit:
            found = len(fields) if '"' in line else line.count(",") + 1
            rejected.append(
                Rejection(
                    line_no, f"fields: expected {self._width}, found {found}" if fields else "fields: unreadable CSV"
                )
            )
            return None
        reason = _which_column(fields, self._pos, self._checks)
        if reason:
            rejected.append(Rejection(line_no, reason))
            return None
        pos = self._pos
        return (
            self._updated_at[fields[pos["sys_updated_at"]]],
            self._mod_count[fields[pos["sys_mod_count"]]],
            line_no,
            fields,
        )

    def _quoted(self, line: str) -> list[str]:
        """A record with quoted fields, in the same split-as-far-as-needed form."""
        try:
            row = next(csv.reader([line]))
        except csv.Error:
            return []
        if len(row) != self._width:
            return row
        return [*row[: self._limit], ",".join(row[self._limit :])]

    def _layout(self, header: list[str]) -> None:
        where = {name.strip().lstrip("\ufeff"): i for i, name in enumerate(header)}
        missing = [c for c in (*_NEEDED, "resolved_at") if c not in where]
        if missing:
            raise LogFormatError(f"{self.path}: not a ServiceNow incident event log, header lacks {', '.join(missing)}")
        self._width = len(header)
        self._pos = {name: where[name] for name in _NEEDED}
        self._limit = max(self._pos.values()) + 1  # fields past the last needed column stay joined
        self._resolved = where["resolved_at"]

    def _derive(self, number: str, rows: list[_Row]) -> ImportedTicket:
        """The incident's ImportedTicket from its readable rows, (at, mod_count, line, fields)."""
        if len(rows) > 1:
            rows.sort()  # by (at, mod_count), then line: the fields lists are never compared
        pos = self._pos
        i_group, i_person, i_by, i_state = (
            pos["assignment_group"],
            pos["assigned_to"],
            pos["sys_updated_by"],
            pos["incident_state"],
        )
        steps, derived, previous_group = [], 0, rows[0][3][i_group]
        holder_group = holder_person = previous = None
        resolved_state_at, reopens, was_resolved = None, 0, False
        kept = []
        for row in rows:
            at, mod, _, fields = row
            if previous is not None and at == previous[0] and mod == previous[1] and fields == previous[3]:
                continue  # an exact duplicate snapshot
            previous = row
            kept.append(row)
            group = fields[i_group]
            if group != previous_group:
                derived += 1  # ServiceNow's definition: an empty group is a value too
                previous_group = group
            # Baton's holders: see imported.holder_steps (inlined: this loop runs for every row).
            if group not in _EMPTY and (group != holder_group or fields[i_person] != holder_person):
                holder_group, holder_person = group, fields[i_person]
                steps.append((at, _text(fields[i_by]), group, _text(holder_person), f"{number}#{mod}@{at}"))
            resolved = fields[i_state] in RESOLVED_STATES
            if resolved is not was_resolved:
                if resolved:
                    resolved_state_at = at
                else:
                    reopens += 1
                was_resolved = resolved
        rows = kept
        last_at, last_mod, _, last = rows[-1]
        tool_count = self._counts[last[pos["reassignment_count"]]]
        reopen_count = self._counts[last[pos["reopen_count"]]]
        tail = last[self._limit]
        resolved_at = self._column(tail, self._resolved)
        try:
            resolved_at = self._timestamps[resolved_at] if resolved_at is not None else None
        except ValueError:
            resolved_at = None  # an unreadable resolved_at on the last row: the state change says when
        ticket = ImportedTicket(
            ticket_id=number,
            steps=steps,
            last_activity_at=last_at,
            updates=len(rows),
            source_event_id=f"{number}#{last_mod}@{last_at}",
            status=_text(last[i_state]),
            priority=_text(last[pos["priority"]]),
            category=_text(last[pos["category"]]),
            requester=_text(last[pos["caller_id"]]),
            tool_group=_text(last[i_group]),
            tool_person=_text(last[i_person]),
            opened_at=self._timestamps[last[pos["opened_at"]]],
            resolved_at=resolved_at or (resolved_state_at if was_resolved else None),
            reopen_count=reopens if reopen_count is None else reopen_count,
            tool_reassignments=tool_count,
            derived_reassignments=derived,
        )
        if tool_count is not None and tool_count != derived:
            ticket.mismatch = _mismatch(rows, pos, self._counts)
        return ticket

    def _column(self, tail: str, index: int) -> str | None:
        """A column past the split limit, from the joined tail (once per incident, so cheap)."""
        parts = tail.split(",")
        offset = index - self._limit
        return parts[offset] if 0 <= offset < len(parts) else None


def _which_column(fields: list[str], pos: dict[str, int], checks: tuple[tuple[str, dict], ...]) -> str | None:
    """Why a row's values cannot be read (the first column that fails), or None when they can."""
    for column, cache in checks:
        try:
            cache[fields[pos[column]]]
        except ValueError as error:
            return f"{column}: {error}"
    return None


def _mismatch(rows: list[_Row], pos: dict[str, int], counts: _Counts) -> str:
    """Which kind of step made ServiceNow's counter and Baton's count part (the first such step)."""
    i_group, i_count = pos["assignment_group"], pos["reassignment_count"]
    for (_, mod_a, _, a), (_, mod_b, _, b) in pairwise(rows):
        moved = (counts[b[i_count]] or 0) - (counts[a[i_count]] or 0)
        changed = a[i_group] != b[i_group]
        if moved == int(changed):
            continue
        gap = "across a gap in sys_mod_count" if mod_b > mod_a + 1 else "between consecutive updates"
        if changed:
            return f"group changed but the counter moved {moved:+d}, {gap}"
        if a[i_group] in _EMPTY:
            return f"counter moved {moved:+d} while the group stayed empty, {gap}"
        return f"counter moved {moved:+d} while the group stayed the same, {gap}"
    return "the counter was already above zero on the first logged update"


def read_servicenow_log(
    path: str | os.PathLike[str], progress: Progress | None = None, *, grouped: bool = False
) -> HistoryReading:
    """The ImportedTickets of a ServiceNow incident event log; see ServiceNowLogImport.

    Streaming (grouped=False) raises NotGrouped when an incident's rows are not together; the caller
    then starts again with grouped=True (the import does this inside its rolled-back transaction).
    """
    return ServiceNowLogImport(path, progress, grouped=grouped).reading
