"""The dispatcher's handler for channel `tool`: performs a decided action through its connector instance."""
from __future__ import annotations

from collections.abc import Mapping

from baton_itsm.core.connector import Connector
from baton_itsm.core.domain.holders import Holder
from baton_itsm.core.errors import ToolRefused
from baton_itsm.core.outbox import OutboxItem


def _holder(data: Mapping | None) -> Holder | None:
    return None if data is None else Holder(data["group"], data.get("person"))


class ToolActions:
    """Callable as `handler(item)`; raises the connector's ToolError so the dispatcher retries or gives up."""

    channel = "tool"

    def __init__(self, connectors: Mapping[str, Connector]):
        self.connectors = connectors

    def __call__(self, item: OutboxItem) -> None:
        payload = item.payload
        connector = self.connectors.get(payload.get("instance"))
        if connector is None:
            known = ", ".join(sorted(self.connectors)) or "none"
            raise ToolRefused(f"{item.idempotency_key}: no connector instance {payload.get('instance')!r} "
                              f"is configured (configured: {known})")
        ticket_id, action = str(payload["ticket_id"]), payload.get("action")
        if action == "set-holder":
            expected = _holder(payload.get("expected_holder"))
            connector.set_holder(ticket_id, _holder(payload["holder"]), expected=expected)
        elif action == "add-note":
            connector.add_note(ticket_id, payload["text"])
        elif action == "reply":
            connector.reply(ticket_id, payload["text"])
        else:
            raise ToolRefused(f"{item.idempotency_key}: unknown tool action {action!r}")
