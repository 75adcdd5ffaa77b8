#!/usr/bin/env python3
"""Exercise REST2 on the RT started by scripts/rt5-server.sh, asserting what Baton relies on.

    scripts/rt5-server.sh reset && scripts/rt5-smoke.py
    scripts/rt5-smoke.py --fixtures tests/connectors/rest/fixtures/rt5     # also save captured responses

Expects a freshly reset RT (ticket ids start at 1). Standard library only.
Environment: RT_PORT (8080), RT_ROOT_PASSWORD (password), RT_BATON_PASSWORD (batonpass).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

PORT = os.environ.get("RT_PORT", "8080")
BASE = f"http://127.0.0.1:{PORT}/REST/2.0"
ROOT = ("root", os.environ.get("RT_ROOT_PASSWORD", "password"))
BATON = ("baton", os.environ.get("RT_BATON_PASSWORD", "batonpass"))
TXN_FIELDS = "Type,Field,OldValue,NewValue,Created,Creator,Object,ObjectType,ObjectId"


class Response:
    def __init__(self, method: str, path: str, status: int, headers: dict[str, str], body: bytes):
        self.method, self.path, self.status, self.headers = method, path, status, headers
        self.json = json.loads(body) if body else None


def call(auth: tuple[str, str], method: str, path: str, body=None, params=None, headers=None) -> Response:
    if params:
        path = f"{path}?{urllib.parse.urlencode(params)}"
    req = urllib.request.Request(BASE + path, method=method)
    token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    req.add_header("Authorization", f"Basic {token}")
    req.add_header("Content-Type", "application/json")  # REST2 answers 415 on PUT/POST without it
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(req, data=data, timeout=30) as r:
            return Response(method, path, r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(method, path, e.code, dict(e.headers), e.read())


def check(cond: bool, what: str, resp: Response | None = None) -> None:
    if cond:
        print(f"ok   {what}")
        return
    print(f"FAIL {what}", file=sys.stderr)
    if resp is not None:
        print(f"     {resp.method} {resp.path} -> {resp.status} {json.dumps(resp.json)[:800]}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", type=Path, help="directory to write captured responses to")
    args = ap.parse_args()
    captured: list[tuple[str, Response, str]] = []

    def capture(name: str, resp: Response, who: str) -> None:
        captured.append((name, resp, who))

    version = call(ROOT, "GET", "/rt").json["Version"]

    r = call(
        ROOT,
        "POST",
        "/ticket",
        {
            "Queue": "Service Desk",
            "Subject": "Printer on fire",
            "Requestor": "customer@example.test",
            "Content": "It is burning",
            "ContentType": "text/plain",
        },
    )
    check(r.status == 201, "root creates a ticket in Service Desk", r)
    tid = r.json["id"]
    check(tid == "1", "ticket id is 1 (RT was freshly reset)", r)

    r = call(ROOT, "PUT", f"/ticket/{tid}", {"Owner": "alice"})
    check(r.json == [f"Ticket {tid}: Owner changed from Nobody to alice"], "root sets owner alice", r)

    r = call(BATON, "PUT", f"/ticket/{tid}", {"Owner": "carol"})
    check(
        r.status == 200 and r.json == [f"Ticket {tid}: Owner changed from alice to carol"],
        "baton reassigns alice -> carol",
        r,
    )
    capture("ticket_put_owner_accepted", r, "baton")

    r = call(BATON, "PUT", f"/ticket/{tid}", {"Owner": "dave"})
    check(
        r.status == 200 and r.json == [f"Ticket {tid}: That user may not own tickets in that queue"],
        "owner dave (unprivileged) is refused, yet with HTTP 200",
        r,
    )
    capture("ticket_put_owner_refused", r, "baton")

    r = call(BATON, "PUT", f"/ticket/{tid}", {"Queue": "Network"})
    check(r.json == [f"Ticket {tid}: Queue changed from Service Desk to Network"], "baton moves to Network", r)

    r = call(BATON, "POST", f"/ticket/{tid}/comment", {"Content": "internal note", "ContentType": "text/plain"})
    check(r.status == 201 and r.json == ["Comments added"], "baton comments", r)
    r = call(BATON, "POST", f"/ticket/{tid}/correspond", {"Content": "We are on it", "ContentType": "text/plain"})
    check(r.status == 201 and r.json == ["Correspondence added"], "baton corresponds", r)

    r = call(BATON, "GET", f"/ticket/{tid}")
    t = r.json
    check(
        t["Owner"]["id"] == "carol" and t["Queue"]["id"] == "4" and "ETag" in r.headers,
        "GET ticket: owner carol (by name), queue 4 (by id), ETag header",
        r,
    )
    check([q["id"] for q in t["Requestor"]] == ["customer@example.test"], "requestor listed by address", r)
    capture("ticket_get", r, "baton")

    r = call(BATON, "PUT", f"/ticket/{tid}", {"Owner": "alice"}, headers={"If-Match": '"0"'})
    check(r.status == 412, "PUT with a stale If-Match -> 412", r)

    owner_q = {"query": "Type='Set' AND Field='Owner'", "fields": TXN_FIELDS, "per_page": 1}
    r = call(BATON, "GET", "/transactions", params={**owner_q, "page": 1})
    check(
        r.status == 200 and r.json["count"] == 1 and r.json["total"] is None and r.json["pages"] is None,
        "owner search page 1 as baton: 1 item, total/pages null (not SuperUser)",
        r,
    )
    capture("transactions_owner_search", r, "baton")
    r2 = call(BATON, "GET", "/transactions", params={**owner_q, "page": 2})
    r3 = call(BATON, "GET", "/transactions", params={**owner_q, "page": 3})
    check(r2.json["count"] == 1 and r3.json["count"] == 0, "page 2 has the second change, page 3 is empty", r3)
    changes = [(i["OldValue"], i["NewValue"], i["Creator"]["id"]) for i in r.json["items"] + r2.json["items"]]
    names = {}
    for old, new, _ in changes:
        for uid in (old, new):
            if uid not in names:
                names[uid] = call(BATON, "GET", f"/user/{uid}").json["Name"]
    readable = [(names[o], names[n], who) for o, n, who in changes]
    check(
        readable == [("Nobody", "alice", "root"), ("alice", "carol", "baton")],
        f"owner changes, ids mapped through GET /user/:id: {readable}",
    )
    r = call(BATON, "GET", f"/user/{changes[1][1]}")
    capture("user_get", r, "baton")

    r = call(ROOT, "GET", "/transactions", params={**owner_q, "page": 1})
    check(
        r.json["total"] == 2 and r.json["pages"] == 2 and "next_page" in r.json,
        "the same search as root (SuperUser) has total, pages and next_page",
        r,
    )

    r = call(
        BATON,
        "GET",
        "/transactions",
        params={"query": "Type='Set' AND Field='Queue'", "fields": TXN_FIELDS, "per_page": 20, "page": 1},
    )
    item = r.json["items"][0] if r.json.get("items") else {}
    check(
        r.json.get("count") == 1 and (item.get("OldValue"), item.get("NewValue")) == ("3", "4"),
        "queue search: one change, OldValue 3 -> NewValue 4",
        r,
    )
    capture("transactions_queue_search", r, "baton")
    r = call(BATON, "GET", "/queue/4")
    check(r.json["Name"] == "Network", "GET /queue/4 is Network", r)
    capture("queue_get", r, "baton")

    if args.fixtures:
        args.fixtures.mkdir(parents=True, exist_ok=True)
        today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        for name, resp, who in captured:
            (args.fixtures / f"{name}.json").write_text(json.dumps(resp.json, indent=2, sort_keys=True) + "\n")
            hdrs = {k: v for k, v in resp.headers.items() if k.lower() in ("etag", "last-modified", "location")}
            extra = "".join(f"response header: {k}: {v}\n" for k, v in hdrs.items())
            (args.fixtures / f"{name}.source.txt").write_text(
                f"captured from a local RT 5 (Debian request-tracker5 {version}) started by "
                f"scripts/rt5-server.sh on {today}, request: {resp.method} "
                f"/REST/2.0{urllib.parse.unquote_plus(resp.path)}\n"
                f"as user {who} (basic auth), after a reset; scenario: scripts/rt5-smoke.py\n"
                f"response status: {resp.status}\n{extra}"
            )
            print(f"wrote {args.fixtures / name}.json")


if __name__ == "__main__":
    main()
