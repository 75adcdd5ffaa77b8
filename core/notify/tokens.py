"""Signed accept/decline link tokens: bound to one request and one receiver, expiring, checked in constant time.

A token is `v1.PAYLOAD.SIGNATURE` (base64url): PAYLOAD is {"h": handoff id, "r": receiver, "e": expiry as
Unix seconds}, SIGNATURE is HMAC-SHA256 over it with the deployment's link secret. Single use is recorded in
the store under `token_id`, which names the (request, receiver) pair: every link one receiver got for one
request (the request and its reminder) is used up together.

A token has a purpose: answering a request (the default, left out of the payload so older links stay
valid), reviewing or auditing a handoff, editing an escalation review (key "p"). A page takes only
tokens of its own purpose, and each purpose is used up on its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from baton_itsm.core.notify.link_errors import ExpiredLink, InvalidLink

VERSION = "v1"
ANSWER = "answer"  # accept/decline a request
REVIEW = "review"  # the receiver reviews an applied handoff
AUDIT = "audit"  # the lead audits a handoff drawn for them
ESCALATION_REVIEW = "escalation-review"  # an editor edits an escalation's review (not single-use)
ASK_SUGGESTED = "ask"  # a declined request's sender asks the group the decline suggests (one click)
PURPOSES = frozenset({ANSWER, REVIEW, AUDIT, ESCALATION_REVIEW, ASK_SUGGESTED})
# A token Baton makes is base64url text of a few hundred characters; anything longer, or not ASCII, was
# not made here (hmac.compare_digest also refuses non-ASCII text with a TypeError, once a 500).
MAX_TOKEN_LENGTH = 2048


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_id(handoff_id: str, receiver: str, purpose: str = ANSWER) -> str:
    name = f"{handoff_id}\x00{receiver}" if purpose == ANSWER else f"{purpose}\x00{handoff_id}\x00{receiver}"
    return hashlib.sha256(name.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LinkClaim:
    """What a valid token says: this person (`receiver`) may act on this handoff for `purpose` until `expires_at`."""

    handoff_id: str
    receiver: str
    expires_at: datetime
    purpose: str = ANSWER

    @property
    def token_id(self) -> str:
        return token_id(self.handoff_id, self.receiver, self.purpose)


@dataclass(frozen=True)
class LinkSigner:
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("the link secret must be at least 16 bytes long")

    def sign(self, claim: LinkClaim) -> str:
        if claim.purpose not in PURPOSES:
            raise ValueError(f"unknown link purpose {claim.purpose!r}")
        data = {"h": claim.handoff_id, "r": claim.receiver, "e": int(claim.expires_at.timestamp())}
        if claim.purpose != ANSWER:
            data["p"] = claim.purpose
        payload = _b64(json.dumps(data, separators=(",", ":")).encode())
        return f"{VERSION}.{payload}.{self._signature(payload)}"

    def verify(self, token: str, now: datetime, purpose: str = ANSWER) -> LinkClaim:
        """The claim of an intact token for `purpose`; InvalidLink if it was altered or is for another page,
        ExpiredLink if it ran out."""
        text = (token or "").strip()
        if len(text) > MAX_TOKEN_LENGTH or not text.isascii():
            raise InvalidLink(
                "This link is not valid: it was changed or was not made by Baton. "
                "Open the link exactly as it arrived, or answer the request in Baton."
            )
        version, _, rest = text.partition(".")
        payload, _, signature = rest.partition(".")
        if (
            version != VERSION
            or not payload
            or not hmac.compare_digest(signature.encode(), self._signature(payload).encode())
        ):
            raise InvalidLink(
                "This link is not valid: it may have been changed or cut short in the email. "
                "Open the link exactly as it arrived, or answer the request in Baton."
            )
        try:
            data = json.loads(_unb64(payload))
            claim = LinkClaim(
                str(data["h"]), str(data["r"]), datetime.fromtimestamp(int(data["e"]), UTC), str(data.get("p", ANSWER))
            )
        except (ValueError, KeyError, TypeError):
            raise InvalidLink("This link is not valid.") from None
        if claim.purpose != purpose:
            raise InvalidLink("This link is meant for another page of Baton. Open it exactly as it arrived.")
        if now >= claim.expires_at:
            raise ExpiredLink(
                f"This link expired on {claim.expires_at:%Y-%m-%d %H:%M} UTC. The request may still "
                "be open: answer it in Baton, or ask the requester to send it again."
            )
        return claim

    def _signature(self, payload: str) -> str:
        return _b64(hmac.new(self.secret, f"{VERSION}.{payload}".encode(), hashlib.sha256).digest())
