#!/usr/bin/env python3
"""Signed webhook deliveries per second into `baton run` on SQLite, beside a bare FastAPI endpoint.

    apt-get install -y wrk && python benchmarks/webhooks.py [--rounds 3] [--duration 10] [--threads 1]
                                                            [--connections 4]

Rounds (3 by default), one server after the other in each, on this machine: first a bare FastAPI app
whose one POST route only answers 200 (benchmarks/webhooks/bare_app.py), then `baton run` on a fresh SQLite store with one
generic REST instance (Request Tracker 5 profile, `mode: webhook`). Both are one uvicorn process with
the same settings, and both get the same requests from wrk (benchmarks/webhooks/deliveries.lua): distinct
RT transactions, each signed with X-Baton-Signature, so every request to Baton verifies the HMAC and
inserts a new delivery into the inbox (none takes the duplicate path). Baton's inbox, scheduler and
dispatcher workers run as in production; the tool URL points at a closed local port and is never called
for webhooks.

Prints each server's requests/s and p50/p99 latency (wrk --latency) and the ratio, round by round, then
whether the goals are met: >= 0.5x the bare rate in the median round (a single round's ratio moves by
a tenth with the machine's other work), p99 < 25 ms in every round; any non-2xx answers or socket errors (a run with them measures the
wrong thing and fails), how many deliveries Baton's inbox holds afterwards and how many of them the inbox
worker had handled by then (it gives way to the receiver while a burst lasts; docs/operations.md, "Webhook bursts").
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "webhooks"
SECRET = "bench-webhook-secret-0123456789"
GOAL_RATIO, GOAL_P99_MS = 0.5, 25.0
CONFIG = """\
connectors:
  rt:
    type: rest
    url: http://127.0.0.1:9/REST/2.0
    account: baton
    mode: webhook
    webhook_secret_env: BATON_BENCH_WEBHOOK_SECRET
    auth: {username_env: BATON_BENCH_RT_USER, password_env: BATON_BENCH_RT_PASSWORD}
    options: {profile: request-tracker5}
