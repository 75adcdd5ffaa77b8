"""One model-based run against the real RT: the deployment, the seeded action sequence interleaved with Baton's
poll+dispatch cycles, the model's predictions checked after each cycle, and the figures.

With `webhook=True` the deployment is `mode: both` and RT's Scrip (connectors/rest/rt_scrip/) posts every change
to Baton's own receiver, served here on the Scrip's port with the spool `baton run` uses on SQLite (the workers
in a process of their own, core/store/inbox_spool.py). A cycle then first moves the spool into the inbox and
handles the deliveries, as the workers' inbox round does, and polls after: the webhook decides, the poll finds
its changes taken already and brings what the Scrip does not post (comments, so `/baton` commands).

Shared by tests/e2e/test_rt5_model.py (CI: 150+ actions) and scripts/rt_model_run.py (long runs).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner
from sqlalchemy import func, select

from baton_itsm.core.app import App, build_app
from baton_itsm.core.cli.main import cli
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.runtime import http_server
from baton_itsm.core.runtime.runner import inbox_round
from baton_itsm.core.store.schema import inbox, outbox
from baton_itsm.core.usecases.poller import CycleReport
from baton_itsm.core.web import create_app
from tests.e2e import rt5
from tests.e2e.conftest import CONNECTOR
from tests.e2e.model import Groups, Model, Request
from tests.e2e.rt_actions import NETWORK, SD, Desk

DEFAULT_SEED = 20261206
GROUPS = {"Service Desk": (["alice", "bob"], ["dana"]), "Network": (["carol", "dave"], ["erin"])}
# The deployment of /tmp/model-spec (issue 15): dave is in Network on purpose, RT refuses him as an owner.
DEPLOYMENT = """\
ownership: {{model: follows, desk_groups: [Service Desk]}}
groups:
  Service Desk: {{members: [alice, bob], managers: [dana]}}
  Network: {{members: [carol, dave], managers: [erin]}}
rules:
  accept_before_reassign: {{mode: revert, triage_groups: [], exempt_groups: []}}
people:
  alice: {{name: Alice Agent, email: alice@example.test}}
  bob: {{name: Bob Agent, email: bob@example.test}}
  carol: {{name: Carol Agent, email: carol@example.test}}
  dave: {{name: Dave Unprivileged, email: dave@example.test}}
  dana: {{name: Dana Lead, email: dana@example.test}}
  erin: {{name: Erin Lead, email: erin@example.test}}
notifications:
  coalesce_seconds: 1
  smtp: {{host: 127.0.0.1, port: {smtp_port}, from_address: baton@desk.example.test}}
"""
START = [
    Holder(SD, "alice"),
    Holder(SD),
    Holder(SD, "bob"),
    Holder(NETWORK, "carol"),
    Holder(NETWORK),
    Holder(SD, "alice"),
    Holder(NETWORK),
    Holder(SD),
    Holder(NETWORK, "carol"),
    Holder(SD, "bob"),
    Holder(SD),
    Holder(NETWORK, "carol"),
]


WEBHOOK_SECRET_ENV = "BATON_E2E_WEBHOOK_SECRET"


def write_deployment(folder: Path, smtp_port: int, webhook: bool = False) -> tuple[str, str]:
    """(config path, ledger path); the RT credentials come from BATON_E2E_RT_USER/PASSWORD, with `webhook` the
    Scrip's secret from BATON_E2E_WEBHOOK_SECRET."""
    config = folder / "baton.yaml"
    connector = CONNECTOR.format(url=rt5.URL)
    if webhook:
        connector += f"    mode: both\n    webhook_secret_env: {WEBHOOK_SECRET_ENV}\n"
    config.write_text(DEPLOYMENT.format(smtp_port=smtp_port) + connector)
    return str(config), str(folder / "ledger.db")


