"""The tickets this process last committed, kept by ledger version, so a batch need not rebuild them from the ledger.

Rebuilding a ticket reads and decodes every ledger entry it has; during a webhook burst the inbox worker did that
for every ticket of every round, which took 40 % of its time (the longer a ticket's ledger, the more). A ticket's
row carries the version of its newest entry, and every writer (a unit of work, the history import) moves it with
the entries, so a copy kept here at the version the row shows is the ticket the ledger would give. A row at a
later version means another process wrote since (several `baton run` on one PostgreSQL take turns on a ticket's
deliveries): only the entries after the kept version are read and applied to the copy, since a ticket is its
entries applied in order. Anything else is read from the ledger as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.ticket import Ticket

# Tickets: several times what a 20,000-delivery burst on 1,000 tickets touches. A copy of a ticket of 40 holder
# changes takes 1.5 KiB beside the holders it shares (measured with tracemalloc), so a full cache is a few MiB.
SIZE = 5_000


class TicketCache:
    def __init__(self, size: int = SIZE):
        self.size = size
        self._tickets: OrderedDict[TicketKey, Ticket] = OrderedDict()
        self._lock = threading.Lock()  # the workers' threads share one store

    def get(self, key: TicketKey, version: int) -> Ticket | None:
        """A copy of the ticket if it is kept at `version`, else None."""
        with self._lock:
            ticket = self._tickets.get(key)
            if ticket is None or ticket.version != version:
                return None
            self._tickets.move_to_end(key)
            return ticket.clone()

    def older(self, key: TicketKey, version: int) -> Ticket | None:
        """A copy of the ticket if it is kept at a version before `version` (another process wrote it since): the
        ledger's newer entries, applied to it, make the ticket at `version` (UnitOfWork.preload)."""
        with self._lock:
            ticket = self._tickets.get(key)
            if ticket is None or ticket.version >= version:
                return None
            self._tickets.move_to_end(key)
            return ticket.clone()

    def keep(self, tickets: list[Ticket]) -> None:
        """Tickets as a transaction that just committed left them, kept as they are: that unit of work is over, and
        nothing changes a ticket but a unit of work (a ledger entry applied) or the engine's own copy of it. Every
        reader gets a copy (`get`, `older`), so a copy here too only cost the inbox worker a clone per delivery."""
        with self._lock:
            for ticket in tickets:
                self._tickets[ticket.key] = ticket
                self._tickets.move_to_end(ticket.key)
            while len(self._tickets) > self.size:
                self._tickets.popitem(last=False)
