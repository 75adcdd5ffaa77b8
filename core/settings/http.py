"""`service.http`: what one client of the web server may cost before it is answered or cut off.

The defaults suit Baton beside a help desk: tools deliver webhooks of a few KiB over a LAN or the
internet, and people post short forms. A reverse proxy in front should still bring its own limits (see
docs/security.md); these hold when there is none.
"""

from __future__ import annotations

from pydantic import Field

from baton_itsm.core.settings.base import Strict


class HttpConfig(Strict):
    # A request's line and headers must arrive whole this long after the connection opened (or after the
    # previous answer on a kept-alive one). A real client sends them in one packet; 10 s covers a slow link.
    header_timeout_seconds: float = Field(10, gt=0)
    # Its body must arrive whole this long after its headers: 30 s is 35 KiB/s for the largest webhook body.
    body_timeout_seconds: float = Field(30, gt=0)
    # An idle kept-alive connection is closed after this long (uvicorn's own default).
    keep_alive_seconds: float = Field(5, gt=0)
    # Open connections past this many are answered 503 and closed at once; it stays well under the usual
    # 1,024 open files per process, so the store, the tools and SMTP always get theirs.
    max_connections: int = Field(500, ge=1)
    # Request headers larger than this get 431, or 400 when they arrive in pieces (h11's own default).
    max_header_bytes: int = Field(16 * 1024, ge=1024)
    # Bodies larger than these get 413: refused by Content-Length before reading, or as soon as a chunked
    # body passes the limit. Webhook deliveries are a few KiB; API calls and link-page forms are smaller.
    max_webhook_body_bytes: int = Field(1024 * 1024, ge=1024)
    max_body_bytes: int = Field(64 * 1024, ge=1024)  # the API's and the link pages' limit
