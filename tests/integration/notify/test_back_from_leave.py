"""A person back from leave gets one email of what changed on their tickets while they were away (real SMTP on
loopback, injected clock), on SQLite and PostgreSQL; a second look, or another process, sends nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

from baton_itsm.core.app import App
from baton_itsm.core.domain.commands import ForceHandoff, RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.rules.availability import AwayPeriod

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEDNESDAY_9 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def test_one_digest_of_what_changed_while_away(make_desk, clock, mail_server, database_url):
    desk = make_desk(database_url=database_url)
    app = desk.app
    app.handoffs.execute(
        ForceHandoff(
            ticket=TicketKey("local", "1"),
            handoff_id="f1",
            by="erin",
            reason="outage",
            to_holder=Holder("Network", "carol"),
        )
    )
    app.away_periods.add(AwayPeriod("carol", MONDAY_9, WEDNESDAY_9, "frank", "training"), "carol", clock.now())
    clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    app.handoffs.execute(
        RequestHandoff(
            ticket=TicketKey("local", "2"),
            handoff_id="r2",
            by="alice",
            reason="switch port dead",
            to_holder=Holder("Network", "carol"),
        )
    )
    clock.set(datetime(2026, 3, 3, 11, 0, tzinfo=UTC))
    app.handoffs.execute(
        ForceHandoff(
            ticket=TicketKey("local", "1"),
            handoff_id="f3",
            by="erin",
            reason="carol is away",
            to_holder=Holder("Network", "frank"),
        )
    )
    app.handoffs.execute(
        ForceHandoff(
            ticket=TicketKey("local", "3"),
            handoff_id="f4",
            by="dana",
            reason="not hers",
            to_holder=Holder("Service Desk", "bob"),
        )
    )
    desk.drain()
    before = len([m for m in mail_server.received if "carol@example.com" in m.envelope_to])

    clock.set(datetime(2026, 3, 4, 8, 59, tzinfo=UTC))
    assert app.availability_round() == 0, "still away: no digest yet"
    clock.set(datetime(2026, 3, 4, 9, 30, tzinfo=UTC))
    assert app.availability_round() == 1
    desk.drain()
    (digest,) = [m for m in mail_server.received if "carol@example.com" in m.envelope_to][before:]
    assert digest.message["Subject"] == "Welcome back: what changed on your tickets while you were away"
    text = digest.part("plain").replace("\r\n", "\n")
    assert (
        "While you were away (Mon 2 Mar 2026, 09:00 UTC to Wed 4 Mar 2026, 09:00 UTC), Frank Field took your "
        "requests" in text
    )
    assert "\nlocal:1, now with Network/frank\n" in text
    assert "  Tue 3 Mar 2026, 11:00 UTC: forced by erin to Network/frank: carol is away\n" in text
    assert (
        "\nlocal:2\n  Mon 2 Mar 2026, 10:00 UTC: requested by alice to Network/frank: switch port dead\n"
        "  Mon 2 Mar 2026, 10:00 UTC: rule (away: to-deputy) by alice to Network/frank: carol is away (training)"
        in text
    ), "the request sent to her deputy instead"
    assert "local:3" not in text, "a ticket that never concerned her is not in her digest"

    assert app.availability_round() == 0, "one digest per period"
    other = App(app.config, None, app.database_url, clock)  # another `baton run` process on the same store
    assert other.availability_round() == 0
    other.engine.dispose()
    desk.drain()
    assert len([m for m in mail_server.received if "carol@example.com" in m.envelope_to]) == before + 1
