"""What must hold at the end of a model run (issue 15), read from RT's own records and Baton's ledger.

RT's holder history is read from its transactions, independently of Baton: one person's consecutive
Owner/Queue transactions of the same second (or the next: see `_seconds`) are one logical change (a REST2
PUT of Queue and Owner is two transactions: Owner, then Queue). The bounce recount feeds
core/domain/bounces.py's count_bounces the holders after each change, leaving out Baton's reverts with the
push each undoes, and also the pushes whose revert RT made moot by moving on first (the model says which
changes were pushes): the ledger never held a push, reverted or not.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from baton_itsm.connectors.rest.mapping import parse_time
from baton_itsm.core.domain.bounces import count_bounces
from baton_itsm.core.domain.facts import RESOLVED_STATUSES
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.store.schema import outbox, tickets
from tests.e2e.model import BATON, RTChange, TicketModel
from tests.e2e.rt5 import Person

HANDOFF_ID = re.compile(r"\b[0-9a-f]{12}\b")
FAILURE_WORDS = re.compile(r"fail|refus|could not|cannot", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    ticket: str
    check: str
    text: str

    def __str__(self) -> str:
        return f"rt:{self.ticket}: {self.check}: {self.text}"


@dataclass(frozen=True)
class Change:
    """One logical holder change in RT's history."""

    actor: str
    at: str
    after: Holder


@dataclass
class RTRecord:
    """A ticket as RT's own records tell it (read as root)."""

    ticket: str
    initial: Holder
    changes: list[Change]
    notes: list[tuple[str, str]]  # (time, text) of Baton's comments

    @classmethod
    def read(cls, ticket: str, names: Names) -> RTRecord:
        root = Person("root")
        now = root.ticket(ticket)
        transactions = root.history(ticket)
        moves = [x for x in transactions if x["Type"] == "Set" and x.get("Field") in ("Owner", "Queue")]
        first_owner = next((x for x in moves if x["Field"] == "Owner"), None)
        first_queue = next((x for x in moves if x["Field"] == "Queue"), None)
        group = names.queue(first_queue["OldValue"]) if first_queue else names.queue(now["Queue"]["id"])
        person = names.user(first_owner["OldValue"]) if first_owner else names.person(now["Owner"]["id"])
        initial = Holder(group, person)
        changes: list[Change] = []
        for move in moves:
            if move["Field"] == "Queue":
                group = names.queue(move["NewValue"])
            else:
                person = names.user(move["NewValue"])
            actor, at = move["Creator"]["id"], move["Created"]
            if changes and changes[-1].actor == actor and _seconds(changes[-1].at, at) <= 1:
                changes.pop()  # the same write: one change, to the holder after it
            changes.append(Change(actor, at, Holder(group, person)))
        notes = [
            (x["Created"], root.content(x["id"]))
            for x in transactions
            if x["Type"] == "Comment" and x["Creator"]["id"] == BATON
        ]
        return cls(ticket, initial, changes, notes)


def _seconds(earlier: str, later: str) -> float:
    """Between two of RT's times. A write's two transactions may straddle a second boundary, so one person's
    consecutive ones up to a second apart are one write: the run never has one person write a ticket's holder
    twice within 2.1 s (tests/e2e/rt_actions.py SAME_SECOND)."""
    return (parse_time(later) - parse_time(earlier)).total_seconds()


