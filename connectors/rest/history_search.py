"""Which Request Tracker tickets a history import reads: TicketSQL built from `baton import rt`'s options. Pure.

RT reads dates in TicketSQL in the time zone of the account that asks (its preference, else RT's own), and
says nothing when that is not UTC. So the search asks for a day more than wanted and `wants` keeps exactly
the tickets created since the moment, by the UTC time RT returns in each ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MARGIN = timedelta(days=1)  # wider than any time zone offset


def quoted(value: str) -> str:
    """A TicketSQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass(frozen=True)
class HistorySearch:
    queues: tuple[str, ...] = ()
    created_since: datetime | None = None  # aware, UTC
    from_id: int | None = None
    to_id: int | None = None

    def ticket_sql(self) -> str:
        clauses = [f"id >= {self.from_id or 1}"]
        if self.to_id is not None:
            clauses.append(f"id <= {self.to_id}")
        if self.queues:
            clauses.append("(" + " OR ".join(f"Queue = {quoted(q)}" for q in self.queues) + ")")
        if self.created_since is not None:
            clauses.append(f"Created > {quoted((self.created_since - MARGIN).strftime('%Y-%m-%d %H:%M:%S'))}")
        return " AND ".join(clauses)

    def wants(self, created: datetime | None) -> bool:
        return self.created_since is None or (created is not None and created >= self.created_since)

    def describe(self) -> str:
        """The search in words, for the import's messages."""
        parts = []
        if self.queues:
            parts.append("in " + ", ".join(self.queues))
        if self.created_since is not None:
            parts.append(f"created since {self.created_since.strftime('%Y-%m-%d %H:%M:%S')} UTC")
        if self.from_id is not None or self.to_id is not None:
            parts.append(f"ids {self.from_id or 1}-{self.to_id if self.to_id is not None else ''}")
        return "tickets " + " ".join(parts) if parts else "every ticket"