class Receiver:
    """Baton's web server for `app` on the Scrip's port, in a thread, keeping deliveries in the spool."""

    def __init__(self, app: App):
        app.inbox_spooled = True  # as `baton run` on SQLite with its workers in a process of their own
        port = urlsplit(rt5.HOOK_URL).port
        assert port is not None, rt5.HOOK_URL
        self.server = http_server.server(create_app(app), "127.0.0.1", port, app.config.service.http)
        self.thread = threading.Thread(target=self.server.run, name="receiver", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:  # waiting for the server to listen, not for time
            assert self.thread.is_alive() and time.monotonic() < deadline, "Baton's receiver did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@dataclass
class Mismatch:
    ticket: str
    cycle: int
    what: str
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"rt:{self.ticket} after cycle {self.cycle}: {self.what}: model {self.expected}, found {self.actual}"


@dataclass
class ModelRun:
    app: App
    desk: Desk
    config: str
    db: str
    seed: int
    cycles: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    writes: Counter = field(default_factory=Counter)
    dispatch_failed: int = 0
    actions: int = 0
    started: float = field(default_factory=time.monotonic)
    receiver: Receiver | None = None  # with the webhook: deliveries come first, the poll after
    polled: int = 0  # changes the poll took first
    _queues: dict[str, str] = field(default_factory=dict)
    _unsettled: set[str] = field(default_factory=set)

    @classmethod
    def start(cls, config: str, db: str, seed: int, webhook: bool = False) -> ModelRun:
        app = build_app(config, db, clock=FixedClock(datetime.now(UTC)))
        app.poller.run_once()  # the first poll only sets the checkpoint: Baton watches from now on
        receiver = Receiver(app) if webhook else None

        def run_cli(*args: str):
            return CliRunner().invoke(cli, ["--config", config, "--db", db, *args], catch_exceptions=False)

        desk = Desk(Model(Groups.of(GROUPS)), random.Random(seed), run_cli)
        return cls(app, desk, config, db, seed, receiver=receiver)

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()

    @property
    def model(self) -> Model:
        return self.desk.model

    # --- the run ------------------------------------------------------------------------------
    def play(self, actions: int, tickets: int = 12) -> None:
        """`actions` seeded actions over `tickets` live tickets, with cycles at random points."""
        rng = self.desk.rng
        self.desk.lost_budget = max(2, actions // 50)
        for n in range(tickets):
            self.desk.create(START[n % len(START)])
        self.cycle()
        while self.actions < actions:
            if len(self.desk.live()) < tickets:
                self.desk.create(rng.choice(START), by=rng.choice(("alice", "bob", "carol")))
            open_ = [t for t in self.desk.live() if not self.desk.seen[t].frozen]
            if not open_:
                self.cycle()
                continue
            ticket = rng.choice(open_)
            for _ in range(rng.choices((1, 2, 3, 4), (50, 25, 15, 10))[0]):  # a fast sequence on one ticket
                if self.model.tickets[ticket].lost or self.desk.seen[ticket].frozen:
                    break
                if self.desk.act(ticket) is not None:
                    self.actions += 1
            if rng.random() < 0.55:
                self.cycle()

    def cycle(self) -> CycleReport:
        """Baton's poll+dispatch; then the model's dispatch, and its predictions checked on what moved."""
        touched = {t for t, s in self.desk.seen.items() if s.unpolled or s.frozen} | self._unsettled
        clock: FixedClock = self.app.clock  # type: ignore[assignment]
        clock.set(max(clock.now() + timedelta(seconds=2), datetime.now(UTC)))  # CLI rows carry real time
        if self.receiver is not None:
            self.handle_deliveries()
        report = self.app.poller.run_once()
        self.polled += sum(p.new for p in report.polls)
        self.cycles += 1
        if report.dispatch:
            self.dispatch_failed += report.dispatch.failed
        before = {t: m.failures for t, m in self.model.tickets.items()}
        self.writes.update(self.model.dispatch())
        refused_now = {t for t, m in self.model.tickets.items() if m.failures != before[t]}
        for ticket in sorted(touched, key=int):
            self.desk.note(ticket, f"-- cycle {self.cycles}")
            self.compare(ticket, ledger_too=ticket not in refused_now)
        self._unsettled = refused_now  # a refused write is reconciled by the next cycle at the latest
        self.desk.cycle_ran()
        return report

    def handle_deliveries(self) -> None:
        """The workers' inbox rounds (the spool moved into the inbox, then a claim handled) until one finds nothing:
        each delivery has waited its write's settle time, the clock having moved two seconds since the last cycle."""
        one_round = inbox_round(self.app)
        while one_round():
            pass

    def deliveries_handled(self) -> int:
        """Webhook deliveries the inbox holds as handled (kept under the SHA-256 of their body)."""
        with self.app.store.unit_of_work(self.app.clock.now()) as uow:
            query = select(func.count()).where(inbox.c.event_id.like("sha256:%"), inbox.c.status == "done")
            return uow.connection.execute(query).scalar_one()

    def first_taken_by_poll(self) -> list[str]:
        """Holder changes of people the poll took before any delivery brought them (event id and ticket): with the
        webhook there should be none, the Scrip posting each change as RT records it."""
        with self.app.store.unit_of_work(self.app.clock.now()) as uow:
            rows = uow.connection.execute(
                select(inbox.c.event_id, inbox.c.payload).where(inbox.c.status != "taken", inbox.c.payload.is_not(None))
            ).all()
        polled = []
        for event_id, payload in rows:
            if event_id.startswith("sha256:"):  # a delivery, kept under the SHA-256 of its body
                continue
            for event in (payload or {}).get("events", []):
                if event.get("kind") == "holder-changed" and event.get("actor") != "baton":
                    polled.append(f"{event_id} ({event.get('ticket')})")
        return polled

    def settle(self, most: int = 20) -> bool:
        """Cycles until a poll reads nothing new and nothing waits in the outbox; False if it never settles.

        Until Baton's poller has also looked at every ticket it follows (once in `sweep_every` cycles): a ticket
        moved where Baton cannot see, with no request open, is found lost that way."""
        swept = False
        for _ in range(most):
            self._unsettled |= set(self.model.tickets)
            report = self.cycle()
            poller = self.app.poller
            swept = swept or poller._cycles % getattr(poller, "sweep_every", 1) == 0
            if swept and sum(p.new for p in report.polls) == 0 and self.pending() == 0:
                return True
            waiting = self.next_attempt()
            clock: FixedClock = self.app.clock  # type: ignore[assignment]
            if waiting is not None and waiting > clock.now():
                clock.set(waiting)
        return False

    def pending(self) -> int:
        with self.app.store.unit_of_work(self.app.clock.now()) as uow:
            return uow.connection.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status.in_(("pending", "sending")))
            ).scalar_one()

    def next_attempt(self) -> datetime | None:
        with self.app.store.unit_of_work(self.app.clock.now()) as uow:
            return uow.connection.execute(
                select(func.min(outbox.c.next_attempt_at)).where(outbox.c.status == "pending")
            ).scalar_one()

    # --- predictions against what is there ------------------------------------------------------
    def rt_holder(self, ticket: str) -> Holder:
        data = rt5.Person("root").ticket(ticket)
        queue_id = str(data["Queue"]["id"])
        if queue_id not in self._queues:
            self._queues[queue_id] = rt5.Person("root")._call("GET", f"/queue/{queue_id}").json()["Name"]
        owner = data["Owner"]["id"]
        return Holder(self._queues[queue_id], None if owner == "Nobody" else owner)

    def ledger_ticket(self, ticket: str):
        with self.app.store.unit_of_work(self.app.clock.now()) as uow:
            return uow.load_ticket(TicketKey("rt", ticket))

    def compare(self, ticket: str, ledger_too: bool = True) -> None:
        """Check R (and L and Q) of one ticket; where Baton is elsewhere, say so and follow Baton from here."""
        t = self.model.tickets[ticket]
        if t.lost:
            return
        actual = self.rt_holder(ticket)
        if actual != t.rt:
            self._mismatch(ticket, "RT's holder", t.rt, actual)
            t.rt = actual
        if not ledger_too:
            return
        ledger = self.ledger_ticket(ticket)
        if ledger.holder != t.ledger:
            self._mismatch(ticket, "the ledger's holder", t.ledger, ledger.holder)
            t.ledger = ledger.holder
        open_ = ledger.open_handoff()
        expected = t.request.target if t.request else None
        if (open_.to_holder if open_ else None) != expected:
            self._mismatch(
                ticket, "the open request", expected, f"{open_.to_holder} ({open_.handoff_id})" if open_ else None
            )
            t.request = Request(open_.to_holder, open_.handoff_id) if open_ else None
        elif t.request is not None:
            if t.request.handoff_id not in (None, open_.handoff_id):
                self._mismatch(ticket, "the open request's id", t.request.handoff_id, open_.handoff_id)
            t.request.handoff_id = open_.handoff_id

    def _mismatch(self, ticket: str, what: str, expected, actual) -> None:
        self.mismatches.append(Mismatch(ticket, self.cycles, what, str(expected), str(actual)))
        self.model.tickets[ticket].diverged = True
        self.desk.note(ticket, f"!! {what}: model {expected}, found {actual}")

    # --- figures ------------------------------------------------------------------------------
    def figures(self) -> dict:
        tickets = self.model.tickets
        return {
            "seed": self.seed,
            "actions": self.actions,
            "tickets": len(tickets),
            "lost": Counter(m.lost for m in tickets.values() if m.lost),
            "cycles": self.cycles,
            "actions by kind": dict(self.desk.kinds),
            "decisions": dict(self.desk.decisions),
            "refused": dict(self.desk.refused),
            "pushes": self.desk.decisions["push"],
            "reverts": self.writes["revert written"],
            "accepts": sum(n for d, n in self.desk.decisions.items() if d.startswith("accepted")),
            "Baton's writes (model)": dict(self.writes),
            "writes RT refused (model)": sum(m.failures for m in tickets.values()),
            "dispatch failures (Baton)": self.dispatch_failed,
            "bounces (model)": sum(m.bounces for m in tickets.values() if not m.lost),
            **({"deliveries handled": self.deliveries_handled()} if self.receiver else {}),
            "changes the poll took first": self.polled,
            "mismatches": len(self.mismatches),
            "CLI disagreements": len(self.desk.disagreements),
            "wall time s": round(time.monotonic() - self.started, 1),
        }
