"""The JSON text of an imported ticket's ledger entries, written without json.dumps where the values are plain.

A large import writes one summary entry per ticket (core/domain/history_events), holding its moves when it is new
to the ledger; json.dumps of each cost more than the database did.
"""

from __future__ import annotations

import json

from baton_itsm.core.domain.history_events import MOVES
from baton_itsm.core.history.imported import ImportedTicket


def json_text(value: str | None) -> str:
    """A JSON string literal, without json.dumps' cost for the plain text that ids and times are."""
    if value is None:
        return "null"
    if '"' in value or "\\" in value or not value.isprintable():
        return json.dumps(value)
    return f'"{value}"'


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def summary_data(ticket: ImportedTicket, with_moves: bool = False) -> str:
    """The HistorySummary entry's data (its fields besides the ledger columns), as JSON text; `with_moves` adds
    the ticket's holder changes (a compact entry, history_events.MOVES)."""
    moves = f', "{MOVES}": {moves_json(ticket)}' if with_moves and ticket.steps else ""
    return (
        f'{{"source_event_id": {json_text(ticket.source_event_id)}, '
        f'"opened_at": {json_text(ticket.opened_at)}, "resolved_at": {json_text(ticket.resolved_at)}, '
        f'"reopen_count": {_json_int(ticket.reopen_count)}, '
        f'"tool_reassignments": {_json_int(ticket.tool_reassignments)}, '
        f'"derived_reassignments": {_json_int(ticket.derived_reassignments)}, '
        f'"updates": {ticket.updates}, "mismatch": {json_text(ticket.mismatch)}{moves}}}'
    )


def moves_json(ticket: ImportedTicket) -> str:
    """The ticket's holder changes as a JSON array of [at, actor, group, person, source_event_id]."""
    return (
        "["
        + ", ".join(
            f"[{json_text(at)}, {json_text(actor)}, {json_text(group)}, {json_text(person)}, {json_text(source_id)}]"
            for at, actor, group, person, source_id in ticket.steps
        )
        + "]"
    )
