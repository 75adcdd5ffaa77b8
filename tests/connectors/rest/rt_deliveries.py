"""An owner change as Request Tracker 5 posts it to Baton: the body Baton's Scrip sends
(connectors/rest/rt_scrip/baton-webhook-initialdata.pl: the transaction and the ticket as it is now), signed as the
request-tracker5 profile checks it. One builder for the tests, the fault test (scripts/fault_desk.py) and the webhook
benchmark (benchmarks/webhooks.py)."""

from __future__ import annotations

import hashlib
import hmac
import json


def owner_change(transaction: int, ticket: int, old: str, new: str, by: str, at: str) -> bytes:
    """`by` moved the ticket in queue Service Desk from `old` to `new` at `at` (RT's `Created`, UTC)."""
    return json.dumps(
        {
            "transaction": {
                "id": str(transaction),
                "Type": "Set",
                "Field": "Owner",
                "OldValue": old,
                "NewValue": new,
                "Created": at,
                "Creator": {"id": by},
                "ObjectType": "RT::Ticket",
                "ObjectId": str(ticket),
            },
            "ticket": {"id": ticket, "Queue": {"id": "Service Desk"}, "Owner": {"id": new}, "Status": "open"},
        },
        separators=(",", ":"),
    ).encode()


def signature(body: bytes, secret: bytes) -> str:
    """The X-Baton-Signature header's value for `body`."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
