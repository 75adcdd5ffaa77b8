"""Each ticket's ledger, as the metrics read it: holder changes, handoffs, rule records, reviews, the import's summary.

Built from plain row tuples, not from the domain's event objects: a report reads every ledger row
(21k for the UCI log, each imported ticket's moves inside its history entry: core/domain/history_events),
and a tuple per row is what keeps that a fraction of a second. Built one ticket at
a time (build_views is a generator), so a report's memory does not grow with the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baton_itsm.core.domain.history_events import MOVES

# A change of holder: (at, actor, from_group, from_person, to_group, to_person).
Transfer = tuple[datetime, str | None, str | None, str | None, str, str | None]
HOLDER_ENTRIES = frozenset({"holder-changed", "applied"})
# Handoff reviews, audits and escalation reviews (core/domain/review_events), kept as ReviewEntry tuples.
REVIEW_ENTRIES = frozenset(
    {
        "review-asked",
        "reviewed",
        "audited",
        "escalation-review-opened",
        "escalation-review-updated",
        "escalation-review-linked",
        "escalation-review-closed",
        "escalation-review-reopened",
    }
)
# (entry_type, at, actor, handoff_id, data)
ReviewEntry = tuple[str, datetime, str | None, str | None, dict[str, Any]]


@dataclass(slots=True)
class HandoffView:
    """One handoff request (or force) and what became of it."""

    handoff_id: str
    requested_at: datetime
    to_group: str | None
    kind: str | None
    forced: bool = False
    state: str = "requested"
    decided_at: datetime | None = None
    decided_by: str | None = None
    decline_reason: str | None = None
    decline_code: str = ""  # the catalog's code (rules.decline_reasons); empty for free text
    requested_by: str | None = None  # the actor of the request or force: a person, or `rule:NAME`
    receiver: str | None = None  # the person it was applied to (None: applied to a queue)
    transfer: int | None = None  # its applied entry's index in the ticket's transfers


@dataclass(slots=True)
class TicketView:
    ticket_id: str
    instance: str
    priority: str | None = None
    category: str | None = None
    status: str | None = None
    transfers: list[Transfer] = field(default_factory=list)
    handoffs: dict[str, HandoffView] = field(default_factory=dict)
    rules: list[tuple[datetime, str, str]] = field(default_factory=list)  # (at, rule, outcome)
    reviews: list[ReviewEntry] = field(default_factory=list)
    summary: dict[str, Any] | None = None  # the last HistorySummary's data, if the ticket was imported

    @property
    def opened_at(self) -> datetime | None:
        if self.summary and self.summary.get("opened_at"):
            return datetime.fromisoformat(self.summary["opened_at"])
        return self.transfers[0][0] if self.transfers else None

    @property
    def opened_text(self) -> str | None:
        """opened_at as ISO text (`YYYY-MM-DD HH:MM:SS`), read without making a datetime; None without one."""
        opened = self.summary.get("opened_at") if self.summary else None
        if opened:
            return opened
        return str(self.transfers[0][0]) if self.transfers else None

    @property
    def resolved_at(self) -> datetime | None:
        value = self.summary.get("resolved_at") if self.summary else None
        return datetime.fromisoformat(value) if value else None


# (ticket row id, entry_type, at, actor, handoff_id, from_group, from_person, to_group, to_person, kind, reason, data)
EntryRow = tuple


def build_views(
    tickets: Iterable[tuple], entries: Iterable[EntryRow], as_datetime: Callable[[Any], datetime]
) -> Iterator[TicketView]:
    """Views, one at a time, from ticket rows (id, instance, external_id, priority, category, status) ordered by
    id and entry rows ordered by ticket and version: a report holds one ticket's entries at a time, however
    large the ledger. `as_datetime` turns a timestamp column's value into a naive UTC datetime. Entries of
    tickets not among the rows (another instance) are passed over."""
    entries = iter(entries)
    pending = next(entries, None)
    for row_id, instance, external, priority, category, status in tickets:
        view = TicketView(external, instance, priority, category, status)
        while pending is not None and pending[0] < row_id:
            pending = next(entries, None)
        while pending is not None and pending[0] == row_id:
            _add(view, pending, as_datetime)
            pending = next(entries, None)
        yield view


def _add(view: TicketView, entry: EntryRow, as_datetime: Callable[[Any], datetime]) -> None:
    _, entry_type, at, actor, handoff_id, from_group, from_person, to_group, to_person, kind, reason, data = entry
    if entry_type in HOLDER_ENTRIES:
        view.transfers.append((as_datetime(at), actor, from_group, from_person, to_group, to_person))
        if entry_type == "applied":
            _handoff_state(view, handoff_id, "applied", as_datetime(at), actor)
            if (record := view.handoffs.get(handoff_id or "")) is not None:
                record.receiver, record.transfer = to_person, len(view.transfers) - 1
    elif entry_type == "history":
        summary = view.summary = _data(data)
        if (moves := summary.pop(MOVES, None)) is not None:  # a compact entry: its holder changes come first
            _add_moves(view.transfers, moves, as_datetime)
    elif entry_type in ("requested", "forced"):
        view.handoffs[handoff_id] = HandoffView(
            handoff_id,
            as_datetime(at),
            to_group,
            kind,
            forced=entry_type == "forced",
            state=entry_type,
            requested_by=actor,
        )
    elif entry_type in ("accepted", "declined", "expired", "withdrawn"):
        _handoff_state(
            view, handoff_id, entry_type, as_datetime(at), actor, reason if entry_type == "declined" else None
        )
        if entry_type == "declined" and (record := view.handoffs.get(handoff_id or "")) is not None:
            record.decline_code = _data(data).get("reason_code") or ""
    elif entry_type == "rule":
        values = _data(data)
        view.rules.append((as_datetime(at), values.get("rule", ""), values.get("outcome", "")))
    elif entry_type in REVIEW_ENTRIES:
        view.reviews.append((entry_type, as_datetime(at), actor, handoff_id, _data(data)))


def _add_moves(transfers: list[Transfer], moves: list[list], as_datetime: Callable[[Any], datetime]) -> None:
    """A compact history entry's moves ([at, actor, group, person, source id]) as the transfers their rows were."""
    group = person = None
    for at, actor, to_group, to_person, _ in moves:
        transfers.append((as_datetime(at), actor, group, person, to_group, to_person))
        group, person = to_group, to_person


def _handoff_state(
    view: TicketView, handoff_id: str | None, state: str, at: datetime | None, by: str | None, reason: str | None = None
) -> None:
    record = view.handoffs.get(handoff_id or "")
    if record is None:
        return
    if state in ("accepted", "declined", "expired", "withdrawn") or record.decided_at is None:
        record.decided_at, record.decided_by = at, by
    record.state = "applied" if state == "applied" else state
    if reason is not None:
        record.decline_reason = reason


_decode = json.JSONDecoder().raw_decode  # json.loads less its whitespace regex, once per summary row


def _data(data: Any) -> dict[str, Any]:
    if isinstance(data, str):
        return _decode(data.strip())[0]
    return dict(data or {})
