"""The Table API (`/api/now/table/{table}`) through connectors/http.py: queries, pages, one record, PATCH.

Statuses map to ToolErrors in http.py (401 expired or wrong credentials, 403 ACL, 404 no record or hidden
by an ACL, 429 with Retry-After); ServiceNow's error body `{"error": {"message", "detail"}}` becomes the
message. What is left here is ServiceNow's paging and the quirks of its success answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.http import HttpClient
from baton_itsm.connectors.servicenow.mapping import result_of


@dataclass(frozen=True)
class Page:
    records: list[dict]
    offset: int
    total: int | None  # X-Total-Count: the whole query's size
    next_offset: int | None  # where the next page starts; None on the last page


def next_offset(links: Mapping[str, Mapping[str, str]], total: int | None, offset: int, count: int) -> int | None:
    """The next page's offset from the Link header, else from X-Total-Count; None on the last page.

    Only rel="next" is read: a real instance sends rel="prev" with sysparm_offset=-1 on the first page.
    An offset that does not move forward is ignored, so a wrong header cannot make Baton read forever.
    """
    link = links.get("next", {}).get("url")
    if link:
        values = parse_qs(urlsplit(link).query).get("sysparm_offset", [])
        if values and values[0].lstrip("-").isdigit() and int(values[0]) > offset:
            return int(values[0])
    if total is not None and count and offset + count < total:
        return offset + count
    return None


@dataclass
class TableClient:
    http: HttpClient
    api_path: str = "/api/now/table"

    def page(self, table: str, *, query: str, fields: Sequence[str], limit: int, offset: int = 0) -> Page:
        params = {
            "sysparm_query": query,
            "sysparm_fields": ",".join(fields),
            "sysparm_limit": str(limit),
            "sysparm_offset": str(offset),
        }
        response = self.http.call("GET", f"{self.api_path}/{table}", params=params)
        records = result_of(_json(response))
        if not isinstance(records, list):
            raise MalformedPayload(f"GET {table}: expected a list of records, got {str(records)[:200]}")
        total_header = response.headers.get("X-Total-Count")
        total = int(total_header) if total_header and total_header.isdigit() else None
        return Page(records, offset, total, next_offset(response.links, total, offset, len(records)))

    def query(self, table: str, *, query: str, fields: Sequence[str], limit: int) -> Iterator[dict]:
        """Every record of a query whose result does not move while it is read (audit rows, names)."""
        offset: int | None = 0
        while offset is not None:
            page = self.page(table, query=query, fields=fields, limit=limit, offset=offset)
            yield from page.records
            offset = page.next_offset

    def first(self, table: str, *, query: str, fields: Sequence[str]) -> dict | None:
        records = self.page(table, query=query, fields=fields, limit=1).records
        return records[0] if records else None

    def record(self, table: str, sys_id: str, fields: Sequence[str]) -> dict:
        """One record by sys_id (404 when there is none, or an ACL hides it: ServiceNow says both alike)."""
        response = self.http.call(
            "GET",
            f"{self.api_path}/{table}/{sys_id}",
            label=f"{self.api_path}/{table}/{{sys_id}}",
            params={"sysparm_fields": ",".join(fields)},
        )
        record = result_of(_json(response))
        if not isinstance(record, dict):
            raise MalformedPayload(f"GET {table}: expected one record, got {str(record)[:200]}")
        return record

    def patch(self, table: str, sys_id: str, body: Mapping[str, str], fields: Sequence[str]) -> dict | None:
        """Update one record; the record as written, or None when the instance answered 200 with no body."""
        response = self.http.call(
            "PATCH",
            f"{self.api_path}/{table}/{sys_id}",
            label=f"{self.api_path}/{table}/{{sys_id}}",
            params={"sysparm_fields": ",".join(fields)},
            json=dict(body),
        )
        if not response.content.strip():
            return None  # seen on a real instance: PATCH 200, Content-Length 0
        record = result_of(_json(response))
        if not isinstance(record, dict):
            raise MalformedPayload(f"PATCH {table}: expected one record, got {str(record)[:200]}")
        return record


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        # A hibernating developer instance answers 200 with an HTML page; so does an SSO login redirect.
        kind = response.headers.get("Content-Type", "no content type")
        raise MalformedPayload(
            f"{response.request.method} {response.request.path_url.split('?')[0]}: the answer is "
            f"not JSON ({kind}); is the instance hibernating or behind a login page?"
        ) from None
