"""Per-person API tokens: made for one person, shown once, kept only as a SHA-256, listed and revoked by id.

A token is `baton_<id>_<secret>`: the id names it in `baton token list` and `revoke` (and lets a person tell
their tokens apart), the secret is 256 random bits. It is kept as the SHA-256 of the whole token, not bcrypt or
another slow hash: those protect guessable passwords, and nobody guesses 256 random bits, however fast the hash;
a slow hash would only add its cost to every API call. The hash is looked up through a unique index.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from baton_itsm.core.errors import BatonError
from baton_itsm.core.store.schema import api_tokens
from baton_itsm.core.store.unit_of_work import Store

PREFIX = "baton_"
MAX_TOKEN_LENGTH = 200  # ours are about 60 characters; a longer one is not looked up at all
LAST_USE_PRECISION = timedelta(hours=1)  # `last used` is noted at most hourly: an API call is a read, not a write


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token_id: str
    person: str
    token: str  # shown once, never stored


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    person: str
    note: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokens:
    def __init__(self, store: Store):
        self.store = store

    def create(self, person: str, now: datetime, note: str = "") -> IssuedToken:
        person = person.strip()
        if not person:
            raise BatonError("name the person the token acts as: --for NAME")
        token_id = secrets.token_hex(6)
        token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        with self.store.unit_of_work(now) as uow:
            uow.connection.execute(
                api_tokens.insert().values(
                    token_id=token_id, token_sha256=token_sha256(token), person=person, note=note, created_at=now
                )
            )
        return IssuedToken(token_id, person, token)

    def person_of(self, token: str, now: datetime) -> str | None:
        """The person a live token acts as; None for an unknown or revoked token."""
        if not token.startswith(PREFIX) or len(token) > MAX_TOKEN_LENGTH:
            return None
        with self.store.engine.connect() as connection:
            row = connection.execute(
                select(api_tokens.c.token_id, api_tokens.c.person, api_tokens.c.last_used_at).where(
                    api_tokens.c.token_sha256 == token_sha256(token), api_tokens.c.revoked_at.is_(None)
                )
            ).first()
        if row is None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USE_PRECISION:
            with self.store.unit_of_work(now) as uow:
                uow.connection.execute(
                    update(api_tokens).where(api_tokens.c.token_id == row.token_id).values(last_used_at=now)
                )
        return row.person

    def find(self, include_revoked: bool = False) -> list[TokenInfo]:
        query = select(api_tokens).order_by(api_tokens.c.person, api_tokens.c.created_at)
        if not include_revoked:
            query = query.where(api_tokens.c.revoked_at.is_(None))
        with self.store.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [TokenInfo(r.token_id, r.person, r.note, r.created_at, r.last_used_at, r.revoked_at) for r in rows]

    def revoke(self, token_id: str, now: datetime) -> TokenInfo:
        with self.store.unit_of_work(now) as uow:
            row = uow.connection.execute(select(api_tokens).where(api_tokens.c.token_id == token_id)).first()
            if row is None:
                raise BatonError(f"no API token {token_id} (see `baton token list`)")
            if row.revoked_at is None:
                uow.connection.execute(
                    update(api_tokens).where(api_tokens.c.token_id == token_id).values(revoked_at=now)
                )
        return TokenInfo(row.token_id, row.person, row.note, row.created_at, row.last_used_at, row.revoked_at or now)
