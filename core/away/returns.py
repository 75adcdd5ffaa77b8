"""Back from leave: once an away period is over, its person gets one digest of what changed meanwhile on the
tickets they held when it started, hold now, or that were asked of them and rerouted. One per period, however many
processes look: the period's marker (away_returns) and the digest's outbox row commit together.
Nothing changed: no digest (the marker is still set)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from baton_itsm.core.rules.availability import AwayPeriod
from baton_itsm.core.store.away_returns import entries_while_away, mark_return
from baton_itsm.core.store.unit_of_work import Store, UnitOfWork

RETURN_CHANNEL = "return-digest"
RECENT = timedelta(days=7)  # returns older than this get no digest (a deployment turning the rule on meets many)
MAX_TICKETS, MAX_CHANGES = 50, 12  # a digest is read, not archived: the most active tickets, their latest changes


def period_key(period: AwayPeriod) -> str:
    """The same period from two sources (the file and a feed) is one return."""
    return f"{period.person}|{period.start.isoformat()}|{period.end.isoformat()}"


@dataclass
class ReturnDigests:
    store: Store
    ended: Callable[[datetime, datetime], tuple[AwayPeriod, ...]]  # (after, now): the periods ended in between
    still_away: Callable[[str, datetime], bool]

    def round(self, now: datetime) -> int:
        """Queue the digest of each return due; returns how many were queued."""
        queued = 0
        for period in sorted(self.ended(now - RECENT, now), key=lambda p: p.end):
            if self.still_away(period.person, now):
                continue  # back-to-back periods: the digest waits for the real return
            with self.store.unit_of_work(now) as uow:
                queued += self._digest(uow, period)
        return queued

    def _digest(self, uow: UnitOfWork, period: AwayPeriod) -> int:
        key = period_key(period)
        if not mark_return(uow.connection, key, period.person, uow.now):
            return 0
        changed = changes_while_away(uow, period)
        if not changed:
            return 0
        return int(
            uow.queue_outgoing(
                f"return:{key}",
                RETURN_CHANNEL,
                {
                    "person": period.person,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                    "deputy": period.deputy or "",
                    "tickets": changed,
                },
            )
        )


def changes_while_away(uow: UnitOfWork, period: AwayPeriod) -> list[dict]:
    """Each ticket that concerns the person, with the ledger's entries of the period (latest last)."""
    by_ticket: dict[int, dict] = {}
    for row in entries_while_away(uow.connection, period.person, period.start, period.end):
        ticket = by_ticket.setdefault(
            row.id,
            {
                "ticket": f"{row.instance}:{row.external_id}",
                "subject": row.subject or "",
                "url": row.url or "",
                "holder": _holder(row.holder_group, row.holder_person),
                "changes": [],
            },
        )
        ticket["changes"].append({"at": row.at.isoformat(), "what": _words(row)})
    busiest = sorted(by_ticket.values(), key=lambda t: -len(t["changes"]))[:MAX_TICKETS]
    for ticket in busiest:
        ticket["more"] = max(0, len(ticket["changes"]) - MAX_CHANGES)
        ticket["changes"] = ticket["changes"][-MAX_CHANGES:]
    return sorted(busiest, key=lambda t: t["ticket"])


def _holder(group: str | None, person: str | None) -> str:
    return "" if group is None else f"{group}/{person}" if person else group


def _words(row) -> str:
    """One line of the digest: what happened, by whom, to whom."""
    to = _holder(row.to_group, row.to_person)
    data = row.data or {}
    kind = row.entry_type
    if kind == "rule":
        kind = f"rule ({data.get('rule')}: {data.get('outcome')})"
    by = f" by {row.actor}" if row.actor else ""
    return f"{kind}{by}{f' to {to}' if to else ''}{f': {row.reason}' if row.reason else ''}"
