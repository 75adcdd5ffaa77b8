"""Comment commands: people answer Baton from inside their tool, by a comment that starts with `/baton`.

    /baton review [HANDOFF] needed=yes prepared=no timely=late the logs were missing
    /baton audit [HANDOFF] needed=no the answer was in KB0012
    /baton accept [HANDOFF]
    /baton decline [HANDOFF] [CODE] this is a cabling fault: Facilities handles those
    /baton handoff Network/carol kind=technical switch port dead -- re-patched, tested with a laptop
    /baton withdraw [HANDOFF] [reason]

HANDOFF defaults to the handoff the command can only mean: the open request (accept, decline), the
latest handoff the author received (review) or was drawn to audit (audit). Words after the answers are
the note (or the decline's reason: a code of the desk's catalog, then optional words). `/baton handoff`
asks for a handoff (rules/comment_asks.py); `/baton withdraw` takes back the open request. The author is
the comment's author as the tool names them, so the tool's own login is what vouches for them. Baton answers in
the ticket with an internal note either way.

Only internal comments are commands. A public one (RT's Correspond: a reply the requester reads, or the
requester's own message) never is: a requester must not be able to accept a handoff by email, and an agent's
`/baton` line is not meant for the requester's eyes (nor answered where they would see it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from baton_itsm.core.domain.commands import AcceptHandoff, DeclineHandoff, WithdrawHandoff
from baton_itsm.core.domain.events import HandoffDeclined
from baton_itsm.core.domain.kinds import HandoffState
from baton_itsm.core.domain.protocol_errors import InvalidRequest, ProtocolError
from baton_itsm.core.domain.review_commands import AuditHandoff, ReviewHandoff
from baton_itsm.core.domain.reviews import HandoffAnswers
from baton_itsm.core.domain.ticket import HandoffRecord, Ticket
from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.actions import add_note
from baton_itsm.core.rules.comment_asks import run_ask
from baton_itsm.core.rules.decisions import Decisions
from baton_itsm.core.rules.facts import PUBLIC, VISIBILITY
from baton_itsm.core.rules.scratch import Scratch

PREFIX = re.compile(r"^\s*/baton\s+(?P<verb>[a-z]+)\b(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
ANSWER = re.compile(r"^(?P<key>needed|prepared|timely)=(?P<value>\S+)$", re.IGNORECASE)
HANDOFF_ID = re.compile(r"^[0-9a-f]{12}$")
VERBS = ("review", "audit", "accept", "decline", "handoff", "withdraw")
USAGE = (
    "Write `/baton review needed=yes|no prepared=yes|no timely=early|right|late [note]`, "
    "`/baton accept`, `/baton decline [code] <reason>`, "
    "`/baton handoff GROUP[/PERSON] [kind=technical] <reason> -- <what was tried>` or `/baton withdraw`."
)


@dataclass(frozen=True)
class CommentCommand:
    verb: str
    handoff_id: str | None
    answers: dict[str, str]
    text: str  # the note, or the decline's reason
    raw: str = ""  # the comment as written (`/baton handoff` reads its own words)


def parse(text: str) -> CommentCommand | None:
    """The command a comment gives, or None when the comment is not addressed to Baton."""
    match = PREFIX.match(text or "")
    if match is None:
        return None
    verb, words = match["verb"].lower(), match["rest"].split()
    handoff_id = words.pop(0) if words and HANDOFF_ID.match(words[0]) else None
    answers: dict[str, str] = {}
    while words and (answer := ANSWER.match(words[0])):
        answers[answer["key"].lower()] = answer["value"]
        words.pop(0)
    return CommentCommand(verb, handoff_id, answers, " ".join(words), text)


def run_comment_command(scratch: Scratch, event: ToolEvent) -> Decisions:
    """Run the comment's command on the scratch ticket; the reply note says what happened."""
    command = parse(event.text)
    if command is None or event.actor is None or event.fields.get(VISIBILITY) == PUBLIC:
        return Decisions()
    ticket = scratch.ticket
    try:
        outcome = _run(scratch, command, event.actor, event.event_id)
    except ProtocolError as refusal:
        outcome = f"Baton could not do this: {refusal}. {USAGE}"
    if not scratch.policy.governs(ticket.key.instance):
        return Decisions()  # e.g. a back-test's replay: nothing is written to a tool Baton does not act on
    return Decisions(
        outgoing=[
            add_note(ticket.key, f"@{event.actor}: {outcome}", key=f"comment-reply:{ticket.key}:{event.event_id}")
        ]
    )


