"""`/baton handoff`: asking for a handoff from inside the tool, with the reason and the summary of what was tried.

    /baton handoff Network/carol kind=technical switch port dead -- re-patched, tested with a laptop

The receiver (GROUP or GROUP/PERSON; in double quotes when the group's name has spaces: "Service Desk/bob")
comes first, then an optional `kind=` (reassign, technical, administrative-service, administrative-sales,
vendor), then the reason; words after ` -- ` are the summary (a good handoff summarises
what was tried). The request follows the same protocol and queue-first rule as one made through the CLI or
the API: a cross-group request for a person goes to the person's group queue. The requester is not told
until a receiver accepts (the request itself tells only the receiver).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from baton_itsm.core.domain.commands import RequestHandoff
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.domain.protocol_errors import InvalidRequest
from baton_itsm.core.rules.availability import reroute, reroute_entry
from baton_itsm.core.rules.scratch import Scratch, handoff_id_for

KIND = re.compile(r"^kind=(?P<kind>\S+)$", re.IGNORECASE)
SUMMARY_MARK = re.compile(r"\s--(?:\s+|$)")
QUOTED = re.compile(r'^"(?P<target>[^"]+)"(?P<rest>.*)$', re.DOTALL)
HANDOFF_USAGE = "Write `/baton handoff GROUP[/PERSON] [kind=technical] <reason> -- <what was tried>`."


@dataclass(frozen=True)
class Ask:
    receiver: Holder
    kind: HandoffKind
    reason: str
    summary: str


def parse_ask(text: str) -> Ask:
    """The request a `/baton handoff` comment's words make (everything after the verb)."""
    parts = SUMMARY_MARK.split(f" {text.strip()} ", maxsplit=1)
    head, summary = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
    quoted = QUOTED.match(head)
    target, rest = (quoted["target"], quoted["rest"]) if quoted else [*re.split(r"\s+", head, maxsplit=1), ""][:2]
    words = rest.split()
    if not target.strip():
        raise InvalidRequest(f"say who should take the ticket. {HANDOFF_USAGE}")
    try:
        receiver = Holder.parse(target)
    except ValueError as error:
        raise InvalidRequest(f"{error}. {HANDOFF_USAGE}") from None
    kind = HandoffKind.REASSIGN
    if words and (given := KIND.match(words[0])):
        try:
            kind = HandoffKind(given["kind"].lower())
        except ValueError:
            known = ", ".join(str(k) for k in HandoffKind)
            raise InvalidRequest(f"kind {given['kind']!r} is not one of {known}") from None
        words.pop(0)
    return Ask(receiver, kind, " ".join(words), summary)


def run_ask(scratch: Scratch, text: str, actor: str, event_id: str) -> str:
    """Open the request the comment asks for; the reply says to whom, or the protocol's refusal is raised."""
    ask = parse_ask(text)
    ticket = scratch.ticket
    from_group = ticket.holder.group if ticket.holder else None
    directory = scratch.policy.directory
    wanted = ask.receiver
    if wanted.person and directory.knows(wanted.group) and not directory.is_member(wanted.person, wanted.group):
        # checked before queue-first turns the person into their group's queue: a misspelt name is said so
        raise InvalidRequest(f"{ask.receiver.person} is not a member of {ask.receiver.group}")
    receiver = scratch.policy.receiver_for(from_group, ask.receiver)
    queued = " (queue first: it goes to the group's queue)" if receiver != ask.receiver else ""
    rerouted = reroute(scratch.availability, directory, receiver, scratch.now)
    receiver = rerouted.receiver if rerouted else receiver
    handoff_id = handoff_id_for("comment-handoff", str(ticket.key), event_id)  # a replay makes the same id
    scratch.run(
        RequestHandoff(
            ticket=ticket.key,
            handoff_id=handoff_id,
            to_holder=receiver,
            by=actor,
            reason=ask.reason,
            kind=ask.kind,
            summary=ask.summary,
        )
    )
    if rerouted:
        scratch.record([reroute_entry(ticket.key, rerouted, handoff_id, scratch.now, actor, event_id)])
        queued = f" ({rerouted.reason})"
    return (
        f"handoff request {handoff_id} asks {receiver} to take this ticket{queued}; it moves when they accept. "
        "Withdraw it with `/baton withdraw`."
    )