class Names:
    """RT's user and queue ids to names (as root), cached."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str] = {}

    def _name(self, kind: str, value: str) -> str:
        key = (kind, str(value))
        if key not in self._cache:
            self._cache[key] = Person("root")._call("GET", f"/{kind}/{value}").json()["Name"]
        return self._cache[key]

    def queue(self, value: str) -> str:
        return self._name("queue", value)

    def user(self, value: str) -> str | None:
        return self.person(self._name("user", value))

    @staticmethod
    def person(name: str) -> str | None:
        return None if name == "Nobody" else name


def merged(changes: Sequence[tuple[str, Holder, bool, bool | None]]) -> list[tuple[str, Holder, bool, bool | None]]:
    """Baton's consecutive writes as one (two in the same second are one in RT's history)."""
    out: list[tuple[str, Holder, bool, bool | None]] = []
    for change in changes:
        if out and change[0] == BATON and out[-1][0] == BATON:
            out.pop()
        out.append(change)
    return out


def recount(record: RTRecord, predicted: list[RTChange] | None) -> tuple[int, bool]:
    """The bounce count of RT's history; (count, whether the model's prediction of the history held).

    Where the prediction held, the model says which of Baton's writes were reverts: a write of an accepted request
    that puts the ticket back with the holder before someone's pull is a move of its own, not a revert. Where it
    did not, a write of Baton's back to the holder before the change just made is taken for a revert."""
    changes = merged([(c.actor, c.after, True, None) for c in record.changes])
    aligned = False
    if predicted is not None:
        model = merged([(c.actor, c.after, c.counts, c.revert) for c in predicted])
        aligned = [(a, h) for a, h, _, _ in model] == [(a, h) for a, h, _, _ in changes]
        if aligned:
            changes = model
    kept: list[tuple[str, Holder, Holder, bool]] = []  # (actor, before, after, counts)
    before = record.initial
    for actor, after, counts, revert in changes:
        undoes = kept and kept[-1][0] != BATON and after == kept[-1][1]
        if actor == BATON and undoes and revert is not False:
            kept.pop()  # Baton's revert, dropped with the push it undoes
        else:
            kept.append((actor, before, after, counts))
        before = after
    holders = [record.initial] + [after for _, _, after, counts in kept if counts]
    return count_bounces(holders), aligned


def resolved_in_rt(ticket: str) -> bool:
    return Person("root").ticket(ticket)["Status"] in RESOLVED_STATUSES


def check_ticket(
    app, t: TicketModel, record: RTRecord, failed_rows: int, errors: Sequence[logging.LogRecord]
) -> list[Problem]:
    problems: list[Problem] = []

    def problem(check: str, text: str) -> None:
        problems.append(Problem(t.ticket_id, check, text))

    key = TicketKey("rt", t.ticket_id)
    with app.store.unit_of_work(app.clock.now()) as uow:
        ledger = uow.load_ticket(key)
    entries = [e.event for e in app.handoffs.ledger(key)]
    rt_now = record.changes[-1].after if record.changes else record.initial
    if t.lost:
        noticed = any(e.entry_type == "ticket-lost" and t.lost in (getattr(e, "reason", "") or "") for e in entries)
        # Baton's sweep reads open tickets only: one hidden while resolved, with no request open, is not looked at
        # again (as in the in-process model, tests/integration/model_run.py)
        unswept = ledger.open_handoff() is None and t.lost == "hidden" and resolved_in_rt(t.ticket_id)
        if not noticed and not unswept:
            problem("lost ticket", f"no ticket-lost entry (reason {t.lost})")
        if ledger.open_handoff() is not None:
            problem("lost ticket", f"request {ledger.open_handoff().handoff_id} still open on a {t.lost} ticket")
    else:
        if rt_now != t.rt:
            problem("RT's holder", f"model {t.rt}, RT {rt_now}")
        if ledger.holder != rt_now:
            problem("ledger = RT", f"ledger {ledger.holder}, RT {rt_now}")
        open_ = ledger.open_handoff()
        if (open_.to_holder if open_ else None) != (t.request.target if t.request else None):
            problem(
                "open request",
                f"model {t.request.target if t.request else None}, ledger {open_.to_holder if open_ else None}",
            )
        bounces, aligned = recount(record, t.history)
        if not t.diverged and not aligned:
            problem("RT's history", "RT's holder changes are not the ones the model predicted")
        if ledger.bounces != bounces:
            problem("bounces", f"ledger {ledger.bounces}, recount of RT's history {bounces}")
    for at, text in record.notes:
        ids = HANDOFF_ID.findall(text)
        if not ids:
            problem("note", f"Baton's note at {at} names no request: {text[:160]!r}")
        for handoff_id in ids:
            if handoff_id not in ledger.handoffs:
                problem("note", f"Baton's note at {at} names {handoff_id}, not in the ledger: {text[:160]!r}")
    failures = [e for e in entries if e.entry_type == "action-failed"]
    if failed_rows > len(failures):
        problem("failure", f"{failed_rows} tool action(s) failed, {len(failures)} action-failed entries")
    if t.failures > len(failures):
        problem(
            "failure", f"RT refused {t.failures} of Baton's writes (owner dave), {len(failures)} action-failed entries"
        )
    # A note refused on a ticket moved where Baton may not write cannot be followed by a note there either: the
    # people concerned are emailed (core/usecases/action_failures.py). Any other failure is noted in the ticket.
    to_note = [f for f in failures if not (t.lost and f.to_holder is None)]
    if failures:
        failure_notes = [text for _, text in record.notes if FAILURE_WORDS.search(text)]
        if len(failure_notes) < len(to_note):
            problem("failure", f"{len(to_note)} action-failed entries to note, {len(failure_notes)} notes saying so")
        named = re.compile(
            rf"\brt:{t.ticket_id}\b|"
            + "|".join(re.escape(f.handoff_id) for f in failures if getattr(f, "handoff_id", None))
            + "|^$x"
        )
        logged = [r for r in errors if r.levelno >= logging.ERROR and named.search(r.getMessage())]
        if not logged:
            problem("failure", "an action failed and no ERROR log line names the ticket")
    return problems


