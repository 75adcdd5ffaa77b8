"""Errors a user of Baton can see.

Every class here is an error whose message is meant for people: the CLI prints it to stderr
(no traceback) and exits non-zero; the HTTP app turns it into a 4xx with the same text.
"""


class BatonError(Exception):
    """Something the user asked for cannot be done; the message says what and why."""

    exit_code = 1


class ConfigError(BatonError):
    """The deployment configuration is broken; one line per problem, each naming file and key."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class StoreError(BatonError):
    """The ledger store is unreachable or not at the schema this version of Baton needs."""

    exit_code = 3
