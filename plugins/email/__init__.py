"""The email notifier (notifier.py): rendered messages become `email` outbox rows, sent over SMTP by the
dispatcher. Registered here (built in; trylast so that a user's plugin of that
name wins); the notifier and its libraries are imported only when a deployment uses it."""

from __future__ import annotations

from baton_itsm.core.plugin_api import NotifierContext, hookimpl


def email_notifier(context: NotifierContext):
    from baton_itsm.plugins.email.notifier import EmailNotifier

    return EmailNotifier.create(context)


@hookimpl(trylast=True)
def register_notifiers(register):
    register("email", email_notifier)
