"""The composition root: builds Baton's parts from settings. Nothing connects until a part is used."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path

from baton_itsm.core.away.build import build_feeds
from baton_itsm.core.away.feeds import AwayFeeds
from baton_itsm.core.away.live import LiveAvailability
from baton_itsm.core.away.returns import ReturnDigests
from baton_itsm.core.clock import Clock, SystemClock
from baton_itsm.core.connector import Connector, build_connectors
from baton_itsm.core.plugins import build_plugin_manager, connector_registry
from baton_itsm.core.rules.build import build_policy
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.runtime.group_commit import GroupCommit
from baton_itsm.core.settings.loader import find_config, load_config
from baton_itsm.core.settings.models import BatonConfig
from baton_itsm.core.store.away_periods import AwayPeriods
from baton_itsm.core.store.checkpoints import Checkpoints
from baton_itsm.core.store.database import make_engine, resolve_database_url
from baton_itsm.core.store.inbox_spool import SpoolDrain, SpoolWriter
from baton_itsm.core.store.inbox_writer import open_inbox_writer, open_quick_inbox_writer
from baton_itsm.core.store.migrate import ensure_current
from baton_itsm.core.store.unit_of_work import Store
from baton_itsm.core.usecases.action_failures import FailedActions
from baton_itsm.core.usecases.dispatcher import Handler, OutboxDispatcher
from baton_itsm.core.usecases.handoffs import HandoffService
from baton_itsm.core.usecases.intake import Intake
from baton_itsm.core.usecases.poller import Poller
from baton_itsm.core.usecases.scheduler import Scheduler
from baton_itsm.core.usecases.tool_actions import (
    ToolActions,
    ledger_holder,
    notes_after_writes,
    remember_tool_holder,
    superseded_writes,
)


@dataclass
class App:
    config: BatonConfig
    config_path: Path | None
    database_url: str
    clock: Clock = field(default_factory=SystemClock)
    # Whether the receiver keeps deliveries in the spool (SQLite, the workers in their own process): set by
    # `baton run` before the first delivery (core/store/inbox_spool.py).
    inbox_spooled: bool = False

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.config.service.lease_seconds)

    @cached_property
    def engine(self):
        return make_engine(self.database_url)

    @cached_property
    def store(self) -> Store:
        ensure_current(self.engine)
        return Store(self.engine, self.config.ownership_policy(), self.config.intake_groups())

    @cached_property
    def rules(self) -> RulesEngine:
        policy = build_policy(self.config)
        return RulesEngine(policy, LiveAvailability(policy.availability, lambda: self.away_periods, self.away_feeds))

    @cached_property
    def away_periods(self) -> AwayPeriods:
        """Away periods set by `baton away` or the API, in the store every process reads."""
        return AwayPeriods(self.store)

    def availability_round(self) -> int:
        """The service's availability worker: read the ICS feeds that are due a read; queue the digest of each
        person back from leave (rules.availability.return_digest)."""
        now = self.clock.now()
        done = self.away_feeds.refresh_if_due(now)
        if self.config.rules.availability.return_digest and self.config.rules.availability.enabled:
            live = self.rules.availability
            if isinstance(live, LiveAvailability):  # always: `rules` builds the engine with one
                done += ReturnDigests(self.store, live.ended, live.still_away).round(now)
        return done

    @cached_property
    def away_feeds(self) -> AwayFeeds:
        return build_feeds(self.config, self.config_path.parent if self.config_path else None)

    @cached_property
    def handoffs(self) -> HandoffService:
        return HandoffService(self.store, self.config.directory(), self.clock, self.rules)

    @cached_property
    def intake(self) -> Intake:
        return Intake(
            self.store, self.rules, self.clock, lease=self.lease, max_attempts=self.config.service.inbox_max_attempts
        )

    @cached_property
    def deliveries(self) -> GroupCommit:
        """Keeps webhook deliveries, many requests to a transaction."""
        if self.inbox_spooled:
            return GroupCommit(lambda: SpoolWriter(self.store), self.clock, lambda: SpoolWriter(self.store, wait=False))
        return GroupCommit(
            lambda: open_inbox_writer(self.store), self.clock, lambda: open_quick_inbox_writer(self.store)
        )

    @cached_property
    def inbox_spool(self) -> SpoolDrain:
        """Moves what the receiver spooled into the inbox; the inbox worker's first step of every round."""
        return SpoolDrain(self.store, self.clock)

    @cached_property
    def scheduler(self) -> Scheduler:
        return Scheduler(self.store, self.rules, self.clock)

    @cached_property
    def plugins(self):
        return build_plugin_manager()

    @cached_property
    def connectors(self) -> dict[str, Connector]:
        """Every configured tool instance; building one connects to nothing."""
        return build_connectors(self.config.connectors, connector_registry(self.plugins))

    @cached_property
    def dispatcher(self) -> OutboxDispatcher:
        """Every outbox channel: tool actions through the connectors, notices through the chosen notifiers."""
        from baton_itsm.core.notify.build import notification_handlers

        handlers: dict[str, Handler] = {
            **notification_handlers(self, manager=self.plugins),
            ToolActions.channel: self.tool_actions(),
        }
        return OutboxDispatcher(self.store, handlers, self.clock, lease=self.lease, on_failed=self.failed_actions())

    def tool_actions(self, connectors: dict[str, Connector] | None = None) -> ToolActions:
        """The handler of channel `tool`, writing through `connectors` (the configured ones by default)."""
        return ToolActions(
            self.connectors if connectors is None else connectors,
            written=remember_tool_holder(self.store, self.clock),
            governing=ledger_holder(self.store, self.clock),
            superseded=superseded_writes(self.store, self.clock),
            note_after_write=notes_after_writes(self.store, self.clock),
        )

    def failed_actions(self) -> FailedActions:
        """What the dispatcher does with an action that failed for good: record it, tell people, log it."""
        return FailedActions(self.store, self.rules.policy, self.clock, self.config.notifications.admins)

    @cached_property
    def checkpoints(self) -> Checkpoints:
        return Checkpoints(self.store)

    @cached_property
    def poller(self) -> Poller:
        return Poller(self.connectors, self.intake, self.checkpoints, self.dispatcher, self.clock)


def build_app(config_option: str | None = None, db_option: str | None = None, clock: Clock | None = None) -> App:
    path = find_config(config_option)
    config = load_config(path)
    return App(config, path, resolve_database_url(db_option, config.database.url), clock or SystemClock())
