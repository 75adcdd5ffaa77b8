#!/usr/bin/env python3
"""HTTP requests in one poll cycle of the RT 5 connector after N changed tickets, next to the floor.

    sudo scripts/rt5-server.sh start && python benchmarks/rt_poll_requests.py [--sizes 10,100,1000]

For each N: reset the local RT (scripts/rt5-server.sh reset), create N unowned tickets in "Service
Desk", take the connector's checkpoint, then give each ticket an owner through REST2 (N owner changes,
the way agents make them). Then one poll cycle reads every change since the checkpoint; the connector's
own counter gives the requests it sent, by endpoint. "cold" is a fresh process (no user or queue names
cached), "warm" the same cycle again with the names cached from the first.

The floor is ceil(N/page) + 2: one search page per 100 changes plus two more calls.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from baton_itsm.connectors.rest.connector import RestConnector
from baton_itsm.core.settings.models import ConnectorConfig

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.e2e.rt5 import exclusive  # noqa: E402 - the repository's own test helpers, run from a checkout

URL = f"http://127.0.0.1:{os.environ.get('RT_PORT', '8080')}/REST/2.0"
ROOT = ("root", os.environ.get("RT_ROOT_PASSWORD", "password"))
BATON_PASSWORD = os.environ.get("RT_BATON_PASSWORD", "batonpass")
WORKERS = 4  # RT runs 2 server workers: more client threads only queue up


def rt_session() -> requests.Session:
    session = requests.Session()
    session.auth = ROOT
    session.headers["Content-Type"] = "application/json"
    return session


def connector() -> RestConnector:
    config = ConnectorConfig(
        type="rest", url=URL, auth={"username_env": "U", "password_env": "P"}, options={"profile": "request-tracker5"}
    )
    return RestConnector.from_config(instance="rt", config=config, environ={"U": "baton", "P": BATON_PASSWORD})


def make_changes(n: int) -> str:
    """Reset RT, create n tickets, take a checkpoint, then change the owner of each. Returns the checkpoint."""
    subprocess.run(["bash", str(REPO / "scripts" / "rt5-server.sh"), "reset"], check=True, capture_output=True)
    session = rt_session()

    def create(i: int) -> str:
        answer = session.post(f"{URL}/ticket", json={"Queue": "Service Desk", "Subject": f"bench {i}"}, timeout=60)
        answer.raise_for_status()
        return str(answer.json()["id"])

    def change_owner(ticket: str) -> None:
        answer = session.put(f"{URL}/ticket/{ticket}", json={"Owner": "alice"}, timeout=60)
        answer.raise_for_status()
        assert answer.json() == [f"Ticket {ticket}: Owner changed from Nobody to alice"], answer.json()

    with ThreadPoolExecutor(WORKERS) as pool:
        tickets = list(pool.map(create, range(n)))
        checkpoint = connector().changes_since(None).checkpoint
        list(pool.map(change_owner, tickets))
    return checkpoint


def one_cycle(rt: RestConnector, checkpoint: str) -> tuple[int, int, dict]:
    """(events, requests, requests by endpoint) of reading everything after `checkpoint`."""
    rt.http.counts.clear()
    events, more, cursor = 0, True, checkpoint
    while more:
        changes = rt.changes_since(cursor)
        events += len(changes.events)
        cursor, more = changes.checkpoint, changes.more
    return events, rt.http.total_requests, {f"{m} {p}": c for (m, p), c in sorted(rt.http.counts.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated numbers of changed tickets")
    args = parser.parse_args()
    page = connector().profile.paging.size
    rows = []
    with exclusive():  # the e2e tests' lock: they reset the same RT
        for n in (int(s) for s in args.sizes.split(",")):
            rows.append(measure(n, page))
    floor_title = f"floor ceil(N/{page})+2"
    print(
        f"{'N':>6} {'events':>7} {'requests (cold)':>16} {'requests (warm)':>16} {floor_title:>20} {'warm cycle s':>13}"
    )
    for n, events, cold, warm, floor, seconds in rows:
        print(f"{n:>6} {events:>7} {cold:>16} {warm:>16} {floor:>20} {seconds:>13.2f}")
    return 0


def measure(n: int, page: int) -> tuple:
    started = time.monotonic()
    checkpoint = make_changes(n)
    made = time.monotonic() - started
    rt = connector()
    events, cold, by_endpoint = one_cycle(rt, checkpoint)
    started = time.monotonic()
    _, warm, _ = one_cycle(rt, checkpoint)
    seconds = time.monotonic() - started
    assert events == n, f"expected {n} owner changes, read {events}"
    print(f"N={n}: {n} changes made in {made:.0f}s; cold cycle by endpoint: {by_endpoint}", file=sys.stderr)
    return n, events, cold, warm, math.ceil(n / page) + 2, seconds


if __name__ == "__main__":
    sys.exit(main())
