"""Request Tracker's side of Baton's webhook: the Scrip RT 5 needs to post its changes (it has no webhooks).

`baton-webhook-initialdata.pl` is an RT initialdata file (for `rt-setup-database --action insert`) that
installs or updates one global Scrip; docs/request-tracker5.md says how to install and configure it.
"""

from __future__ import annotations

from importlib.resources import files

INITIALDATA = "baton-webhook-initialdata.pl"


def initialdata() -> str:
    """The initialdata file's text, as shipped."""
    return files(__name__).joinpath(INITIALDATA).read_text(encoding="utf-8")
