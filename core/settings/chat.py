"""Chat notices: Slack (a Slack app's bot token and signing secret) and Microsoft Teams (a workflow URL per group).

Secrets (the bot token, the signing secret, the webhook URLs, which anyone holding them can post with) are read
from the environment; the file names the variables.
"""

from __future__ import annotations

from pydantic import Field

from baton_itsm.core.settings.base import EnvVarName, Name, Strict


class SlackConfig(Strict):
    token_env: EnvVarName = "BATON_SLACK_TOKEN"  # the variable holding the app's bot token (xoxb-...)
    signing_secret_env: EnvVarName = "BATON_SLACK_SIGNING_SECRET"  # the variable holding the app's signing secret
    api_url: str = Field("https://slack.com/api/", pattern=r"^https?://\S+/$")  # Slack's Web API (a test's fake)
    direct_messages: bool = True  # send each receiver a direct message (found by their email address)
    timeout_seconds: float = Field(10, gt=0)  # of one call to Slack


class TeamsConfig(Strict):
    # group: the variable holding the URL of that group's channel workflow ("post to a channel when a webhook
    # request is received"); the group's notices are posted there as Adaptive Cards.
    group_webhook_envs: dict[Name, EnvVarName] = {}
    timeout_seconds: float = Field(10, gt=0)  # of one post to a workflow
