"""The desk's catalog of decline reasons: a code people can count, the words the sender reads, and whether
the ticket may go elsewhere (ServiceNow's work-assignment reject reasons carry the same flag).

A decline names a code (`not-network`), optionally followed by words of the decliner's own; or, where the
deployment allows it, only words (free text). One place resolves what a decline means, so the CLI, the API,
the link page and the `/baton decline` comment all follow the same catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

from baton_itsm.core.domain.protocol_errors import InvalidRequest


@dataclass(frozen=True)
class DeclineReason:
    code: str
    words: str
    reassignable: bool = True  # False: the ticket must not go elsewhere; it stays with (goes back to) the sender
    suggested_group: str | None = None  # where the ticket belongs instead: the sender gets a one-click request


@dataclass(frozen=True)
class ResolvedDecline:
    """What one decline says: the catalog code (empty for free text), the reason as written, and its flags."""

    code: str
    reason: str
    reassignable: bool = True
    suggested_group: str | None = None


@dataclass(frozen=True)
class DeclineCatalog:
    reasons: tuple[DeclineReason, ...] = ()
    free_text: bool = True

    def find(self, code: str) -> DeclineReason | None:
        return next((r for r in self.reasons if r.code.lower() == code.strip().lower()), None)

    def codes(self) -> str:
        return ", ".join(r.code for r in self.reasons)

    def resolve(self, code: str, words: str) -> ResolvedDecline:
        """The decline that `code` and `words` make; a code may also lead the words (`not-network cabling`)."""
        words = (words or "").strip()
        if not code and words:
            first, _, rest = words.partition(" ")
            if self.find(first) is not None:
                code, words = first, rest.strip()
        if code:
            reason = self.find(code)
            if reason is None:
                raise InvalidRequest(f"{code!r} is not a decline reason of this desk; use one of: {self.codes()}")
            text = f"{reason.words}: {words}" if words else reason.words
            return ResolvedDecline(reason.code, text, reason.reassignable, reason.suggested_group)
        if not words:
            raise InvalidRequest(
                "a decline needs a reason, so the sender knows what to do instead"
                + (f" (a code: {self.codes()})" if self.reasons else "")
            )
        if not self.free_text:
            raise InvalidRequest(f"this desk declines with a reason code, not free text; use one of: {self.codes()}")
        return ResolvedDecline("", words)
