"""Away periods and open-ticket counts in the store, on SQLite and PostgreSQL: what `baton away` and the API write
and what every process's rules read, inside the deciding transaction too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baton_itsm.core.domain.commands import ForceHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.protocol import decide
from baton_itsm.core.errors import BatonError
from baton_itsm.core.rules.availability import AwayPeriod
from baton_itsm.core.rules.facts import TicketFacts
from baton_itsm.core.store.away_periods import AwayPeriods

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_periods_are_kept_listed_and_cancelled(store):
    periods = AwayPeriods(store)
    past = periods.add(AwayPeriod("carol", NOW - timedelta(days=3), NOW - timedelta(days=1)), "carol", NOW)
    running = periods.add(
        AwayPeriod("carol", NOW - timedelta(hours=1), NOW + timedelta(days=2), "frank", "training"), "erin", NOW
    )
    later = periods.add(AwayPeriod("frank", NOW + timedelta(days=5), NOW + timedelta(days=6)), "frank", NOW)
    assert [p.source for p in periods.periods(NOW)] == [f"store:{running.id}", f"store:{later.id}"]
    assert periods.periods(NOW)[0] == AwayPeriod(
        "carol", running.period.start, running.period.end, "frank", "training", source=f"store:{running.id}"
    )
    assert periods.cancel(running.id, NOW).cancelled_at == NOW
    assert [p.person for p in periods.periods(NOW)] == ["frank"]
    assert [s.id for s in periods.find(include_cancelled=True, person="carol")] == [past.id, running.id]
    with pytest.raises(BatonError, match="no away period 999"):
        periods.cancel(999, NOW)
    with pytest.raises(BatonError, match="must end after it starts"):
        periods.add(AwayPeriod("carol", NOW, NOW), "carol", NOW)


def test_open_tickets_held_counts_neither_resolved_nor_lost_and_reads_the_deciding_transaction(store, directory):
    periods = AwayPeriods(store)

    def give(ticket: str, status: str | None = None) -> None:
        key = TicketKey("rt", ticket)
        with store.unit_of_work(NOW) as uow:
            held = uow.load_ticket(key)
            uow.append(
                held,
                decide(
                    held,
                    ForceHandoff(
                        ticket=key,
                        handoff_id=f"f{ticket}",
                        by="erin",
                        to_holder=Holder("Network", "carol"),
                        reason="outage",
                    ),
                    now=NOW,
                    directory=directory,
                ),
            )
            if status:
                uow.save_facts(key, TicketFacts(status=status))

    give("1")
    give("2", status="Resolved")
    give("3", status="open")
    assert periods.open_tickets_held("carol") == 2 and periods.open_tickets_held("frank") == 0
    with store.unit_of_work(NOW) as uow:  # what a decision reads sees its own transaction's writes
        key = TicketKey("rt", "4")
        held = uow.load_ticket(key)
        uow.append(
            held,
            decide(
                held,
                ForceHandoff(
                    ticket=key, handoff_id="f4", by="erin", to_holder=Holder("Network", "carol"), reason="outage"
                ),
                now=NOW,
                directory=directory,
            ),
        )
        assert periods.open_tickets_held("carol") == 3
