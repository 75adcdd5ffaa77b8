"""The fault test's reference: the same events handled undisturbed, by one process, on a fresh SQLite store.

It drives the parts `baton run` drives, with nobody killed and one process: the webhook reader keeps the
deliveries (in the tool's order, in one transaction, as the group commit would), the intake handles them,
the scheduler fires what is due and the dispatcher runs the real notice router and the real tool-action
handler. Only the last hop is recorded instead of sent: the connector's writes and the emails, which the
disturbed run checks against its own tool stub and SMTP server. That hop decides nothing, and sending it
over loopback cost most of the time. The clock is a fixed one moved on by hand, so the email coalescing
window closes when this loop says, not when a loaded machine gets to it.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from fault_desk import CONFIG, LEASE_SECONDS, signed_headers
from fault_outcome import Outcome, Seen, read_outcome
from sqlalchemy import func, select

from baton_itsm.core.app import App
from baton_itsm.core.clock import FixedClock
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.notify.build import notification_handlers
from baton_itsm.core.settings.loader import load_config
from baton_itsm.core.store.inbox_writer import open_inbox_writer
from baton_itsm.core.store.schema import inbox, outbox
from baton_itsm.core.usecases.dispatcher import OutboxDispatcher, OutboxItem
from baton_itsm.core.usecases.receive_webhook import Delivery, read_delivery
from baton_itsm.core.usecases.tool_actions import ToolActions
from baton_itsm.plugins.email.message import EMAIL_CHANNEL


class RecordedWrites:
    """A connector as the tool-action handler uses it, whose writes are counted instead of sent."""

    def __init__(self, instance: str):
        self.instance = instance
        self.owners: dict[str, str] = {}
        self.holder_writes: Counter = Counter()
        self.notes: Counter = Counter()

    def set_holder(self, ticket_id: str, holder: Holder, expected: Holder | None = None) -> None:
        key = f"{self.instance}:{ticket_id}"
        self.owners[key] = holder.person or "Nobody"  # what the RT stub keeps: the owner
        self.holder_writes[key] += 1

    def add_note(self, ticket_id: str, text: str) -> None:
        self.notes[f"{self.instance}:{ticket_id}"] += 1

    def reply(self, ticket_id: str, text: str) -> None:
        self.notes[f"{self.instance}:{ticket_id}"] += 1


def reference_run(bodies: list[list[bytes]], workdir: Path, environ: dict[str, str]) -> Outcome:
    """Keep every delivery in the tool's order, handle them all, dispatch until nothing is left."""
    config = workdir / "reference.yaml"
    # Nothing is sent (see RecordedWrites): the tool's and the mail server's ports are never used.
    config.write_text(CONFIG.format(smtp_port=1, tool_port=1, lease=LEASE_SECONDS))
    log = logging.FileHandler(workdir / "reference.log")  # not stderr: warnings here are the service's, kept
    logging.getLogger().addHandler(log)
    saved = {name: os.environ.get(name) for name in environ}
    os.environ.update(environ)  # the connector reads its webhook secret from the environment
    clock = FixedClock(datetime.now(UTC))
    app = App(load_config(config), config, f"sqlite:///{workdir / 'reference.db'}", clock)
    try:
        connector = app.connectors["rt"]
        deliveries = [read_delivery(connector, signed_headers(body), body) for ticket in bodies for body in ticket]
        refused = [d for d in deliveries if not isinstance(d, Delivery)]
        if refused:
            raise SystemExit(f"reference run: a delivery was refused: {refused[0]}")
        open_inbox_writer(app.store).write(
            [(connector.instance, d.delivery_id, d.payload) for d in deliveries], clock.now()
        )
        writes, emails = RecordedWrites(connector.instance), Counter()

        def email(item: OutboxItem) -> None:
            emails[item.payload["message_id"]] += 1

        handlers = {
            **notification_handlers(app, manager=app.plugins),
            EMAIL_CHANNEL: email,
            ToolActions.channel: app.tool_actions({connector.instance: writes}),
        }
        dispatcher = OutboxDispatcher(app.store, handlers, clock, lease=app.lease, on_failed=app.failed_actions())
        _drain(app, dispatcher, clock, window=app.config.notifications.coalesce_seconds)
        return read_outcome(app.engine, Seen(emails, writes.owners, writes.holder_writes, writes.notes))
    finally:
        app.engine.dispose()
        logging.getLogger().removeHandler(log)
        log.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _drain(app: App, dispatcher: OutboxDispatcher, clock: FixedClock, window: float, rounds: int = 1000) -> None:
    """Handle, fire and dispatch while there is work; move the clock past a coalescing window when only
    rows due later are left."""
    for _ in range(rounds):
        done = app.intake.process_pending(limit=1000).new
        done += app.scheduler.tick(limit=1000).fired
        report = dispatcher.run_once(limit=1000)
        if report.failed or report.retrying or report.uncertain:
            raise SystemExit(f"reference run: the dispatcher failed: {report.errors[:5]}")
        done += report.sent
        if done:
            continue
        with app.engine.connect() as connection:
            waiting = connection.execute(
                select(func.count()).select_from(inbox).where(inbox.c.status == "pending")
            ).scalar_one()
            waiting += connection.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status.in_(["pending", "sending"]))
            ).scalar_one()
        if not waiting:
            return
        clock.advance(seconds=window + 1)
    raise SystemExit(f"reference run: still busy after {rounds} rounds")
