"""What one run of the fault test left behind, per ticket, and how a disturbed run differs from the reference.

Per ticket: the ledger's holder, its entries (without their times, which differ from run to run), the tool
writes Baton decided (outbox rows of channel `tool`, by idempotency key) and the emails (rows of channel
`email`, by idempotency key, which is also the Message-ID). Keys are derived from the events, so two runs of
the same events decide the same keys.

The one allowed difference is a row parked as `uncertain`: the process died while doing it, so the email
or note may or may not have gone out, and it is not repeated by itself. Such rows are counted and listed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from baton_itsm.core.store.inbox_queries import DELIVERIES
from baton_itsm.core.store.schema import inbox, ledger_entries, outbox, tickets

TOOL, EMAIL = "tool", "email"
TIMER_RULES = {"stale", "acceptance-timeout"}  # rules the scheduler fires, not an event
SHOWN = 10  # ways of differing printed with an example ticket in full; the rest are counted


@dataclass
class TicketOutcome:
    holder: str = "-"
    ledger: list[str] = field(default_factory=list)  # one line per entry, in ledger order
    shape: list[str] = field(default_factory=list)  # per entry its type, rule, cause or outcome: "rule stale reminded"
    timed: list[bool] = field(default_factory=list)  # per entry: did a timer write it
    writes: dict[str, str] = field(default_factory=dict)  # tool row key -> "set-holder G/p" | "add-note"
    emails: dict[str, str] = field(default_factory=dict)  # email row key -> recipient
    status: dict[str, str] = field(default_factory=dict)  # tool and email row key -> outbox status

    @property
    def entry_types(self) -> list[str]:
        return [line.split(" ", 1)[0] for line in self.ledger]

    def untimed(self) -> list[str]:
        return [line for line, timed in zip(self.ledger, self.timed, strict=True) if not timed]


@dataclass
class Seen:
    """What the other side got: the mail server's messages and the tool's writes, tickets as `rt:7`."""

    received: Counter  # Message-ID -> how many times the mail server got it
    owners: dict[str, str]  # ticket -> its owner in the tool at the end (every ticket starts pushed to carol)
    holder_writes: Counter  # ticket -> holder writes the tool took
    notes: Counter  # ticket -> notes the tool took

    def owner(self, ticket: str) -> str:
        return self.owners.get(ticket, "carol")


@dataclass
class Outcome:
    tickets: dict[str, TicketOutcome]
    seen: Seen

    @property
    def received(self) -> Counter:
        return self.seen.received

    def rows(self, channel: str, status: str | None = None) -> list[tuple[str, str]]:
        """(ticket, key) of the rows of `channel` (`tool` or `email`), of one status or all."""
        return [
            (ticket, key)
            for ticket, o in self.tickets.items()
            for key in (o.writes if channel == TOOL else o.emails)
            if status is None or o.status[key] == status
        ]

    def uncertain(self) -> list[tuple[str, str]]:
        return self.rows(TOOL, "uncertain") + self.rows(EMAIL, "uncertain")

    def figures(self) -> str:
        ledger = Counter(t for o in self.tickets.values() for t in o.entry_types)
        set_holder = sum(1 for o in self.tickets.values() for w in o.writes.values() if w.startswith("set-holder"))
        return (
            f"{len(self.tickets)} tickets; ledger {sum(ledger.values())} entries {dict(sorted(ledger.items()))}; "
            f"tool rows {len(self.rows(TOOL))} ({set_holder} set-holder); the tool took "
            f"{sum(self.seen.holder_writes.values())} holder writes and {sum(self.seen.notes.values())} notes; "
            f"email rows {len(self.rows(EMAIL))}, emails received "
            f"{sum(self.received.values())}; uncertain rows {len(self.uncertain())}"
        )


def _holder(group: str | None, person: str | None) -> str:
    return "-" if group is None else group + (f"/{person}" if person else "")


def _ledger_line(row) -> str:
    data = row.data or {}
    detail = data.get("cause") or data.get("outcome") or ""
    return (
        f"{row.entry_type} {_holder(row.from_group, row.from_person)} -> {_holder(row.to_group, row.to_person)} "
        f"by {row.actor or '-'}{' ' + detail if detail else ''}"
        f"{' handoff ' + row.handoff_id if row.handoff_id else ''}"
        f"{' (event ' + data['source_event_id'] + ')' if data.get('source_event_id') else ''}"
    )


def read_outcome(engine, seen: Seen) -> Outcome:
    """The run's outcome as its store, its mail server and its tool saw it."""
    by_ticket: dict[str, TicketOutcome] = {}
    with engine.connect() as connection:
        keys = {}
        for row in connection.execute(select(tickets)):
            keys[row.id] = f"{row.instance}:{row.external_id}"
            by_ticket[keys[row.id]] = TicketOutcome(holder=_holder(row.holder_group, row.holder_person))
        for row in connection.execute(
            select(ledger_entries).order_by(ledger_entries.c.ticket_id, ledger_entries.c.version)
        ):
            outcome = by_ticket[keys[row.ticket_id]]
            outcome.ledger.append(_ledger_line(row))
            data = row.data or {}
            detail = " ".join(filter(None, [data.get("rule"), data.get("cause"), data.get("outcome")]))
            outcome.shape.append(row.entry_type + (f" {detail}" if detail else ""))
            outcome.timed.append(row.entry_type == "expired" or data.get("rule") in TIMER_RULES)
        query = select(outbox.c.idempotency_key, outbox.c.channel, outbox.c.payload, outbox.c.status).where(
            outbox.c.channel.in_([TOOL, EMAIL])
        )
        for key, channel, payload, status in connection.execute(query):
            if channel == TOOL:
                ticket = f"{payload['instance']}:{payload['ticket_id']}"
                holder = payload.get("holder") or {}
                what = payload["action"] + (f" {_holder(holder.get('group'), holder.get('person'))}" if holder else "")
                by_ticket.setdefault(ticket, TicketOutcome()).writes[key] = what
            else:
                ticket = payload["ticket"]
                by_ticket.setdefault(ticket, TicketOutcome()).emails[key] = payload["to"]
            by_ticket[ticket].status[key] = status
    return Outcome(by_ticket, seen)


