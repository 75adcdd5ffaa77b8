"""What config/servicenow/baton-holder-change.business-rule.js posts for one write to the fake instance.

The rule runs after the write, so it sees the record as written (`current`) and as it was (`previous`); it
sends the raw values the Table API gives, each holder part as {old, new} of {value: sys_id, name or user_name},
and signs `TIMESTAMP.BODY` (connectors/servicenow/webhook.py). Built here from the fake's own records, the
way the rule builds it from GlideRecords.
"""

from __future__ import annotations

import json
import uuid

from baton_itsm.connectors.servicenow.webhook import DELIVERY, SIGNATURE, TIMESTAMP, sign
from tests.connectors.servicenow.integration.fake_instance import FakeInstance


def _side(instance: FakeInstance, record: dict | None, field: str, table: str, name_key: str) -> dict:
    value = (record or {}).get(field) or ""
    named = instance.tables[table].get(value, {}).get(name_key, "") if value else ""
    return {"value": value, name_key: named}


def delivery(
    instance: FakeInstance, number: str, previous: dict | None, *, actor: str, secret: bytes, signed_at: int
) -> tuple[dict, bytes]:
    """(headers, body) of the rule's POST for the latest write to `number` (`previous`: the record before it;
    None for the insert)."""
    current = next(r for r in instance.tables["incident"].values() if r["number"] == number)
    caller = instance.tables["sys_user"].get(current.get("caller_id") or "", {})
    body = {
        "delivery_id": uuid.uuid4().hex,
        "operation": "insert" if previous is None else "update",
        "table": "incident",
        "sys_id": current["sys_id"],
        "number": number,
        **{
            name: current.get(name, "")
            for name in (
                "sys_updated_on",
                "sys_updated_by",
                "sys_mod_count",
                "reassignment_count",
                "state",
                "priority",
                "category",
                "short_description",
            )
        },
        "actor": actor,
        "caller": {
            "user_name": caller.get("user_name", ""),
            "email": caller.get("email", ""),
            "name": caller.get("name", ""),
        },
        "assignment_group": {
            side: _side(instance, record, "assignment_group", "sys_user_group", "name")
            for side, record in (("old", previous), ("new", current))
        },
        "assigned_to": {
            side: _side(instance, record, "assigned_to", "sys_user", "user_name")
            for side, record in (("old", previous), ("new", current))
        },
    }
    data = json.dumps(body).encode()
    timestamp = str(signed_at)
    return {
        DELIVERY: body["delivery_id"],
        TIMESTAMP: timestamp,
        SIGNATURE: sign(secret, timestamp, data),
        "Content-Type": "application/json",
    }, data
