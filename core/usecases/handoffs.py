"""The handoff use cases: run one protocol command in one store transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from baton_itsm.core.clock import Clock
from baton_itsm.core.domain.commands import Command, RequestHandoff
from baton_itsm.core.domain.directory import Directory
from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.domain.protocol_errors import UnknownHandoff
from baton_itsm.core.domain.rule_events import RuleFired
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.store.unit_of_work import LedgerEntry, Store, UnitOfWork
from baton_itsm.core.usecases.intake import write_decisions


def new_handoff_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class HandoffService:
    store: Store
    directory: Directory
    clock: Clock
    engine: RulesEngine | None = None  # the deployment's rules: queue-first, timers, tool writes, notices

    def execute(self, command: Command, within: Callable[[UnitOfWork], None] | None = None) -> list[LedgerEvent]:
        """Decide and record `command` and what follows from it (all of it is returned); nothing is written on
        refusal.

        `within` runs first in the same transaction (e.g. using up a single-use link), so it commits
        only with the command, and its refusal refuses the command.
        """
        now = self.clock.now()
        with self.store.unit_of_work(now) as uow:
            if within is not None:
                within(uow)
            ticket = uow.load_ticket(command.ticket)
            # the ledger's record of a request sent elsewhere: its receiver is away or at capacity
            rerouted: list[RuleFired] = []
            if self.engine is not None and isinstance(command, RequestHandoff):
                command, rerouted = self.engine.route_request(ticket, command, now)
            events = decide(ticket, command, now=now, directory=self.directory) + rerouted
            if self.engine is None:
                uow.append(ticket, events)
                return events
            decisions = self.engine.on_commands(ticket, events, uow.load_facts(command.ticket), now)
            decisions.events = [*events, *decisions.events]  # the command's, then what follows (reviews)
            write_decisions(uow, ticket, decisions)
        return decisions.events

    def ticket_of(self, handoff_id: str) -> TicketKey:
        with self.store.unit_of_work(self.clock.now()) as uow:
            key = uow.ticket_of_handoff(handoff_id)
        if key is None:
            raise UnknownHandoff(f"no handoff {handoff_id} in the ledger")
        return key

    def ledger(self, key: TicketKey) -> list[LedgerEntry]:
        with self.store.unit_of_work(self.clock.now()) as uow:
            return uow.ledger(key)
