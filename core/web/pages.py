"""Small server-rendered HTML pages (Jinja2, autoescaped), sent with headers that keep link tokens private."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

_pages = Environment(
    loader=PackageLoader("baton_itsm.core.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",  # a page reached with a token is nobody else's, not even a proxy's
    "Referrer-Policy": "no-referrer",  # following the ticket link must not hand the token to the tool
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def page(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _pages.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=PRIVATE_HEADERS)
