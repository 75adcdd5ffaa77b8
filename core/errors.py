"""Errors a user of Baton can see.

Every class here is an error whose message is meant for people: the CLI prints it to stderr
(no traceback) and exits non-zero; the HTTP app turns it into a 4xx with the same text. A credential written
in a URL (a database URL's password, a connector URL's user and password) never reaches a message: it is
masked where the error is made, whichever path made it.
"""

from baton_itsm.core.masking import mask_url_credentials


class BatonError(Exception):
    """Something the user asked for cannot be done; the message says what and why."""

    exit_code = 1

    def __init__(self, *args: object):
        super().__init__(*(mask_url_credentials(a) if isinstance(a, str) else a for a in args))


class ConfigError(BatonError):
    """The deployment configuration is broken; one line per problem, each naming file and key."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = [mask_url_credentials(p) for p in problems]
        super().__init__("\n".join(self.problems))


class StoreError(BatonError):
    """The ledger store is unreachable or not at the schema this version of Baton needs."""

    exit_code = 3


class ToolError(BatonError):
    """A help-desk tool refused or failed a call. `retryable` says whether trying again can help;
    `pauses_destination` whether the whole destination asked to wait (not just this one call)."""

    retryable = False
    pauses_destination = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ToolAuthError(ToolError):
    """The tool did not accept Baton's credentials (expired, revoked, wrong): fix them in the environment."""


class ToolNotFound(ToolError):
    """The ticket (or user, group, queue) does not exist in the tool, or Baton may not see it."""


class ToolConflict(ToolError):
    """The ticket changed in the tool since Baton read it; Baton re-reads before deciding again."""


class ToolRefused(ToolError):
    """The tool understood the call and said no (rights, validation); the message is the tool's."""


class ToolRateLimited(ToolError):
    """The tool asked Baton to slow down; `retry_after` is how long it asked for (seconds), if it said."""

    retryable = True
    pauses_destination = True


class ToolUnavailable(ToolError):
    """The tool did not answer or answered 5xx; Baton retries with backoff and loses nothing."""

    retryable = True
