"""The in-memory instance on 127.0.0.1, speaking HTTP like ServiceNow does (recording only).

Headers follow the captured responses (sn_real_swimlane_*.json): `application/json;charset=UTF-8`,
X-Total-Count and a comma-joined Link header on lists of more than one page, with rel="prev" on the
first page too (sysparm_offset=-LIMIT, the real quirk), Set-Cookie glide_* (filtered from cassettes).
"""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.connectors.servicenow.integration.fake_instance import HOST, FakeInstance, Refused
from tests.integration.loopback import LoopbackServer

API = "/api/now/table/"
DEFAULT_LIMIT = 10000  # ServiceNow's cap when sysparm_limit is not given


class FakeServer(LoopbackServer):
    def __init__(self, instance: FakeInstance):
        self.instance = instance
        self.lock = threading.Lock()
        self.queued: deque = deque()  # (status, body, headers) answered before the next requests
        self.empty_patch_answers = False  # answer PATCH with 200 and no body, as one real instance did
        self.transactions = 0
        super().__init__(self._answer, server_name="ServiceNow")  # the Server header of every captured answer

    def queue(self, status: int, body, headers: dict | None = None) -> None:
        self.queued.append((status, body, headers or {}))

    # --- one request -------------------------------------------------------------------------------
    def _answer(self, method: str, path: str, request_headers: dict, payload: bytes) -> tuple[int, dict, bytes]:
        with self.lock:
            status, body, headers = self.handle(method, path, request_headers, payload)
        return status, headers, b"" if body is None else json.dumps(body).encode()

    def handle(self, method: str, path: str, request_headers: dict, payload: bytes) -> tuple[int, object, dict]:
        self.transactions += 1
        headers = {
            "X-Transaction-ID": f"{self.transactions:012x}",
            "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        }
        try:
            user = self.instance.login(*_basic(request_headers.get("Authorization")))
            if self.queued:
                status, body, extra = self.queued.popleft()
                return status, body, {**headers, "Content-Type": "application/json;charset=UTF-8", **extra}
            status, body, extra = self._route(method, path, payload, user)
        except Refused as refused:
            return refused.status, refused.body, {**headers, "Content-Type": "application/json;charset=UTF-8"}
        headers.update(
            {
                "Cache-Control": "no-cache,no-store,must-revalidate,max-age=-1",
                "Pragma": "no-store,no-cache",
                "Expires": "0",
                "X-Is-Logged-In": "true",
                "X-Content-Type-Options": "nosniff",
                "Set-Cookie": "glide_user_route=glide.0; Path=/; HttpOnly; Secure, "
                "glide_session_store=0; Max-Age=1800; Path=/; HttpOnly; Secure",
            }
        )
        if body is not None:
            headers["Content-Type"] = "application/json;charset=UTF-8"
        return status, body, {**headers, **extra}

    def _route(self, method: str, path: str, payload: bytes, user: str):
        parts = urlsplit(path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if not parts.path.startswith(API):
            raise Refused(400, "Requested URI does not represent any resource", parts.path)
        table, _, sid = parts.path[len(API) :].partition("/")
        fields = [f for f in params.get("sysparm_fields", "").split(",") if f] or None
        instance = self.instance
        if method == "GET" and not sid:
            return self._list(table, params, fields, user)
        if method == "GET" and sid:
            return 200, {"result": instance.render(table, instance.get(table, sid, user), fields)}, {}
        if method == "DELETE" and sid:  # Table API: 204 No Content
            instance.delete(table, sid)
            return 204, None, {}
        if method == "POST" and not sid:
            record = instance.insert(table, json.loads(payload or b"{}"), user)
            return (
                201,
                {"result": instance.render(table, record, fields)},
                {"Location": f"{HOST}{API}{table}/{record['sys_id']}"},
            )
        if method == "PATCH" and sid:
            # one PATCH is one update, however many fields it changes: one sys_mod_count step, and one
            # sys_audit row per changed field sharing that count, user and time (see FakeInstance.update)
            record = instance.update(table, sid, json.loads(payload or b"{}"), user)
            if self.empty_patch_answers:
                return 200, None, {}
            return 200, {"result": instance.render(table, record, fields)}, {}
        raise Refused(405, "Method not Supported", f"{method} {parts.path}")

    def _list(self, table: str, params: dict, fields, user: str):
        rows = self.instance.select(table, params.get("sysparm_query", ""), user)
        limit = int(params.get("sysparm_limit") or DEFAULT_LIMIT)
        offset = int(params.get("sysparm_offset") or 0)
        page = rows[offset : offset + limit]
        headers = {"X-Total-Count": str(len(rows))}
        if len(rows) > limit:
            base = f"{HOST}{API}{table}"
            kept = {k: v for k, v in params.items() if k != "sysparm_offset"}

            def link(at: int, rel: str) -> str:
                return f'<{base}?{urlencode({**kept, "sysparm_offset": at})}>;rel="{rel}"'

            last = (len(rows) - 1) // limit * limit
            links = [link(0, "first"), link(offset - limit, "prev")]
            if offset + limit < len(rows):
                links.append(link(offset + limit, "next"))
            headers["Link"] = ",".join([*links, link(last, "last")])
        return 200, {"result": [self.instance.render(table, r, fields) for r in page]}, headers


def _basic(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.startswith("Basic "):
        return None, None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password
