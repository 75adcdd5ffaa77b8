"""`baton review handoff` and `baton review audit`: a receiver's review and a lead's verdict, by hand."""

from __future__ import annotations

import click

from baton_itsm.core.cli.handoff import on_handoff
from baton_itsm.core.domain.review_commands import AuditHandoff, ReviewHandoff
from baton_itsm.core.domain.reviews import HandoffAnswers


def answer_options(command):
    """HANDOFF_ID, who answers, the three optional questions of a review and its note."""
    for option in reversed(
        [
            click.argument("handoff_id"),
            click.option(
                "--as",
                "--by",
                "person",
                required=True,
                envvar="BATON_USER",
                show_envvar=True,
                metavar="PERSON",
                help="Who answers (a person's name in the tool).",
            ),
            click.option("--needed", metavar="yes|no", help="Was the handoff needed?"),
            click.option("--prepared", metavar="yes|no", help="Was it done well: was what had been tried summarised?"),
            click.option("--timely", metavar="early|right|late", help="Did it come too early, about right, too late?"),
            click.option("--note", default="", help="Anything else the sender or the lead should know."),
            click.pass_obj,
        ]
    ):
        command = option(command)
    return command


@click.command("handoff")
@answer_options
def handoff(state, handoff_id: str, person: str, needed, prepared, timely, note: str) -> None:
    """Review a handoff you received: needed? done well? timely? (each optional; once per handoff)."""
    answers = HandoffAnswers.parse(needed=needed, prepared=prepared, timely=timely, note=note)
    on_handoff(state, ReviewHandoff, handoff_id, by=person, answers=answers, via="cli")


@click.command("audit")
@answer_options
def audit(state, handoff_id: str, person: str, needed, prepared, timely, note: str) -> None:
    """Record a lead's verdict on a handoff drawn for audit (or of your group), beside the receiver's review."""
    answers = HandoffAnswers.parse(needed=needed, prepared=prepared, timely=timely, note=note)
    on_handoff(state, AuditHandoff, handoff_id, by=person, answers=answers, via="cli")
