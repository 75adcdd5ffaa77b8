"""Seeded random desks: the tickets two processes keep between rounds never change a decision.

Agents move five tickets at random (takes, pushes across groups, managers' moves, releases to a queue), fast and
several to a ticket between rounds; two `baton run` processes sharing the store handle the inbox in turns, each
starting its rounds from the tickets it last committed (core/store/ticket_cache.py), so each often finds a ticket
the other wrote. The same deliveries, handled at the same moments by a process that keeps nothing between rounds,
must leave the same ledger entries and the same tool actions, ticket by ticket.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from baton_itsm.core.domain.holders import TicketKey
from baton_itsm.core.store.database import make_engine
from baton_itsm.core.store.migrate import upgrade
from baton_itsm.core.store.schema import outbox
from baton_itsm.core.store.ticket_cache import TicketCache
from baton_itsm.core.store.unit_of_work import Store
from tests.integration.test_intake_and_scheduler import make_desk
from tests.integration.test_intake_order import change

TICKETS = [TicketKey("rt", str(n)) for n in range(1, 6)]
HOLDERS = ["Service Desk/alice", "Service Desk/bob", "Service Desk", "Network/carol", "Network", "Triage/tina"]
ACTORS = ["alice", "bob", "carol", "dana", "erin", "tina"]


def ledgers(desk) -> dict[str, list[tuple]]:
    service = desk[2]
    return {
        str(key): [
            (
                e.version,
                e.event.entry_type,
                str(getattr(e.event, "from_holder", "")),
                str(getattr(e.event, "to_holder", "")),
                getattr(e.event, "cause", None) or getattr(e.event, "outcome", None),
            )
            for e in service.ledger(key)
        ]
        for key in TICKETS
    }


def tool_actions(store) -> list[str]:
    with store.engine.connect() as connection:
        return sorted(connection.execute(select(outbox.c.idempotency_key).where(outbox.c.channel == "tool")).scalars())


@pytest.fixture
def uncached_store(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(engine)
    yield Store(engine)
    engine.dispose()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_two_processes_keeping_tickets_decide_as_one_that_keeps_none(store, uncached_store, clock, monkeypatch, seed):
    hits = []
    kept_get = TicketCache.get

    def counted(self, key, version):
        found = kept_get(self, key, version)
        hits.append(found is not None)
        return found

    monkeypatch.setattr(TicketCache, "get", counted)
    processes = [make_desk(store, clock), make_desk(store, clock)]  # two stores: two caches, one database
    reference = make_desk(uncached_store, clock)
    rng = random.Random(seed)
    in_tool: dict[TicketKey, str | None] = dict.fromkeys(TICKETS)
    for n in range(120):
        ticket = rng.choice(TICKETS)
        new = rng.choice([h for h in HOLDERS if h != in_tool[ticket]])
        event = change(clock, ticket, f"{seed}-{n}", rng.choice(ACTORS), in_tool[ticket], new)
        in_tool[ticket] = new
        for desk in (processes[0], reference):
            desk[0].receive("rt", f"d{n}", [event])
        clock.advance(seconds=rng.randint(1, 90))
        if rng.random() < 0.4:  # a round now, by either process, taking a few deliveries or many
            limit = rng.choice([1, 3, 10, 100])
            rng.choice(processes)[0].process_pending(limit=limit)
            make_desk(uncached_store, clock)[0].process_pending(limit=limit)  # a fresh store: nothing kept
    while processes[0][0].process_pending().new + processes[1][0].process_pending().new:
        pass
    while make_desk(uncached_store, clock)[0].process_pending().new:
        pass

    assert ledgers(processes[0]) == ledgers(reference)
    assert tool_actions(store) == tool_actions(uncached_store)
    assert hits.count(True) >= 20 and hits.count(False) >= 5, "both kept tickets and stale ones were met"
