"""Rule 2, queue-first: a handoff across groups goes to the receiving group's queue, not to a named person.

`Policy.receiver_for` holds the rule's setting; here is whom a push asks to accept.
"""

from __future__ import annotations

from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.rules.policy import Policy


def push_receiver(policy: Policy, old: Holder, new: Holder) -> tuple[Holder, str | None]:
    """Who a push asks to accept (queue-first across groups; a person outside the group: the group's queue), and
    why the push can only be flagged, if it can."""
    receiver = policy.receiver_for(old.group, new)
    if not policy.directory.knows(receiver.group):
        return receiver, f"{receiver.group} is not a group Baton knows"
    if receiver.person is not None and not policy.directory.is_member(receiver.person, receiver.group):
        receiver = Holder(receiver.group)  # not in the group as Baton knows it: anyone of the group may take it
    if receiver == old:
        return receiver, f"the request would go to {old}, who holds it"
    return receiver, None