def failed_tool_rows(app) -> Counter:
    """Tool actions the dispatcher gave up on, by ticket id."""
    with app.store.unit_of_work(app.clock.now()) as uow:
        rows = uow.connection.execute(
            select(tickets.c.external_id)
            .join(outbox, outbox.c.ticket_id == tickets.c.id)
            .where(outbox.c.channel == "tool", outbox.c.status == "failed")
        ).all()
    return Counter(row.external_id for row in rows)


def check_all(
    app, models: dict[str, TicketModel], errors: Sequence[logging.LogRecord]
) -> tuple[list[Problem], dict[str, RTRecord]]:
    names, failed = Names(), failed_tool_rows(app)
    records = {ticket: RTRecord.read(ticket, names) for ticket in models}
    problems = [
        p for ticket, t in models.items() for p in check_ticket(app, t, records[ticket], failed[ticket], errors)
    ]
    return problems, records


def describe(app, t: TicketModel, record: RTRecord, story: Sequence[str]) -> str:
    """The ticket's RT history beside its ledger entries, and what the run did to it."""
    lines = [
        f"=== rt:{t.ticket_id} ({t.lost or 'live'}; model R={t.rt} L={t.ledger}) ===",
        f"RT history (created at {record.initial}):",
    ]
    lines += [f"  {c.at}  {c.actor:<6} -> {c.after}" for c in record.changes]
    lines += [f"  {at}  note   {text.strip()[:200]!r}" for at, text in record.notes]
    lines.append("ledger:")
    for entry in app.handoffs.ledger(TicketKey("rt", t.ticket_id)):
        e = entry.event
        lines.append(
            f"  {entry.version:>3} {e.entry_type:<15} by {e.by or '-':<22} "
            f"{getattr(e, 'from_holder', '') or ''} -> {getattr(e, 'to_holder', '') or ''} "
            f"{getattr(e, 'handoff_id', '') or ''} {getattr(e, 'cause', '') or ''} "
            f"{(getattr(e, 'reason', '') or '')[:80]}"
        )
    lines.append("actions:")
    lines += [f"  {line}" for line in story]
    return "\n".join(lines)
