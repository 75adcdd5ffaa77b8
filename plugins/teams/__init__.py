"""The Microsoft Teams notifier (notifier.py): staff notices as Adaptive Cards posted to a group's channel
workflow. Registered here (built in; trylast so that a user's plugin of that
name wins); the notifier and its libraries are imported only when a deployment uses it."""

from __future__ import annotations

from baton_itsm.core.plugin_api import NotifierContext, hookimpl


def teams_notifier(context: NotifierContext):
    from baton_itsm.plugins.teams.notifier import TeamsNotifier

    return TeamsNotifier.create(context)


@hookimpl(trylast=True)
def register_notifiers(register):
    register("teams", teams_notifier)
