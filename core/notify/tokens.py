"""Signed accept/decline link tokens: bound to one request and one receiver, expiring, checked in constant time.

A token is `v1.PAYLOAD.SIGNATURE` (base64url): PAYLOAD is {"h": handoff id, "r": receiver, "e": expiry as
Unix seconds}, SIGNATURE is HMAC-SHA256 over it with the deployment's link secret. Single use is recorded in
the store under `token_id`, which names the (request, receiver) pair: every link one receiver got for one
request (the request and its reminder) is used up together.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from baton_itsm.core.notify.errors import ExpiredLink, InvalidLink

VERSION = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_id(handoff_id: str, receiver: str) -> str:
    return hashlib.sha256(f"{handoff_id}\x00{receiver}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LinkClaim:
    """What a valid token says: this receiver may answer this request until `expires_at`."""

    handoff_id: str
    receiver: str
    expires_at: datetime

    @property
    def token_id(self) -> str:
        return token_id(self.handoff_id, self.receiver)


@dataclass(frozen=True)
class LinkSigner:
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("the link secret must be at least 16 bytes long")

    def sign(self, claim: LinkClaim) -> str:
        payload = _b64(json.dumps({"h": claim.handoff_id, "r": claim.receiver,
                                   "e": int(claim.expires_at.timestamp())}, separators=(",", ":")).encode())
        return f"{VERSION}.{payload}.{self._signature(payload)}"

    def verify(self, token: str, now: datetime) -> LinkClaim:
        """The claim of an intact token; InvalidLink if it was altered, ExpiredLink if it ran out."""
        version, _, rest = (token or "").strip().partition(".")
        payload, _, signature = rest.partition(".")
        if version != VERSION or not payload or not hmac.compare_digest(signature, self._signature(payload)):
            raise InvalidLink("This link is not valid: it may have been changed or cut short in the email. "
                              "Open the link exactly as it arrived, or answer the request in Baton.")
        try:
            data = json.loads(_unb64(payload))
            claim = LinkClaim(str(data["h"]), str(data["r"]), datetime.fromtimestamp(int(data["e"]), UTC))
        except (ValueError, KeyError, TypeError):
            raise InvalidLink("This link is not valid.") from None
        if now >= claim.expires_at:
            raise ExpiredLink(f"This link expired on {claim.expires_at:%Y-%m-%d %H:%M} UTC. The request may still "
                              "be open: answer it in Baton, or ask the requester to send it again.")
        return claim

    def _signature(self, payload: str) -> str:
        return _b64(hmac.new(self.secret, f"{VERSION}.{payload}".encode(), hashlib.sha256).digest())
