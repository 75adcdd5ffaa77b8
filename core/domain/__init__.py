"""The handoff domain: words, protocol, ownership and bounces.

Pure: this package imports only the standard library. No HTTP, no SQL, no clock reads; time is
always an argument.
"""

from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind, HandoffState

__all__ = ["HandoffKind", "HandoffState", "Holder", "TicketKey"]
