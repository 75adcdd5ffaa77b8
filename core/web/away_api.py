"""The JSON API of away periods: set one, list them, cancel one.

A person sets their own (`person` left out or theirs); a manager of one of a person's groups may set theirs. The
service token only reads. Same tokens and error mapping as the handoff API (core/web/api.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from baton_itsm.core.away.setting import set_away
from baton_itsm.core.errors import BatonError
from baton_itsm.core.web.api_auth import Authenticated, caller

router = APIRouter(prefix="/api/away", tags=["availability"], dependencies=[Depends(caller)])


class NewAway(BaseModel):
    person: str | None = Field(None, description="left out: the token's person; another person: their manager only")
    start: str = Field("now", alias="from", description="a date (whole day), a moment with its zone, or now")
    until: str = Field(description="the last day away (a date), or the moment back (with its zone)")
    deputy: str | None = Field(None, description="who takes their requests meanwhile (else their group's queue)")
    note: str = ""


class Away(BaseModel):
    id: int | None
    person: str
    start: str = Field(serialization_alias="from")
    until: str
    deputy: str | None
    note: str
    source: str


def _may_set(request: Request, acting: str, person: str) -> None:
    if acting == person:
        return
    config = request.app.state.baton.config
    if not any(acting in g.managers and (person in g.members or person in g.managers) for g in config.groups.values()):
        raise HTTPException(
            403,
            f"{acting} may set only their own away periods, or those of people in a group "
            f"they manage; {person} is in none",
        )


@router.post("", status_code=201, response_model=Away, response_model_by_alias=True)
def set_period(request: Request, who: Authenticated, body: NewAway) -> Away:
    """Set someone away: requests to them go to the deputy, else their group's queue."""
    acting = who.acting_as(None)
    person = body.person or acting
    _may_set(request, acting, person)
    app = request.app.state.baton
    try:
        stored = set_away(
            app.config,
            app.away_periods,
            person,
            body.start,
            body.until,
            deputy=body.deputy,
            note=body.note,
            by=acting,
            now=app.clock.now(),
        )
    except BatonError as error:
        raise HTTPException(422, str(error)) from None
    period = stored.period
    return Away(
        id=stored.id,
        person=period.person,
        start=period.start.isoformat(),
        until=period.end.isoformat(),
        deputy=period.deputy,
        note=period.note,
        source="store",
    )


@router.get("", response_model=list[Away], response_model_by_alias=True)
def list_periods(request: Request, person: str | None = None) -> list[Away]:
    """The away periods not yet over, from every source (the deployment file, `baton away` and this API, feeds)."""
    app = request.app.state.baton
    now = app.clock.now()
    return [
        Away(
            id=int(p.source.split(":")[1]) if p.source.startswith("store:") else None,
            person=p.person,
            start=p.start.isoformat(),
            until=p.end.isoformat(),
            deputy=p.deputy,
            note=p.note,
            source=p.source.split(":")[0] if p.source.startswith("store:") else p.source,
        )
        for p in sorted(app.rules.availability.periods(now), key=lambda p: (p.start, p.person))
        if person is None or p.person == person
    ]


@router.delete("/{period_id}", response_model=Away, response_model_by_alias=True)
def cancel_period(request: Request, who: Authenticated, period_id: int) -> Away:
    """Cancel an away period set by `baton away` or this API (the person, or their manager)."""
    app = request.app.state.baton
    acting = who.acting_as(None)
    found = [s for s in app.away_periods.find(include_cancelled=True) if s.id == period_id]
    if not found:
        raise HTTPException(404, f"no away period {period_id}")
    _may_set(request, acting, found[0].period.person)
    cancelled = app.away_periods.cancel(period_id, app.clock.now())
    period = cancelled.period
    return Away(
        id=cancelled.id,
        person=period.person,
        start=period.start.isoformat(),
        until=period.end.isoformat(),
        deputy=period.deputy,
        note=period.note,
        source="store",
    )
