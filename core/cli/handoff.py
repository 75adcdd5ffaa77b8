"""`baton handoff`: request, accept, decline, withdraw and force handoffs by hand."""

from __future__ import annotations

import click

from baton_itsm.core.domain.commands import AcceptHandoff, DeclineHandoff, ForceHandoff, RequestHandoff, WithdrawHandoff
from baton_itsm.core.domain.events import HandoffApplied, HandoffRequested, LedgerEvent
from baton_itsm.core.domain.holders import Holder, TicketKey
from baton_itsm.core.domain.kinds import HandoffKind
from baton_itsm.core.errors import BatonError
from baton_itsm.core.usecases.handoffs import new_handoff_id
from baton_itsm.core.usecases.ticket_reach import require_reachable

KINDS = click.Choice([k.value for k in HandoffKind])
by_option = click.option(
    "--by",
    required=True,
    envvar="BATON_USER",
    show_envvar=True,
    help="Who is doing this (a person's name in the tool).",
)


def _ticket(state, text: str) -> TicketKey:
    try:
        return TicketKey.parse(text, state.app.config.default_instance())
    except ValueError as error:
        raise BatonError(str(error)) from None


def _holder(text: str) -> Holder:
    try:
        return Holder.parse(text)
    except ValueError as error:
        raise BatonError(f"--to: {error} (write GROUP or GROUP/PERSON)") from None


def _report(events: list[LedgerEvent]) -> None:
    for event in events:
        line = f"{event.entry_type}: handoff {getattr(event, 'handoff_id', '')} on {event.ticket}"
        if isinstance(event, HandoffRequested):
            line += f" to {event.to_holder}"
        if isinstance(event, HandoffApplied):
            line += f"; holder {event.from_holder or '(none)'} -> {event.to_holder}"
        click.echo(line)


@click.group()
def handoff() -> None:
    """Request, accept, decline, withdraw or force a handoff (`baton review` reviews one that took place)."""


def new_handoff_options(command):
    """The arguments of a new handoff, requested or forced: TICKET, --to, --by, --reason, --summary, --kind."""
    for option in reversed(
        [
            click.argument("ticket"),
            click.option(
                "--to",
                "to",
                required=True,
                metavar="GROUP[/PERSON]",
                help="The receiver: a group queue or a person in it.",
            ),
            by_option,
            click.option("--reason", required=True, help="Why the ticket should change hands."),
            click.option("--summary", default="", help="What was tried so far (a good handoff summarises)."),
            click.option("--kind", type=KINDS, default=HandoffKind.REASSIGN.value, show_default=True),
            click.pass_obj,
        ]
    ):
        command = option(command)
    return command


def _new_handoff(state, command_type, ticket: str, to: str, by: str, reason: str, summary: str, kind: str) -> None:
    key = _ticket(state, ticket)
    require_reachable(state.app, key)  # as the API: no handoff on an instance or ticket Baton cannot reach
    _report(
        state.app.handoffs.execute(
            command_type(
                ticket=key,
                handoff_id=new_handoff_id(),
                to_holder=_holder(to),
                by=by,
                reason=reason,
                summary=summary,
                kind=HandoffKind(kind),
            )
        )
    )


@handoff.command("request")
@new_handoff_options
def request(state, **arguments) -> None:
    """Ask the receiver to take TICKET (INSTANCE:ID); it moves only when they accept."""
    _new_handoff(state, RequestHandoff, **arguments)


def on_handoff(state, command_type, handoff_id: str, **fields) -> None:
    """Run a command on an existing handoff, found by its id alone."""
    service = state.app.handoffs
    _report(service.execute(command_type(ticket=service.ticket_of(handoff_id), handoff_id=handoff_id, **fields)))


@handoff.command("accept")
@click.argument("handoff_id")
@by_option
@click.pass_obj
def accept(state, handoff_id: str, by: str) -> None:
    """Accept a handoff addressed to you or your group; the ticket moves to you."""
    on_handoff(state, AcceptHandoff, handoff_id, by=by)


@handoff.command("decline")
@click.argument("handoff_id")
@by_option
@click.option(
    "--code",
    default="",
    metavar="CODE",
    help="A reason code of the desk's catalog (rules.decline_reasons); --reason then adds words to it.",
)
@click.option(
    "--reason", default="", help="Why not (the sender needs to know what to do instead); may start with a code."
)
@click.pass_obj
def decline(state, handoff_id: str, by: str, code: str, reason: str) -> None:
    """Decline a handoff addressed to you or your group, with a reason code, words, or both."""
    # the protocol resolves the code against the catalog, as for the API, the page and /baton decline
    on_handoff(state, DeclineHandoff, handoff_id, by=by, reason=reason, reason_code=code.strip())


@handoff.command("withdraw")
@click.argument("handoff_id")
@by_option
@click.option("--reason", default="", help="Why the request is no longer needed.")
@click.pass_obj
def withdraw(state, handoff_id: str, by: str, reason: str) -> None:
    """Withdraw a request you made."""
    on_handoff(state, WithdrawHandoff, handoff_id, by=by, reason=reason)


@handoff.command("force")
@new_handoff_options
def force(state, **arguments) -> None:
    """Move TICKET without the receiver's acceptance (managers only); recorded as forced."""
    _new_handoff(state, ForceHandoff, **arguments)
