"""`baton review escalations` and `baton review escalation show|edit|link|close|reopen`: blameless reviews
of administrative escalations, opened when the escalation opens, kept by their editors."""

from __future__ import annotations

import json

import click
import yaml

from baton_itsm.core.cli.handoff import _ticket
from baton_itsm.core.cli.tables import render_table
from baton_itsm.core.domain.events import LedgerEvent
from baton_itsm.core.domain.review_events import EscalationReviewLinked, EscalationReviewUpdated
from baton_itsm.core.domain.reviews import CHANGE_KINDS, ESCALATION_SECTIONS
from baton_itsm.core.escalation_reviews.escalation_queries import Listing
from baton_itsm.core.escalation_reviews.escalation_views import EscalationReviewView, age_text
from baton_itsm.core.escalation_reviews.escalations import EscalationReviews

as_option = click.option(
    "--as",
    "--by",
    "person",
    required=True,
    envvar="BATON_USER",
    show_envvar=True,
    metavar="PERSON",
    help="Who is doing this (an editor of the review).",
)
format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


def _reviews(state) -> EscalationReviews:
    return EscalationReviews.of(state.app)


@click.command()
@click.option("--all", "everything", is_flag=True, help="Closed reviews too (default: open ones only).")
@click.option("--closed", is_flag=True, help="Closed reviews only.")
@click.option("--ticket", metavar="INSTANCE:ID", help="Only the reviews of this ticket.")
@format_option
@click.pass_obj
def escalations(state, everything: bool, closed: bool, ticket: str | None, fmt: str) -> None:
    """List escalation reviews, oldest first: open ones, unless --all or --closed."""
    listing = Listing.ALL if everything else Listing.CLOSED if closed else Listing.OPEN
    views = _reviews(state).find(listing, ticket=_ticket(state, ticket) if ticket else None)
    if fmt == "json":
        click.echo(json.dumps([v.as_data() for v in views], indent=2))
        return
    if not views:
        click.echo(f"no {'' if listing is Listing.ALL else f'{listing} '}escalation reviews")
        return
    rows = [
        [
            v.handoff_id,
            v.ticket,
            v.review.kind,
            f"{v.review.opened_at:%Y-%m-%d %H:%M}",
            age_text(v.age),
            v.review.state,
            ", ".join(v.review.editors),
            f"{len(v.filled)}/{len(ESCALATION_SECTIONS)}",
            v.review.cause_kind or "",
            len(v.review.changes),
        ]
        for v in views
    ]
    click.echo(
        render_table(
            ["handoff", "ticket", "kind", "opened (UTC)", "age", "state", "editors", "filled", "cause kind", "changes"],
            rows,
        )
    )


@click.group()
def escalation() -> None:
    """Show and keep one escalation's review (by the handoff id of the escalation)."""


@escalation.command()
@click.argument("handoff_id")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def show(state, handoff_id: str, fmt: str) -> None:
    """Show the review of the escalation HANDOFF_ID."""
    view = _reviews(state).get(handoff_id)
    click.echo(json.dumps(view.as_data(), indent=2) if fmt == "json" else _text(view))


@escalation.command()
@click.argument("handoff_id")
@as_option
@click.option("--cause", help=ESCALATION_SECTIONS["cause"] + ".")
@click.option("--steps", help=ESCALATION_SECTIONS["steps"] + ".")
@click.option("--problems", help=ESCALATION_SECTIONS["problems"] + ".")
@click.option("--helped", help=ESCALATION_SECTIONS["helped"] + ".")
@click.option("--prevention", help=ESCALATION_SECTIONS["prevention"] + ".")
@click.option("--cause-kind", help="The kind of cause: one of reviews.escalations.causes.")
@click.option(
    "--from-file",
    "from_file",
    type=click.File(encoding="utf-8"),
    help="A YAML or JSON mapping of sections (and cause_kind); options given beside it win.",
)
@click.pass_obj
def edit(state, handoff_id: str, person: str, cause_kind: str | None, from_file, **sections) -> None:
    """Write sections of the review of HANDOFF_ID (what happened and what would prevent it, not who is to blame)."""
    given = _read_file(from_file) if from_file else {}
    from_file_kinds = [given.pop(key, None) for key in ("cause_kind", "cause-kind")]
    cause_kind = cause_kind or next(filter(None, from_file_kinds), None)
    given.update({name: text for name, text in sections.items() if text is not None})
    if not given and cause_kind is None:
        raise click.UsageError(f"say what to write: --{' / --'.join(ESCALATION_SECTIONS)}, --cause-kind or --from-file")
    events = _reviews(state).edit(handoff_id, person, given, cause_kind)
    click.echo(_said(handoff_id, events) or f"review of {handoff_id}: nothing changed")


