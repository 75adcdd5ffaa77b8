"""`baton token`: personal API tokens. Each acts as one person; the token is shown once and kept only hashed."""

from __future__ import annotations

import json

import click

from baton_itsm.core.cli.error_display import UserFacingError
from baton_itsm.core.cli.tables import render_table


def _tokens(state):
    from baton_itsm.core.store.api_tokens import ApiTokens

    return ApiTokens(state.app.store)


def _people(config) -> set[str]:
    named = set(config.people)
    for group in config.groups.values():
        named |= {*group.members, *group.managers, *([group.lead] if group.lead else [])}
    return named


def _when(moment) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else None


@click.group()
def token() -> None:
    """Personal API tokens: every API call acts as the person its token was made for."""


@token.command("create")
@click.option("--for", "person", required=True, metavar="NAME", help="The person the token acts as.")
@click.option("--note", default="", help="What the token is for (shown by `baton token list`).")
@click.pass_obj
def create(state, person: str, note: str) -> None:
    """Make a token for NAME and show it, once: Baton keeps only its SHA-256."""
    known = _people(state.app.config)
    if known and person not in known:  # a misspelt name would make a token that can do nothing
        raise UserFacingError(
            f"{person!r} is not a person of this deployment (people, group members, managers "
            f"and leads): {', '.join(sorted(known))}"
        )
    issued = _tokens(state).create(person, state.app.clock.now(), note)
    click.echo(issued.token)
    click.echo(
        f"token {issued.token_id} acts as {issued.person}: give it to them now; it is not shown again "
        f"(revoke it with `baton token revoke {issued.token_id}`)",
        err=True,
    )


@token.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Revoked tokens too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def list_tokens(state, include_revoked: bool, fmt: str) -> None:
    """Live tokens (never their secret): id, person, note, when made, last used (to the hour)."""
    found = _tokens(state).find(include_revoked)
    rows = [
        {
            "id": t.token_id,
            "person": t.person,
            "note": t.note,
            "created": _when(t.created_at),
            "last_used": _when(t.last_used_at),
            "revoked": _when(t.revoked_at),
        }
        for t in found
    ]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    elif not rows:
        click.echo("no API tokens: make one with `baton token create --for NAME`")
    else:
        headers = ["id", "person", "note", "created (UTC)", "last used", *(["revoked"] if include_revoked else [])]
        click.echo(
            render_table(
                headers,
                [
                    [
                        r["id"],
                        r["person"],
                        r["note"],
                        r["created"],
                        r["last_used"] or "never",
                        *([r["revoked"] or ""] if include_revoked else []),
                    ]
                    for r in rows
                ],
            )
        )


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@click.pass_obj
def revoke(state, token_id: str) -> None:
    """Revoke a token: calls with it are refused (401) from now on."""
    revoked = _tokens(state).revoke(token_id, state.app.clock.now())
    click.echo(f"token {revoked.token_id} of {revoked.person} revoked")
