"""Who calls the JSON API: a person, by their own token, or the deployment's service token.

A personal token (`baton token create --for erin`) makes every call act as that person: the protocol checks
their rights (a member accepts for their group, a manager forces). A request body may still say `by`; a name
other than the token's person is refused (403), never believed. The service token (`$BATON_API_TOKEN`, optional)
is for integrations that read (pending requests, ledgers, reviews): it acts as nobody, so it cannot request,
accept, force or edit anything.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from baton_itsm.core.store.api_tokens import ApiTokens

SERVICE_TOKEN_ENV = "BATON_API_TOKEN"
UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Caller:
    person: str | None  # None: the service token, which acts as nobody

    def acting_as(self, claimed: str | None) -> str:
        """The person this call acts as: the token's; `claimed` (a body's `by`) must be that person or absent."""
        if self.person is None:
            raise HTTPException(
                403,
                f"the service token ({SERVICE_TOKEN_ENV}) reads but acts as nobody: call with "
                "the token of the person acting (`baton token create --for NAME`)",
            )
        if claimed is not None and claimed.strip() != self.person:
            raise HTTPException(
                403, f"this token acts as {self.person}, not as {claimed!r}: each person calls with their own token"
            )
        return self.person


def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    """The caller a bearer token names; 401 for a missing, unknown or revoked token."""
    scheme, _, given = (authorization or "").strip().partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        raise HTTPException(401, "missing API token: send Authorization: Bearer TOKEN", headers=UNAUTHORIZED)
    service = os.environ.get(SERVICE_TOKEN_ENV, "")
    if service and hmac.compare_digest(given.encode("utf-8", "surrogateescape"), service.encode()):
        return Caller(None)
    app = request.app.state.baton
    person = ApiTokens(app.store).person_of(given, app.clock.now())
    if person is None:
        raise HTTPException(401, "unknown or revoked API token", headers=UNAUTHORIZED)
    return Caller(person)


Authenticated = Annotated[Caller, Depends(caller)]
