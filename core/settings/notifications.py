"""How Baton keeps people informed: mail server, links, coalescing and which channel each audience gets."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, field_validator, model_validator

from baton_itsm.core.settings.base import EnvVarName, Name, Strict
from baton_itsm.core.settings.chat import SlackConfig, TeamsConfig

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP, e.g. a relay on the same host
    STARTTLS = "starttls"  # connect in plain text, then upgrade with STARTTLS (usually port 587)
    SSL = "ssl"  # TLS from the first byte (SMTPS, usually port 465)


class SmtpConfig(Strict):
    host: Name = "localhost"  # the mail server (a relay) Baton sends through
    port: int | None = Field(None, gt=0, lt=65536)  # default: 25, 587 or 465 by `security`
    security: SmtpSecurity = SmtpSecurity.NONE  # none, starttls or ssl
    username_env: EnvVarName | None = None  # the environment variable holding the login (only over TLS)
    password_env: EnvVarName | None = None  # the environment variable holding the password
    timeout_seconds: float = Field(30, gt=0)  # of one SMTP conversation
    # How long an email is retried while the mail server refuses Baton itself (its login, its sender address):
    # faults an admin fixes, so the messages wait for the fix instead of failing at the first refusal.
    retry_hours: float = Field(24, gt=0)
    from_address: str = Field("baton@localhost", pattern=r"^[^@\s]+@[^@\s]+$")  # the sender of every message
    from_name: str = "Baton"  # the sender's display name

    @model_validator(mode="after")
    def credentials_only_over_tls(self) -> SmtpConfig:
        if bool(self.username_env) != bool(self.password_env):
            raise ValueError("set both username_env and password_env, or neither")
        # A password sent in clear text to a remote relay can be read on the way; loopback stays on the host.
        if self.username_env and self.security is SmtpSecurity.NONE and self.host not in LOOPBACK_HOSTS:
            raise ValueError("credentials go to a remote mail server only over TLS: set security to starttls or ssl")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[str(self.security)]

    def env_vars(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in (("username_env", self.username_env), ("password_env", self.password_env)) if v]


def staff_channels_only(channels: list[str] | None) -> list[str] | None:
    if channels and "ticket-reply" in channels:
        raise ValueError("a ticket reply is public (the requester reads it): staff notices cannot use it")
    return channels


class AudienceChannels(Strict):
    """Which notifier plugins serve each audience (email, ticket-reply, slack, teams, or a plugin's channel)."""

    requester: list[Name] = ["email"]  # status updates to the person who opened the ticket
    staff: list[Name] = ["email"]  # handoff requests, reminders, declines, escalations, report-back

    _no_public_replies = field_validator("staff")(staff_channels_only)


class NotificationsConfig(Strict):
    base_url: str | None = Field(None, pattern=r"^https?://\S+$")  # where Baton's web app answers (links)
    link_secret_env: EnvVarName = "BATON_LINK_SECRET"  # the key that signs accept/decline links
    link_valid_hours: float = Field(72, gt=0)  # how long a link in a message works
    coalesce_seconds: float = Field(120, ge=0)  # requester updates this close together become one message
    first_assignment_only: bool = False  # tell the requester only who took the ticket first
    templates_dir: str | None = None  # admin overrides of the message templates (relative to this file)
    # People (by their Baton name) told when a tool refuses Baton's own account (credentials, rights, an instance
    # that is not configured): faults of the deployment, which no agent can fix.
    admins: list[Name] = []
    channels: AudienceChannels = AudienceChannels()
    smtp: SmtpConfig = SmtpConfig()
    slack: SlackConfig = SlackConfig()  # the `slack` channel: a direct message to each receiver (docs/chat.md)
    teams: TeamsConfig = TeamsConfig()  # the `teams` channel: Adaptive Cards to each group's workflow URL

    @field_validator("base_url")
    @classmethod
    def without_trailing_slash(cls, url: str | None) -> str | None:
        return url.rstrip("/") if url else url