@dataclass
class TicketDiff:
    ticket: str
    what: list[tuple[str, str]]  # (kind of difference, the difference)


def compare(reference: Outcome, disturbed: Outcome, timers_due: bool = False) -> list[TicketDiff]:
    """Per ticket, every way the disturbed run's outcome differs from the reference, but for uncertain rows.

    With `timers_due` (events dated so long ago that timers are due at once), when a timer fires relative to
    the ticket's events is up to the scheduler, and a timer may fire again after an event re-arms it: the
    entries timers wrote are then compared as a set, apart from the rest, which must match in order."""
    diffs = []
    for ticket in sorted(set(reference.tickets) | set(disturbed.tickets), key=_ticket_order):
        ref, got = reference.tickets.get(ticket, TicketOutcome()), disturbed.tickets.get(ticket, TicketOutcome())
        what = []
        if ref.holder != got.holder:
            what.append(("holder", f"holder {got.holder}, reference {ref.holder}"))
        if reference.seen.owner(ticket) != disturbed.seen.owner(ticket):
            what.append(
                (
                    "tool's owner",
                    f"the tool's owner {disturbed.seen.owner(ticket)}, reference {reference.seen.owner(ticket)}",
                )
            )
        if timers_due:
            timed = {s for s, t in zip(got.shape, got.timed, strict=True) if t}
            if ref.untimed() != got.untimed() or timed != {s for s, t in zip(ref.shape, ref.timed, strict=True) if t}:
                what.append(("ledger", f"ledger entries {got.shape}, reference {ref.shape}"))
        elif ref.ledger != got.ledger:
            what.append(("ledger", f"ledger entries {got.shape}, reference {ref.shape}"))
        for name, ours, theirs in (("tool writes", got.writes, ref.writes), ("emails", got.emails, ref.emails)):
            if ours != theirs:
                extra = sorted(f"{k} ({ours[k]})" for k in set(ours) - set(theirs))
                missing = sorted(f"{k} ({theirs[k]})" for k in set(theirs) - set(ours))
                changed = sorted(k for k in set(ours) & set(theirs) if ours[k] != theirs[k])
                what.append((name, f"{name}: extra {extra}, missing {missing}, changed {changed}"))
        for key, status in sorted(got.status.items()):
            if status not in ("sent", "uncertain"):
                what.append(("outbox status", f"outbox row {key} is {status}"))
        for key, status in sorted(ref.status.items()):
            if status != "sent":
                what.append(("reference outbox status", f"reference outbox row {key} is {status}"))
        for key in got.emails:
            expected = {"sent": (1,), "uncertain": (0, 1)}.get(got.status.get(key), (0,))
            if disturbed.received[key] not in expected:
                what.append(
                    ("emails received", f"email {key} ({got.status.get(key)}) received {disturbed.received[key]} times")
                )
        notes = [got.status[k] for k, w in got.writes.items() if w == "add-note"]
        taken = disturbed.seen.notes[ticket]
        if not notes.count("sent") <= taken <= notes.count("sent") + notes.count("uncertain"):
            what.append(
                (
                    "notes taken",
                    f"the tool took {taken} notes for {len(notes)} note rows ({notes.count('uncertain')} uncertain)",
                )
            )
        if what:
            diffs.append(TicketDiff(ticket, what))
    return diffs


