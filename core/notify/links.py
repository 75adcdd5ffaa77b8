"""Signed links for one person and one handoff (accept/decline, review, audit, escalation review), and the key
that signs them (from the environment)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from baton_itsm.core.notify.tokens import ANSWER, LinkClaim, LinkSigner
from baton_itsm.core.settings.notifications import NotificationsConfig

ACCEPT_PATH = "/handoff/accept"
DECLINE_PATH = "/handoff/decline"
REVIEW_PATH = "/handoff/review"  # the receiver's review of an applied handoff (purpose review)
AUDIT_PATH = "/handoff/audit"  # a lead's audit of a handoff drawn for them (purpose audit)
ASK_PATH = "/handoff/ask"  # the sender of a declined request asks the suggested group (purpose ask)
ESCALATION_REVIEW_PATH = "/escalation-review"  # an editor's page of an escalation review (purpose escalation-review)


def link_signer(settings: NotificationsConfig, environ: Mapping[str, str] | None = None) -> LinkSigner | None:
    """The signer, or None when the deployment has no link secret (then messages carry no links)."""
    secret = (os.environ if environ is None else environ).get(settings.link_secret_env, "")
    return LinkSigner(secret.encode()) if secret else None


@dataclass(frozen=True)
class LinkMaker:
    base_url: str
    signer: LinkSigner
    valid_for: timedelta

    @classmethod
    def from_settings(cls, settings: NotificationsConfig, environ: Mapping[str, str] | None = None) -> LinkMaker | None:
        signer = link_signer(settings, environ)
        if signer is None or not settings.base_url:
            return None
        return cls(settings.base_url, signer, timedelta(hours=settings.link_valid_hours))

    def for_receiver(self, handoff_id: str, receiver: str, now: datetime) -> dict[str, str]:
        expires_at = now + self.valid_for
        query = self.query(handoff_id, receiver, ANSWER, expires_at)
        return {
            "accept": f"{self.base_url}{ACCEPT_PATH}?{query}",
            "decline": f"{self.base_url}{DECLINE_PATH}?{query}",
            "expires_at": expires_at.isoformat(),
        }

    def for_page(self, path: str, handoff_id: str, person: str, purpose: str, now: datetime) -> dict[str, str]:
        """One page's link for a message: {"url", "expires_at"}."""
        return {
            "url": self.link(path, handoff_id, person, purpose, now),
            "expires_at": (now + self.valid_for).isoformat(),
        }

    def link(self, path: str, handoff_id: str, person: str, purpose: str, now: datetime) -> str:
        """A signed link to `path` for `person` to act on `handoff_id` for `purpose` (see notify/tokens)."""
        return f"{self.base_url}{path}?{self.query(handoff_id, person, purpose, now + self.valid_for)}"

    def query(self, handoff_id: str, person: str, purpose: str, expires_at: datetime) -> str:
        return urlencode({"t": self.signer.sign(LinkClaim(handoff_id, person, expires_at, purpose))})
