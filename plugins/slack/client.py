"""Slack's Web API through its own SDK (`slack_sdk`): post, update, reply to a click, find people by email.

Nothing here waits: Slack's 429 becomes `SlackRateLimited` with its Retry-After, and the outbox stores the time of
the next attempt (the SDK's own retry handlers, which sleep, are turned off). Email lookups are cached for the
life of the process, both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from baton_itsm.core.plugin_api import SlackConfig, ToolError

PERMANENT = frozenset(
    {
        "users_not_found",
        "user_not_found",
        "channel_not_found",
        "not_in_channel",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
    }
)


class SlackRefused(ToolError):
    """Slack refused a call; `retryable` unless the refusal is one only an admin fixes (a scope, a channel)."""


class SlackRateLimited(SlackRefused):
    """Slack answered 429: every Slack message waits for its Retry-After; email and tool actions go on."""

    retryable = True
    pauses_destination = True


@dataclass
class SlackClient:
    config: SlackConfig
    token: str = field(repr=False)
    _ids: dict[str, str] = field(default_factory=dict, init=False)  # email: Slack user id
    _emails: dict[str, str] = field(default_factory=dict, init=False)  # Slack user id: email

    @classmethod
    def from_env(cls, config: SlackConfig, environ: Mapping[str, str]) -> SlackClient:
        return cls(config, environ.get(config.token_env, ""))

    @property
    def web(self) -> WebClient:
        return WebClient(
            token=self.token, base_url=self.config.api_url, timeout=int(self.config.timeout_seconds), retry_handlers=[]
        )

    def user_id(self, email: str) -> str:
        key = email.strip().lower()
        if key not in self._ids:
            user = self._call("users_lookupByEmail", email=email)["user"]
            self._ids[key], self._emails[user["id"]] = user["id"], key
        return self._ids[key]

    def email_of(self, user_id: str) -> str | None:
        if user_id not in self._emails:
            email = (self._call("users_info", user=user_id)["user"].get("profile") or {}).get("email")
            if not email:
                return None
            self._emails[user_id] = email.strip().lower()
        return self._emails[user_id]

    def post(self, channel: str, text: str, blocks: list[dict]) -> dict:
        return self._call("chat_postMessage", channel=channel, text=text, blocks=blocks).data

    def update(self, channel: str, ts: str, text: str, blocks: list[dict]) -> dict:
        return self._call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks).data

    def respond(self, response_url: str, text: str) -> None:
        """A reply only the clicker sees (ephemeral), through the click's response_url."""
        answer = WebhookClient(response_url, timeout=int(self.config.timeout_seconds), retry_handlers=[]).send(
            text=text, response_type="ephemeral", replace_original=False
        )
        if answer.status_code == 429:
            raise SlackRateLimited("Slack rate limit", status=429, retry_after=_seconds(answer.headers))
        if answer.status_code >= 400:
            raise SlackRefused(f"Slack refused the reply: {answer.status_code}", status=answer.status_code)

    def check(self) -> str:
        """`baton check`: auth.test with the bot token; one line."""
        if not self.token:
            raise SlackRefused(f"no Slack bot token: set {self.config.token_env}")
        answer = self._call("auth_test")
        return f"Slack: token works for {answer.get('user')} in {answer.get('team')}"

    def _call(self, method: str, **arguments):
        try:
            return getattr(self.web, method)(**arguments)
        except SlackApiError as error:
            status, code = error.response.status_code, error.response.get("error")
            if status == 429:
                raise SlackRateLimited(
                    f"Slack rate limit on {method}", status=429, retry_after=_seconds(error.response.headers)
                ) from None
            refused = SlackRefused(f"Slack refused {method}: {code}", status=status)
            refused.retryable = code not in PERMANENT
            raise refused from None


def _seconds(headers: Mapping[str, str]) -> float:
    value = {k.lower(): v for k, v in (headers or {}).items()}.get("retry-after", "")
    try:
        return max(1.0, float(value))
    except ValueError:
        return 30.0