def _ticket_order(ticket: str) -> tuple:
    instance, _, ident = ticket.partition(":")
    return (instance, int(ident)) if ident.isdigit() else (instance, 0, ident)


def show_ticket(diff: TicketDiff, reference: Outcome, disturbed: Outcome, engine) -> None:
    """A differing ticket: what differs, both ledgers side by side, and the disturbed run's inbox rows for it."""
    print(f"  ticket {diff.ticket}:")
    for _, line in diff.what:
        print(f"    {line}")
    ref = reference.tickets.get(diff.ticket, TicketOutcome()).ledger
    got = disturbed.tickets.get(diff.ticket, TicketOutcome()).ledger
    width = max([len(line) for line in ref] + [len("reference ledger")])
    print(f"    {'reference ledger':<{width}} | disturbed run's ledger")
    for index in range(max(len(ref), len(got))):
        left = ref[index] if index < len(ref) else ""
        right = got[index] if index < len(got) else ""
        print(f"    {left:<{width}} | {right}")
    _show_history(engine, diff.ticket)


def _show_history(engine, ticket: str) -> None:
    """When the disturbed run handled each of the ticket's deliveries, and when it wrote each ledger entry."""
    instance, _, ident = ticket.partition(":")
    with engine.connect() as connection:
        for row in connection.execute(select(inbox).order_by(inbox.c.id)):
            if any(event["ticket"] == ticket for event in row.payload["events"]):
                processed = f"{row.processed_at:%H:%M:%S.%f}" if row.processed_at else "-"
                print(
                    f"    inbox row {row.id} (delivery {row.event_id}): {row.status}, received "
                    f"{row.received_at:%H:%M:%S.%f}, processed {processed}, {row.attempts} attempts, "
                    f"last error {(row.last_error or '-')[:200]}"
                )
        rows = connection.execute(
            select(ledger_entries.c.version, ledger_entries.c.entry_type, ledger_entries.c.recorded_at)
            .join(tickets)
            .where(tickets.c.instance == instance, tickets.c.external_id == ident)
            .order_by(ledger_entries.c.version)
        )
        print("    written: " + ", ".join(f"v{r.version} {r.entry_type} {r.recorded_at:%H:%M:%S.%f}" for r in rows))