def _run(scratch: Scratch, command: CommentCommand, actor: str, event_id: str) -> str:
    ticket = scratch.ticket
    if command.verb == "handoff":
        said = PREFIX.match(command.raw)  # matches: `command` was parsed from it
        return run_ask(scratch, said["rest"] if said else "", actor, event_id)
    first, _, rest = command.text.partition(" ")
    if command.handoff_id is None and not command.answers and first in ticket.handoffs:
        # an id in another shape than Baton's own (e.g. an imported one): read the rest after it
        again = parse(f"/baton {command.verb} {rest}")
        if again is not None:  # always: the verb is a command's
            command = CommentCommand(command.verb, first, again.answers, again.text, command.raw)
    if command.verb not in VERBS:
        raise InvalidRequest(f"`/baton {command.verb}` is not a command")
    if command.verb in ("review", "audit"):
        answers = HandoffAnswers.parse(**command.answers, note=command.text)
        if command.verb == "review":
            record = _pick(
                ticket, command.handoff_id, lambda r: r.receiving_person == actor and not r.reviewed_by, "you received"
            )
            scratch.run(
                ReviewHandoff(ticket=ticket.key, handoff_id=record.handoff_id, by=actor, answers=answers, via="comment")
            )
            return f"your review of handoff {record.handoff_id} is recorded. Thank you."
        record = _pick(
            ticket, command.handoff_id, lambda r: r.auditor == actor and not r.audited_by, "drawn for you to audit"
        )
        scratch.run(
            AuditHandoff(ticket=ticket.key, handoff_id=record.handoff_id, by=actor, answers=answers, via="comment")
        )
        return f"your audit of handoff {record.handoff_id} is recorded."
    open_request = ticket.handoff(command.handoff_id) if command.handoff_id else ticket.open_handoff()
    if open_request is not None and open_request.state is not HandoffState.REQUESTED:
        raise InvalidRequest(
            f"handoff request {open_request.handoff_id} is {open_request.state}, no longer open: "
            f"there is nothing to {command.verb}"
        )
    if open_request is None:  # the note never repeats an id the ledger does not hold
        given = (
            "the handoff id given is not one of this ticket's"
            if command.handoff_id
            else f"{ticket.key} has no open handoff request"
        )
        raise InvalidRequest(f"{given}: there is nothing to {command.verb}")
    if command.verb == "accept":
        scratch.run(AcceptHandoff(ticket=ticket.key, handoff_id=open_request.handoff_id, by=actor))
        return f"you accepted handoff {open_request.handoff_id}; the ticket is yours."
    if command.verb == "withdraw":
        scratch.run(
            WithdrawHandoff(ticket=ticket.key, handoff_id=open_request.handoff_id, by=actor, reason=command.text)
        )
        return f"you withdrew handoff request {open_request.handoff_id}; its receiver is told."
    declined = scratch.run(
        DeclineHandoff(ticket=ticket.key, handoff_id=open_request.handoff_id, by=actor, reason=command.text)
    )[-1]
    code = f" ({declined.reason_code})" if isinstance(declined, HandoffDeclined) and declined.reason_code else ""
    return f"you declined handoff {open_request.handoff_id}{code}; its sender is told why."


def _pick(ticket: Ticket, handoff_id: str | None, fits, what: str) -> HandoffRecord:
    if handoff_id is not None:
        record = ticket.handoff(handoff_id)
        if record is None:
            raise InvalidRequest(f"no handoff {handoff_id} on {ticket.key}")
        return record
    candidates = [r for r in ticket.handoffs.values() if r.state is HandoffState.APPLIED and fits(r)]
    if not candidates:
        raise InvalidRequest(f"{ticket.key} has no handoff {what} that is waiting for your answer")
    return max(candidates, key=lambda r: r.decided_at or r.requested_at)
