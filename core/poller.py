"""The poller: reads each connector's changes since its checkpoint, takes them in, then performs tool actions.

The checkpoint moves only after the events it covers are in the inbox, so a crash or an unreachable tool
repeats reads (which the inbox de-duplicates) but never skips one.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from baton_itsm.core.clock import Clock
from baton_itsm.core.connector import Connector
from baton_itsm.core.errors import ToolError
from baton_itsm.core.intake import Intake
from baton_itsm.core.outbox import DispatchReport, OutboxDispatcher
from baton_itsm.core.store.checkpoints import Checkpoints


@dataclass
class PollReport:
    instance: str
    before: str | None = None
    after: str | None = None
    events: int = 0
    new: int = 0
    duplicates: int = 0
    error: str | None = None

    def line(self) -> str:
        if self.error:
            return f"{self.instance}: {self.error} (kept checkpoint {self.after or 'none'}; the next poll retries)"
        return (f"{self.instance}: {self.events} changes ({self.new} new, {self.duplicates} seen before), "
                f"checkpoint {self.before or 'none'} -> {self.after or 'none'}")


@dataclass
class CycleReport:
    polls: list[PollReport] = field(default_factory=list)
    dispatch: DispatchReport | None = None

    @property
    def ok(self) -> bool:
        return not any(p.error for p in self.polls) and not (self.dispatch and self.dispatch.failed)


@dataclass
class Poller:
    connectors: Mapping[str, Connector]
    intake: Intake
    checkpoints: Checkpoints
    dispatcher: OutboxDispatcher | None
    clock: Clock
    max_reads: int = 100  # reads per instance per cycle: bounds one cycle when a tool has a big backlog

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
        except ToolError as error:
            report.error = str(error)
        return report

    def run_once(self, instances: Iterable[str] | None = None) -> CycleReport:
        """One cycle: poll each instance (all of them by default), then dispatch what is due."""
        cycle = CycleReport()
        for instance in instances or list(self.connectors):
            cycle.polls.append(self.poll(instance))
        if self.dispatcher is not None:
            cycle.dispatch = self.dispatcher.run_once()
        return cycle