"""


@dataclass
class WrkResult:
    requests: int
    rate: float  # requests/s
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    wrapped: int
    output: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_bodies(path: Path, count: int) -> None:
    """One signed delivery a line: a distinct RT owner change (its own transaction id) on one of 1,000 tickets."""
    key = SECRET.encode()
    with path.open("w") as out:
        for i in range(count):
            ticket, turn = 1 + i % 1000, i // 1000  # the ticket's first delivery, its second, ...
            old, new = ("alice", "carol") if turn % 2 else ("carol", "alice")
            body = json.dumps({
                "transaction": {"id": str(100000 + i), "Type": "Set", "Field": "Owner", "OldValue": old,
                                "NewValue": new, "Created": "2026-11-23T05:00:00Z", "Creator": {"id": "bob"},
                                "ObjectType": "RT::Ticket", "ObjectId": str(ticket)},
                "ticket": {"id": ticket, "Queue": {"id": "Service Desk"}, "Owner": {"id": new}, "Status": "open"},
            }, separators=(",", ":")).encode()
            sig = hmac.new(key, body, hashlib.sha256).hexdigest()
            out.write(f"sha256={sig}\t{body.decode()}\n")


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Until the server answers any HTTP request (Baton's /healthz is 503 here: the tool is unreachable)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode} before it was ready")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
                if sock.recv(12).startswith(b"HTTP/1.1"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"the server on port {port} was not ready within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> WrkResult:
    def find(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            if default is None:
                sys.exit(f"could not read {pattern!r} from wrk's output:\n{output}")
            return default
        return match.group(1)

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests=int(find(r"^\s*(\d+) requests in")),
        rate=float(find(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(find(r"^\s+50%\s+(\S+)")),
        p99_ms=_ms(find(r"^\s+99%\s+(\S+)")),
        non_2xx=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        wrapped=int(find(r"^bodies wrapped: (\d+)", "0")),
        output=output,
    )


def run_wrk(wrk: str, url: str, bodies: Path, args: argparse.Namespace) -> WrkResult:
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
               "--timeout", "5s", "-s", str(HERE / "deliveries.lua"), url, "--", str(bodies), str(args.threads)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def serve(command: list[str], port: int, env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    wait_ready(port, process)
    return process


def measure(name: str, command: list[str], port: int, env: dict, path: str, bodies: Path, wrk: str,
            args: argparse.Namespace, log: Path) -> WrkResult:
    process = serve(command, port, env, log)
    try:
        result = run_wrk(wrk, f"http://127.0.0.1:{port}{path}", bodies, args)
    finally:
        stop(process)
    print(f"{name:>5}: {result.rate:9,.0f} req/s  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
          f"({result.requests:,} requests, {result.non_2xx} non-2xx, {result.socket_errors} socket errors)")
    if args.verbose:
        print(result.output)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load for each server")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (the machine has 2 cores)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections, all threads together")
    parser.add_argument("--bodies", type=int, default=0,
                        help="distinct signed deliveries to prepare (default: 12,000 per second of load)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of (bare, baton), interleaved; the rate goal is judged on the median round")
    parser.add_argument("--verbose", action="store_true", help="print wrk's whole output too")
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed. On Debian or Ubuntu: sudo apt-get install -y wrk", file=sys.stderr)
        return 2
    baton = Path(sys.executable).parent / "baton"
    if not baton.exists():
        print(f"no `baton` beside {sys.executable}: pip install -e . in this environment first", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="baton-bench-webhooks-") as tmp:
        work = Path(tmp)
        bodies = work / "bodies.tsv"
        count = args.bodies or 12_000 * args.duration
        started = time.perf_counter()
        write_bodies(bodies, count)
        print(f"{count:,} signed deliveries prepared in {time.perf_counter() - started:.1f} s; wrk -t{args.threads} "
              f"-c{args.connections} -d{args.duration}s against each server in turn")

        env = {k: v for k, v in os.environ.items() if k not in ("BATON_CONFIG", "BATON_DATABASE_URL")}
        env.update(BATON_BENCH_WEBHOOK_SECRET=SECRET, BATON_BENCH_RT_USER="baton", BATON_BENCH_RT_PASSWORD="unused")
        (work / "baton.yaml").write_text(CONFIG)
        rounds, broken = [], []
        for number in range(1, args.rounds + 1):  # interleaved: a busy moment of the machine hits both sides
            print(f"round {number} of {args.rounds}")
            measured = measure_round(work / f"round-{number}", bodies, baton, wrk, env, args)
            rounds.append(measured)
            broken += measured.broken

    ratios = sorted(r.ratio for r in rounds)
    median = sorted(rounds, key=lambda r: r.ratio)[len(rounds) // 2]
    worst_p99 = max(r.baton.p99_ms for r in rounds)
    print(f"ratios baton/bare by round: {', '.join(f'{r:.2f}' for r in ratios)}; the median round: bare "
          f"{median.bare.rate:,.0f} req/s, baton {median.baton.rate:,.0f} req/s, p50 {median.baton.p50_ms:.2f} ms, "
          f"p99 {median.baton.p99_ms:.2f} ms")
    rate_ok, p99_ok = median.ratio >= GOAL_RATIO, worst_p99 < GOAL_P99_MS
    print(f"goal rate >= {GOAL_RATIO}x bare (median round): {'met' if rate_ok else 'NOT met'} ({median.ratio:.2f}x)")
    print(f"goal p99 < {GOAL_P99_MS:.0f} ms (worst round): {'met' if p99_ok else 'NOT met'} ({worst_p99:.2f} ms)")
    for line in broken:
        print(f"INVALID RUN: {line}", file=sys.stderr)
    return 1 if broken else 0


@dataclass
class Round:
    bare: WrkResult
    baton: WrkResult
    broken: list[str]

    @property
    def ratio(self) -> float:
        return self.baton.rate / self.bare.rate


def measure_round(folder: Path, bodies: Path, baton: Path, wrk: str, env: dict, args: argparse.Namespace) -> Round:
    """The bare endpoint, then `baton run` on a fresh SQLite store, under the same load."""
    folder.mkdir()
    port = free_port()
    bare = measure("bare", [sys.executable, str(HERE / "bare_app.py"), str(port)], port, env,
                   "/hooks/rest/rt", bodies, wrk, args, folder / "bare.log")
    config, db = folder.parent / "baton.yaml", folder / "ledger.db"
    port = free_port()
    command = [str(baton), "--config", str(config), "--db", str(db), "run", "--port", str(port),
               "--log-level", "WARNING"]
    subprocess.run([str(baton), "--config", str(config), "--db", str(db), "db", "upgrade"],
                   env=env, check=True, capture_output=True)
    ours = measure("baton", command, port, env, "/hooks/rest/rt", bodies, wrk, args, folder / "baton.log")
    with sqlite3.connect(db) as connection:
        kept, handled = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'done') FROM inbox WHERE source = 'rt'").fetchone()
    print(f"       ratio {ours.rate / bare.rate:.2f}x; inbox: {kept:,} deliveries kept for {ours.requests:,} requests "
          f"answered, {handled:,} handled by the inbox worker before baton stopped")
    broken = []
    for name, result in (("bare", bare), ("baton", ours)):
        if result.non_2xx or result.socket_errors:
            broken.append(f"{name}: {result.non_2xx} non-2xx answers, {result.socket_errors} socket errors")
        if result.wrapped:
            broken.append(f"{name}: wrk ran out of distinct deliveries (raise --bodies); some were repeats")
    if kept < ours.requests - ours.socket_errors:
        broken.append(f"baton: only {kept} of {ours.requests} answered deliveries are in the inbox")
    if broken:
        print(f"--- end of baton's log ---\n{(folder / 'baton.log').read_text()[-2000:]}", file=sys.stderr)
    return Round(bare, ours, broken)


if __name__ == "__main__":
    sys.exit(main())