def out_of_order(engine) -> dict[str, float]:
    """Tickets whose deliveries were handled in another order than they were kept: by how many seconds the
    earlier-kept delivery was handled after the later one."""
    handled: dict[str, list] = {}
    with engine.connect() as connection:
        for row in connection.execute(
            select(inbox.c.id, inbox.c.payload, inbox.c.processed_at).where(DELIVERIES).order_by(inbox.c.id)
        ):
            if row.payload["events"] and row.processed_at is not None:
                handled.setdefault(row.payload["events"][0]["ticket"], []).append(row.processed_at)
    late = {}
    for ticket, times in handled.items():
        behind = [
            (earlier - later).total_seconds()
            for i, earlier in enumerate(times)
            for later in times[i + 1 :]
            if later < earlier
        ]
        if behind:
            late[ticket] = max(behind)
    return late


def compare_with_reference(
    reference: Outcome, disturbed: Outcome, engine, lease: float, timers_due: bool = False
) -> list[str]:
    print(f"  reference: {reference.figures()}")
    print(f"  disturbed: {disturbed.figures()}")
    uncertain = disturbed.uncertain()
    for ticket, key in uncertain:
        row = disturbed.tickets[ticket]
        if key in row.writes:
            got = f"{row.writes[key]}; the tool took {disturbed.seen.notes[ticket]} notes for this ticket"
        else:
            got = f"email to {row.emails[key]}; received {disturbed.received[key]} times"
        print(f"  uncertain (allowed): {ticket} {key} ({got})")
    if timers_due:
        moved = sum(
            1
            for t, o in disturbed.tickets.items()
            if t in reference.tickets
            and o.ledger != reference.tickets[t].ledger
            and o.untimed() == reference.tickets[t].untimed()
        )
        print(
            f"  timers were due at once: {moved} tickets' ledgers differ from the reference only in where or how "
            f"often a timer's entry comes (when the scheduler looked); those entries are compared as a set"
        )
    problems = []
    late = out_of_order(engine)
    if late:
        over = [t for t in sorted(late, key=_ticket_order) if late[t] >= lease]
        problems.append(
            f"{len(late)} tickets' deliveries were handled in another order than they were kept: "
            f"{len(over)} by {lease:g} s or more (a claim of a killed or stalled process held the "
            f"earlier one for its lease, e.g. {over[:5]}), {len(late) - len(over)} by less (two "
            f"processes at once)"
        )
    diffs = compare(reference, disturbed, timers_due)
    if not diffs:
        return problems
    # Tickets that differ the same way differ for the same reason: one example of each way, with the count.
    ways: dict[tuple, list] = {}
    for diff in diffs:
        ways.setdefault(diff_signature(diff, disturbed), []).append(diff)
    for shown, (signature, same) in enumerate(sorted(ways.items(), key=lambda item: -len(item[1]))):
        print(
            f"  {len(same)} tickets differ this way: {'; '.join(signature[0])}, ledger {list(signature[1])}; "
            f"e.g. {[d.ticket for d in same[:8]]}"
        )
        if shown < SHOWN:
            show_ticket(same[0], reference, disturbed, engine)
    kinds = Counter(kind for diff in diffs for kind, _ in diff.what)
    return [
        *problems,
        f"{len(diffs)} tickets differ from the undisturbed reference run (differences by kind: {dict(kinds)})",
    ]


def diff_signature(diff, disturbed: Outcome) -> tuple:
    """What kinds of difference, and the disturbed ledger's entry types: tickets alike here differ alike."""
    kinds = tuple(sorted({kind for kind, _ in diff.what}))
    return kinds, tuple(disturbed.tickets[diff.ticket].shape) if diff.ticket in disturbed.tickets else ()
