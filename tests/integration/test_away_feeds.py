"""ICS feeds served from loopback or a file: the service's availability worker reads them when due; a request to a
person a feed says is away goes to the deputy; a feed that fails is a warning naming it (never its secret query)
and its last good copy is kept."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from baton_itsm.core.app import build_app
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder, TicketKey
from tests.integration.loopback import LoopbackServer

FEEDS = Path(__file__).parents[1] / "fixtures" / "ics"
SATURDAY = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # carol's feed has her away Friday 18:00 to Monday 08:00 (Berlin)


class CalendarServer(LoopbackServer):
    """Serves a calendar as Google does (text/calendar), or fails as a calendar server's bad hour does."""

    def __init__(self, body: bytes):
        self.body, self.status, self.paths = body, 200, []
        super().__init__(self._answer)

    def _answer(self, method, path, headers, body):
        self.paths.append(path)
        body = self.body if self.status == 200 else b"Service Unavailable"
        return self.status, {"Content-Type": "text/calendar; charset=UTF-8"}, body


def deployment(tmp_path: Path, feed: str) -> Path:
    (tmp_path / "baton.yaml").write_text(f"""\
groups:
  Network: {{members: [carol, frank], managers: [erin]}}
people:
  carol: {{name: Carol Agent, deputy: frank, away_feed: "{feed}"}}
rules:
  availability: {{feed_refresh_minutes: 30}}
""")
    return tmp_path / "baton.yaml"


def ask_carol(app, ticket: str):
    return app.handoffs.execute(
        RequestHandoff(
            ticket=TicketKey("local", ticket),
            handoff_id=f"h{ticket}",
            to_holder=Holder("Network", "carol"),
            by="erin",
            reason="outage",
        )
    )


@pytest.fixture
def clock():
    return FixedClock(SATURDAY)


def test_a_feed_served_over_http_reroutes_and_survives_a_failure(tmp_path, clock, caplog):
    with CalendarServer((FEEDS / "carol-google.ics").read_bytes()) as server:
        url = f"{server.url}/calendar/ical/carol%40example.com/private-0123secret/basic.ics?token=s3cr3t"
        app = build_app(str(deployment(tmp_path, url)), str(tmp_path / "ledger.db"), clock)
        assert app.availability_round() == 1, "the first round reads the feed"
        events = ask_carol(app, "1")
        assert [(e.entry_type, e.to_holder) for e in events] == [
            ("requested", Holder("Network", "frank")),
            ("rule", Holder("Network", "frank")),
        ]
        assert events[1].reason == "carol is away until 2026-03-09 07:00 UTC; frank deputises"

        clock.advance(minutes=10)
        assert app.availability_round() == 0, "not due again before feed_refresh_minutes"
        server.status = 503
        clock.advance(minutes=25)
        with caplog.at_level(logging.WARNING):
            assert app.availability_round() == 0
        (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert "away feed of carol" in warning and "failed to load" in warning and "503" in warning
        assert "keeping the copy read 2026-03-07 12:00 UTC (5 periods)" in warning
        assert "token=s3cr3t" not in warning, "a feed URL's query may hold its token: never logged"
        events = ask_carol(app, "2")  # the last good copy still says she is away
        assert events[0].to_holder == Holder("Network", "frank")
        assert len(server.paths) == 2
        app.engine.dispose()


def test_a_feed_file_beside_the_deployment_and_a_feed_never_read(tmp_path, clock, caplog):
    shutil.copy(FEEDS / "carol-google.ics", tmp_path / "carol.ics")
    app = build_app(str(deployment(tmp_path, "carol.ics")), str(tmp_path / "ledger.db"), clock)
    app.availability_round()
    assert ask_carol(app, "1")[0].to_holder == Holder("Network", "frank")
    app.engine.dispose()

    broken = tmp_path / "broken"
    broken.mkdir()
    app = build_app(str(deployment(broken, "missing.ics")), str(broken / "ledger.db"), clock)
    with caplog.at_level(logging.WARNING):
        assert app.availability_round() == 0
    assert "no copy was ever read: nobody is away by it yet" in caplog.text
    assert ask_carol(app, "1")[0].to_holder == Holder("Network", "carol"), "no feed read: nobody is away by it"
    app.engine.dispose()


def test_a_feed_server_that_is_down_is_a_warning_without_the_url_s_secrets(tmp_path, clock, caplog):
    with CalendarServer(b"") as server:
        closed = server.url  # the server stops: its port refuses connections, as a calendar host that is down
    url = f"{closed.replace('http://', 'http://carol:pa55word@')}/carol.ics?token=s3cr3t&user=carol"
    app = build_app(str(deployment(tmp_path, url)), str(tmp_path / "ledger.db"), clock)
    with caplog.at_level(logging.WARNING):
        assert app.availability_round() == 0
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "away feed of carol" in warning and "ConnectionError" in warning
    assert "s3cr3t" not in warning and "pa55word" not in warning
    app.engine.dispose()
