"""What a deployment file may say. Every key is documented in config/baton.example.yaml."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator

from baton_itsm.core.domain.decline_reasons import DeclineCatalog, DeclineReason
from baton_itsm.core.domain.directory import Directory, GroupInfo
from baton_itsm.core.domain.ownership import OwnershipModel, OwnershipPolicy
from baton_itsm.core.settings.availability import AwayConfig
from baton_itsm.core.settings.base import EnvVarName, Name, Strict
from baton_itsm.core.settings.http import HttpConfig
from baton_itsm.core.settings.notifications import NotificationsConfig, staff_channels_only
from baton_itsm.core.settings.review_settings import ReviewsConfig
from baton_itsm.core.settings.rules import CalendarConfig, RulesConfig


class GroupConfig(Strict):
    members: list[Name] = []  # who may accept a request to the group's queue
    managers: list[Name] = []  # who may force a handoff to or from the group, or accept for it
    lead: Name | None = None  # who hears about expired requests; defaults to the first manager
    email: str | None = None  # the group's mailbox, for the record (a queue's notices go to each member)
    ownership: OwnershipModel | None = None  # overrides the deployment's model for tickets that start here
    escalates_to: Name | None = None  # the next step of this group's escalation path (L1 -> L2 -> L3 -> vendor)
    calendar: Name | None = None  # business hours of this group (a key of `calendars`)
    # The channels of staff notices about this group's queue (email, slack, teams); default notifications.channels.staff
    notify: list[Name] | None = None
    # An ICS feed (https URL or file) of the group's absences; each event names its person by ATTENDEE email or
    # by the person's Baton name or name as the first word(s) of its SUMMARY
    away_feed: Name | None = None

    _no_public_replies = field_validator("notify")(staff_channels_only)


class PersonConfig(Strict):
    name: str | None = None  # how messages address the person (default: their Baton name)
    email: str | None = None  # where their messages go
    notify: list[Name] | None = None  # the channels of this person's staff notices, over their group's choice
    deputy: Name | None = None  # who takes requests to this person while they are away (else their group's queue)
    away: list[AwayConfig] = []  # away periods: [{from: 2026-12-24, until: 2026-12-31, deputy: bob, note: ...}]
    away_feed: Name | None = None  # an ICS feed (https URL or file) whose events are this person's absences
    capacity: int | None = Field(None, ge=1)  # open tickets they may hold; a request past it goes to the queue

    _no_public_replies = field_validator("notify")(staff_channels_only)


class OwnershipConfig(Strict):
    model: OwnershipModel = OwnershipModel.FOLLOWS  # who is accountable to the requester (see the rules)
    desk_groups: list[Name] = []  # the groups that make up the service desk


class AuthConfig(Strict):
    type: str = Field("basic", pattern="^(basic|token|oauth)$")  # basic: user and password; token, oauth: token_env
    username_env: EnvVarName | None = None  # the environment variable holding the user name
    password_env: EnvVarName | None = None  # the environment variable holding the password
    token_env: EnvVarName | None = None  # the environment variable holding the token

    def env_vars(self) -> list[tuple[str, str]]:
        """(key, environment variable) pairs this auth needs."""
        return [
            (k, v)
            for k, v in (
                ("username_env", self.username_env),
                ("password_env", self.password_env),
                ("token_env", self.token_env),
            )
            if v
        ]


class ConnectorMode(StrEnum):
    POLL = "poll"
    WEBHOOK = "webhook"
    BOTH = "both"


class ConnectorConfig(Strict):
    type: Name  # a registered connector type: rest, servicenow, jira, or a plugin's
    url: Name  # the tool's base URL (REST: the API root, e.g. https://rt.example.com/REST/2.0)
    account: Name | None = None  # the tool account Baton acts as, so it recognises its own changes
    auth: AuthConfig = AuthConfig()
    mode: ConnectorMode = ConnectorMode.POLL  # poll, webhook, or both (webhooks with polling as the backstop)
    poll_interval_seconds: float = Field(60, gt=0)  # between two poll cycles of this instance
    webhook_secret_env: EnvVarName | None = None  # the environment variable holding the webhook signing secret
    options: dict = {}  # connector-specific settings (profile, table, field mappings...)


class ServiceConfig(Strict):
    # How long a process may hold a claimed inbox delivery or outbox row before another process takes it
    # over: longer than the slowest tool or SMTP call, short enough that a crashed process's work resumes soon.
    lease_seconds: float = Field(120, gt=0)
    # How many times the inbox worker tries a webhook delivery that fails before it parks it (`baton inbox`).
    inbox_max_attempts: int = Field(5, ge=1)
    # Whether `baton run`, when it serves HTTP, runs its workers (inbox, scheduler, dispatchers, pollers) in a
    # process of their own, so handling uses another core than receiving and a burst of webhook deliveries is
    # handled while it lasts. Unset: yes, except on a SQLite database that is no file. On SQLite the receiver then
    # keeps deliveries in a spool beside the ledger (docs/operations.md, "Webhook bursts").
    worker_process: bool | None = None
    http: HttpConfig = HttpConfig()  # the web server's deadlines and size limits


class DatabaseConfig(Strict):
    url: str | None = None  # without a password; a URL with credentials belongs in BATON_DATABASE_URL

    @field_validator("url")
    @classmethod
    def no_password(cls, url: str | None) -> str | None:
        if url and "://" in url and "@" in url.split("://", 1)[1] and ":" in url.split("://", 1)[1].split("@")[0]:
            raise ValueError(
                "a database URL with a password belongs in the environment variable BATON_DATABASE_URL, not in the file"
            )
        return url


class BatonConfig(Strict):
    ownership: OwnershipConfig = OwnershipConfig()
    groups: dict[Name, GroupConfig] = {}  # the group queues tickets are handed between, by name
    people: dict[Name, PersonConfig] = {}  # how to address people, by their Baton name
    connectors: dict[Name, ConnectorConfig] = {}  # the help-desk tool instances Baton watches, by instance name
    rules: RulesConfig = RulesConfig()
    calendars: dict[Name, CalendarConfig] = {}  # business hours, by name
    default_calendar: Name | None = None  # for groups without one; none means always open
    database: DatabaseConfig = DatabaseConfig()
    service: ServiceConfig = ServiceConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    reviews: ReviewsConfig = ReviewsConfig()

    def notifier_names(self) -> list[str]:
        """Every notification channel the deployment names: per audience, per group and per person; each once."""
        named = [*self.notifications.channels.requester, *self.notifications.channels.staff]
        entries: list[GroupConfig | PersonConfig] = [*self.groups.values(), *self.people.values()]
        for entry in entries:
            named += entry.notify or []
        return list(dict.fromkeys(named))

    def directory(self) -> Directory:
        declines = DeclineCatalog(
            tuple(
                DeclineReason(r.code, r.words, r.reassignable, r.suggested_group) for r in self.rules.decline_reasons
            ),
            self.rules.decline_free_text,
        )
        return Directory(
            {name: GroupInfo(frozenset(g.members), frozenset(g.managers)) for name, g in self.groups.items()}, declines
        )

    def ownership_policy(self) -> OwnershipPolicy:
        overrides = {name: g.ownership for name, g in self.groups.items() if g.ownership}
        return OwnershipPolicy(self.ownership.model, frozenset(self.ownership.desk_groups), overrides)

    def intake_groups(self) -> frozenset[str]:
        return frozenset(self.rules.accept_before_reassign.triage_groups)

    def default_instance(self) -> str | None:
        """The instance a bare ticket id means: the only connector, or `local` when there is none."""
        if not self.connectors:
            return "local"
        if len(self.connectors) == 1:
            return next(iter(self.connectors))
        return None
