"""The poller: reads each connector's changes since its checkpoint, takes them in, then performs tool actions.

The checkpoint moves only after the events it covers are in the inbox, so a crash or an unreachable tool
repeats reads (which the inbox de-duplicates) but never skips one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from baton_itsm.core.clock import Clock
from baton_itsm.core.connector import Connector
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.tool_events import ToolEvent, ToolEventKind
from baton_itsm.core.errors import ToolError
from baton_itsm.core.store.checkpoints import Checkpoints
from baton_itsm.core.store.convergence_queries import holder_writes_under_way, tickets_to_look_at
from baton_itsm.core.usecases.dispatcher import DispatchReport, OutboxDispatcher
from baton_itsm.core.usecases.intake import Intake


@dataclass
class PollReport:
    instance: str
    before: str | None = None
    after: str | None = None
    events: int = 0
    new: int = 0
    duplicates: int = 0
    observed: int = 0  # tickets whose state in the tool differed from the ledger, taken in as observations
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"{self.instance}: {self.error} (kept checkpoint {self.after or 'none'}; the next poll retries)"
        observed = f", {self.observed} tickets followed as the tool shows them" if self.observed else ""
        return (
            f"{self.instance}: {self.events} changes ({self.new} new, {self.duplicates} seen before{observed}), "
            f"checkpoint {self.before or 'none'} -> {self.after or 'none'}"
        )


@dataclass
class CycleReport:
    polls: list[PollReport] = field(default_factory=list)
    dispatch: DispatchReport | None = None

    @property
    def ok(self) -> bool:
        """Whether polling worked. An action that failed for good was recorded and told (DispatchReport.handled),
        which is the poll doing its job; one whose failure could not be recorded is not."""
        unhandled = self.dispatch.failed - self.dispatch.handled if self.dispatch else 0
        return not any(p.error for p in self.polls) and unhandled <= 0


@dataclass
class Poller:
    connectors: Mapping[str, Connector]
    intake: Intake
    checkpoints: Checkpoints
    dispatcher: OutboxDispatcher | None
    clock: Clock
    max_reads: int = 100  # reads per instance per cycle: bounds one cycle when a tool has a big backlog
    # Every this many cycles, every followed open ticket is looked at in the tool, not only those with an open
    # request or a failed write: a ticket moved where Baton cannot see it leaves no change Baton can read.
    sweep_every: int = 10
    _cycles: int = 0

    def poll(self, instance: str) -> PollReport:
        connector = self.connectors[instance]
        report = PollReport(instance, before=self.checkpoints.get(instance, self.clock.now()))
        report.after = report.before
        try:
            for _ in range(self.max_reads):
                changes = connector.changes_since(report.after)
                taken = self.intake.ingest(instance, changes.events)
                report.events += len(changes.events)
                report.new += taken.new
                report.duplicates += taken.duplicates
                if changes.checkpoint is not None and changes.checkpoint != report.after:
                    self.checkpoints.set(instance, changes.checkpoint, self.clock.now())
                    report.after = changes.checkpoint
                if not changes.more:
                    break
            taken = self.intake.ingest(instance, self._observations(instance, connector, report.after))
            report.observed = taken.new
        except ToolError as error:
            report.error = str(error)
        return report

    def _observations(self, instance: str, connector: Connector, checkpoint: str | None) -> list[ToolEvent]:
        """OBSERVED events for the tickets whose state in the tool the ledger must confirm, where it differs.

        A look is named by the ledger's version of the ticket and what the tool shows, not by the time: one that
        comes again with nothing changed on either side is a duplicate (a held push, looked at every poll, is
        taken in once), and one after the ledger moved is new. A ticket with a holder write of Baton's still to
        be done is not looked at (the tool shows it before that write); the write's failure moves the version."""
        observe = getattr(connector, "observe", None)
        if observe is None or checkpoint is None:
            return []
        now = self.clock.now()
        with self.intake.store.unit_of_work(now) as uow:
            ids = tickets_to_look_at(uow, instance, sweep=self._cycles % self.sweep_every == 0)
            known = {i: uow.ticket_summary(TicketKey(instance, i)) for i in ids}
            writing = holder_writes_under_way(uow, instance, ids)
        events = []
        for ticket_id, seen in observe(ids, checkpoint).items():
            row = known[ticket_id]
            ledger_holder = Holder(row.holder_group, row.holder_person) if row and row.holder_group else None
            unverified = bool(row and row.unverified)
            if seen.lost is None and (seen.holder is None or (seen.holder == ledger_holder and not unverified)):
                continue  # as the ledger says, or no holder to follow: nothing to record
            if seen.lost is None and ticket_id in writing:
                continue
            what = seen.lost or str(seen.holder)
            events.append(
                ToolEvent(
                    ticket=TicketKey(instance, ticket_id),
                    kind=ToolEventKind.OBSERVED,
                    at=now,
                    event_id=f"observed:{ticket_id}@v{row.version if row else 0}:{what}",
                    new_holder=seen.holder,
                    fields={"lost": seen.lost} if seen.lost else {},
                )
            )
        return events

    def run_once(self, instances: Iterable[str] | None = None) -> CycleReport:
        """One cycle: poll each instance (all of them by default), then dispatch what is due."""
        cycle = CycleReport()
        self._cycles += 1
        for instance in instances or list(self.connectors):
            cycle.polls.append(self.poll(instance))
        if self.dispatcher is not None:
            cycle.dispatch = self.dispatcher.run_once()
        return cycle
