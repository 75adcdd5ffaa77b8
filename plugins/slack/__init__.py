"""The Slack notifier (notifier.py): staff notices as Block Kit direct messages, Accept and Decline clicks
coming back to core/web/slack.py (clicks.py). Registered here (built in; trylast so that a user's plugin of that
name wins); the notifier and its libraries are imported only when a deployment uses it."""

from __future__ import annotations

from baton_itsm.core.plugin_api import NotifierContext, hookimpl


def slack_notifier(context: NotifierContext):
    from baton_itsm.plugins.slack.notifier import SlackNotifier

    return SlackNotifier.create(context)


@hookimpl(trylast=True)
def register_notifiers(register):
    register("slack", slack_notifier)
