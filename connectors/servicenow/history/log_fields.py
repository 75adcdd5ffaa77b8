"""The event log's columns and how each raw value is read: the reader's fast path.

Values repeat a lot in a help-desk log (the same groups, people, timestamps), so each kind of column
reads through a cache keyed by the raw string; that, not the CSV parsing, is what keeps the reader lean.
"""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta

from baton_itsm.core.history.readers import HistoryFormatError


class LogFormatError(HistoryFormatError):
    """The file is not a usable event log (bad header), or a row is bad and the reader is strict."""


# IncidentUpdate field -> (CSV column, kind). The order is the dataclass's field order, which the
# reader relies on to build each update with positional arguments.
_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("number", "number", "req_str"),
    ("mod_count", "sys_mod_count", "req_int"),
    ("updated_at", "sys_updated_at", "req_ts"),
    ("updated_by", "sys_updated_by", "str"),
    ("state", "incident_state", "str"),
    ("active", "active", "req_bool"),
    ("assignment_group", "assignment_group", "str"),
    ("assigned_to", "assigned_to", "str"),
    ("priority", "priority", "str"),
    ("category", "category", "str"),
    ("opened_at", "opened_at", "ts"),
    ("resolved_at", "resolved_at", "ts"),
    ("closed_at", "closed_at", "ts"),
    ("reassignment_count", "reassignment_count", "int"),
    ("reopen_count", "reopen_count", "int"),
    ("caller_id", "caller_id", "str"),
    ("opened_by", "opened_by", "str"),
    ("contact_type", "contact_type", "str"),
    ("made_sla", "made_sla", "bool"),
    ("impact", "impact", "str"),
    ("urgency", "urgency", "str"),
    ("closed_code", "closed_code", "str"),
    ("resolved_by", "resolved_by", "str"),
)

_EMPTY = ("?", "")
_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")


def _parse_date(raw: str) -> datetime:
    """`29/2/2016` or `29-02-2016` (day first) as midnight of that day."""
    parts = raw.split("/") if "/" in raw else raw.split("-")
    if not (
        len(parts) == 3
        and _is_digits(parts[0], 2)
        and _is_digits(parts[1], 2)
        and len(parts[2]) == 4
        and _is_digits(parts[2], 4)
    ):
        raise ValueError("day first date expected")
    day, month, year = (int(p) for p in parts)
    return datetime(year, month, day)  # ValueError for 30/2, month 13...


def _parse_clock(raw: str) -> timedelta:
    """`01:23` or `01:23:45`."""
    parts = raw.split(":")
    if len(parts) not in (2, 3) or not all(_is_digits(p, 2) for p in parts):
        raise ValueError("hh:mm expected")
    hours, minutes, seconds = (int(p) for p in (*parts, "0")[:3])
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError("hh:mm expected")
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _is_digits(text: str, most: int) -> bool:
    return 0 < len(text) <= most and text.isascii() and text.isdigit()


def _parse_count(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"not a non-negative integer: {raw!r}")
    return int(raw)


# The caches: dict subclasses whose __missing__ parses, so a hit is a plain C-level dict lookup.
# Seeded with the empty markers for the optional kinds; the required kinds raise on them.


class _StrCache(dict):
    __slots__ = ()

    def __missing__(self, raw: str) -> str:
        self[raw] = raw
        return raw


class _RequiredStrCache(dict):
    __slots__ = ()

    def __missing__(self, raw: str) -> str:
        if raw in _EMPTY:
            raise ValueError("empty")
        self[raw] = raw
        return raw


class _IntCache(dict):
    __slots__ = ()

    def __missing__(self, raw: str) -> int:
        value = self[raw] = _parse_count(raw)
        return value


class _TimestampCache(dict):
    """Raw timestamp -> datetime; the date and the clock parts have caches of their own, shared."""

    __slots__ = ("_clocks", "_dates")

    def __init__(self, dates: dict[str, datetime], clocks: dict[str, timedelta], empty: bool):
        super().__init__(dict.fromkeys(_EMPTY) if empty else ())
        self._dates = dates
        self._clocks = clocks

    def __missing__(self, raw: str) -> datetime:
        date, _, clock = raw.partition(" ")
        try:
            midnight = self._dates.get(date) or self._dates.setdefault(date, _parse_date(date))
            offset = self._clocks.get(clock)
            if offset is None:
                offset = self._clocks.setdefault(clock, _parse_clock(clock))
        except ValueError:
            raise ValueError(f"not a day-first timestamp (d/m/yyyy hh:mm or dd-mm-yyyy hh:mm): {raw!r}") from None
        value = self[raw] = midnight + offset
        return value


def _caches() -> dict[str, dict]:
    dates: dict[str, datetime] = {}
    clocks: dict[str, timedelta] = {}
    return {
        "str": _StrCache.fromkeys(_EMPTY),
        "req_str": _RequiredStrCache(),
        "int": _IntCache.fromkeys(_EMPTY),
        "req_int": _IntCache(),
        "ts": _TimestampCache(dates, clocks, empty=True),
        "req_ts": _TimestampCache(dates, clocks, empty=False),
        "bool": {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False), "?": None, "": None},
        "req_bool": {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)},
    }


def _column_positions(header: list[str], source: str) -> list[int]:
    where = {name.strip().lstrip("\ufeff"): i for i, name in enumerate(header)}
    missing = [column for _, column, _ in _COLUMNS if column not in where]
    if missing:
        raise LogFormatError(f"{source}: not a ServiceNow incident event log, header lacks {', '.join(missing)}")
    return [where[column] for _, column, _ in _COLUMNS]


def _diagnose(row: list[str], positions: list[int], caches: dict[str, dict]) -> str:
    """Why a row failed: the first column whose value cannot be read, with the value."""
    for (_, column, kind), i in zip(_COLUMNS, positions, strict=True):  # one position per column
        raw = row[i]
        try:
            caches[kind][raw]
        except KeyError:
            return f"{column}: expected true or false, got {raw!r}"
        except ValueError as exc:
            if raw in _EMPTY:
                return f"{column}: required, but empty ({raw!r})"
            return f"{column}: {exc}"
    return "row could not be read"  # not reached unless IncidentUpdate itself refuses it


def _only_csv_member(archive: zipfile.ZipFile, source: str) -> str:
    names = [
        n
        for n in archive.namelist()
        if n.lower().endswith(".csv") and not n.startswith("__MACOSX/") and not n.endswith("/")
    ]
    if len(names) != 1:
        raise LogFormatError(f"{source}: expected exactly one .csv in the zip, found {names or 'none'}")
    return names[0]
