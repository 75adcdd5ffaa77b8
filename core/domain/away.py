"""A period someone is away: what the availability rules read and the store keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AwayPeriod:
    person: str
    start: datetime
    end: datetime  # exclusive: the moment they are back
    deputy: str | None = None
    note: str = ""
    source: str = "config"  # config, store (`baton away`, the API) or feed:NAME

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def words(self) -> str:
        """`alice is away (training) until 2026-12-27 00:00 UTC`: what the note and the email say."""
        note = f" ({self.note})" if self.note else ""
        return f"{self.person} is away{note} until {self.end:%Y-%m-%d %H:%M} UTC"
