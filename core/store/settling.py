"""When a kept webhook delivery may first be handled.

A tool that logs one write as several changes and posts each change on its own (Request Tracker's Scrip posts
each transaction) sends one write as several deliveries. Its connector says how long a delivery waits for the rest
of its write (`settle_seconds` in the delivery's payload); the delivery is kept claimed until then, so no inbox
worker takes it alone, and the intake then reads it with the rest of its write (core/usecases/joined_deliveries.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

SETTLE = "settle_seconds"


def settles_at(payload: dict, kept_at: datetime) -> datetime | None:
    """When the delivery kept at `kept_at` has waited long enough; None for one that need not wait."""
    seconds = payload.get(SETTLE) if isinstance(payload, dict) else None
    return kept_at + timedelta(seconds=float(seconds)) if seconds else None