@escalation.command()
@click.argument("handoff_id")
@as_option
@click.option(
    "--change",
    type=click.Choice(CHANGE_KINDS, case_sensitive=False),
    required=True,
    help="What the review led to change.",
)
@click.option("--reference", required=True, help="Where the change is: a commit, a document, a change ticket.")
@click.option("--note", default="", help="What changed, in a line.")
@click.pass_obj
def link(state, handoff_id: str, person: str, change: str, reference: str, note: str) -> None:
    """Record that the review of HANDOFF_ID led to a rule or SLA change."""
    click.echo(_said(handoff_id, _reviews(state).link(handoff_id, person, change, reference, note)))


@escalation.command()
@click.argument("handoff_id")
@as_option
@click.option("--note", default="", help="A closing note.")
@click.pass_obj
def close(state, handoff_id: str, person: str, note: str) -> None:
    """Close the review of HANDOFF_ID (its cause and prevention must be written)."""
    click.echo(_said(handoff_id, _reviews(state).close(handoff_id, person, note)))


@escalation.command()
@click.argument("handoff_id")
@as_option
@click.option("--reason", default="", help="Why it is opened again.")
@click.pass_obj
def reopen(state, handoff_id: str, person: str, reason: str) -> None:
    """Open the closed review of HANDOFF_ID again, to edit it."""
    click.echo(_said(handoff_id, _reviews(state).reopen(handoff_id, person, reason)))


def _read_file(file) -> dict:
    try:
        data = yaml.safe_load(file)  # JSON is YAML too
    except yaml.YAMLError as error:
        raise click.BadParameter(f"{file.name} is not YAML or JSON: {error}", param_hint="--from-file") from None
    if not isinstance(data, dict) or not all(isinstance(v, str | None) for v in data.values()):
        raise click.BadParameter(f"{file.name} must be a mapping of section names to text", param_hint="--from-file")
    return {str(k): v for k, v in data.items() if v is not None}


def _said(handoff_id: str, events: list[LedgerEvent]) -> str:
    """What a command on the escalation review of `handoff_id` recorded (every event is about that review)."""
    return "\n".join(f"{e.entry_type}: review of {handoff_id} on {e.ticket}{_detail(e)}" for e in events)


def _detail(event: LedgerEvent) -> str:
    if isinstance(event, EscalationReviewUpdated):
        return ": " + ", ".join([*event.sections, *([f"cause kind {event.cause_kind}"] if event.cause_kind else [])])
    if isinstance(event, EscalationReviewLinked):
        return f": {event.change} change {event.reference}"
    return ""


def _text(view: EscalationReviewView) -> str:
    review, record = view.review, view.escalation
    lines = [
        f"Escalation review of {view.handoff_id} on {view.ticket}{f' ({view.subject})' if view.subject else ''}",
        f"  state: {review.state}, opened {review.opened_at:%Y-%m-%d %H:%M} UTC, age {age_text(view.age)}"
        + (f", closed by {review.closed_by}" if review.closed_by else ""),
    ]
    if record is not None:
        lines += [
            f"  escalation: {review.kind} from {record.from_holder or '(nobody)'} to {record.to_holder}, "
            f"asked by {record.requested_by or 'baton'} ({record.state})",
            f"  reason: {record.reason}",
            f"  what was tried: {record.summary or '(not said)'}",
        ]
    lines += [
        f"  editors: {', '.join(review.editors) or '(none named)'}",
        f"  cause kind: {review.cause_kind or '(not chosen)'}",
        "",
    ]
    for name, label in ESCALATION_SECTIONS.items():
        lines += [
            f"{label} ({name}):",
            *(f"  {line}" for line in (review.sections.get(name) or "(not written yet)").splitlines()),
        ]
    lines += ["", "Changes it led to:"] + (
        [
            f"  {c.change}: {c.reference}{f' - {c.note}' if c.note else ''} ({c.by}, {c.at:%Y-%m-%d})"
            for c in review.changes
        ]
        or ["  (none yet)"]
    )
    return "\n".join(lines)
