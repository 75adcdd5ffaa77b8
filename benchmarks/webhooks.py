#!/usr/bin/env python3
"""A burst of signed webhook deliveries into `baton run`, beside a bare FastAPI endpoint, and how soon Baton handles it.

    apt-get install -y wrk && python benchmarks/webhooks.py [--rounds 3] [--burst 20000] [--threads 1]
                                                            [--connections 4] [--postgres URL]

Rounds (3 by default), one server after the other in each, on this machine: first a bare FastAPI app whose one
POST route only answers 200 (benchmarks/webhooks/bare_app.py), then `baton run` on a fresh SQLite store with one
generic REST instance (Request Tracker 5 profile, `mode: webhook`), as it runs by default: the web server in one
process keeping deliveries in its spool beside the ledger, the workers in another moving them into the inbox and
handling them (docs/operations.md, "Webhook bursts"). Both get the same burst from wrk
(benchmarks/webhooks/deliveries.lua), each delivery sent once, as fast as the server answers: distinct RT owner
changes on 1,000 tickets, each signed with X-Baton-Signature and each a push (bob moves the ticket between alice
and carol) that Baton must handle: ledger entries (the change, the rule's finding) and an outbox row (the
requester's update). The tool URL is a closed local port: the outbox is written, and its tool actions fail
to be sent, which does not change what is measured here (the notices find no address and are dropped).

Prints each server's rate, p50/p99 acknowledgement latency and the ratio; then, once every delivery is
handled (decisions committed, its inbox row done) or 4x the burst's duration has passed: the deliveries kept,
the ledger entries and outbox rows, when the last delivery was handled after the burst began (goal: within 2x
the burst's duration; the RT profile's 1 s settle delay, a bounded wait for the rest of a write, is counted
in), the handling rate and how long the last delivery kept waited. The goals: >= 0.5x the bare rate in the
median round, p99 < 25 ms in every round, every delivery handled within 2x the burst. Any non-2xx answer,
socket error or missing delivery makes the run invalid.

Then the same burst on PostgreSQL (benchmarks/webhooks_postgres.py) handled by one and by two `baton run`
processes, in as many rounds: two should handle it at >= 1.6x the rate of one in the median round.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # the repository: the tests' delivery builder
from webhooks_handling import Handling, wait_handled
from webhooks_postgres import postgres_processes
from webhooks_wrk import WrkResult, run_wrk

from tests.connectors.rest.rt_deliveries import owner_change, signature

HERE = Path(__file__).resolve().parent / "webhooks"
SECRET = "bench-webhook-secret-0123456789"
GOAL_RATIO, GOAL_P99_MS, GOAL_HANDLED = 0.5, 25.0, 2.0
SETTLE = 1.0  # seconds: the Request Tracker 5 profile's webhook.settle_seconds, every delivery's wait for its write
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_bodies(path: Path, count: int) -> None:
    """One signed delivery a line: a distinct RT owner change (its own transaction id) on one of 1,000 tickets."""
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # now: no staleness timer is due during the run
    with path.open("w") as out:
        for i in range(count):
            ticket, turn = 1 + i % 1000, i // 1000  # the ticket's first delivery, its second, ...
            old, new = ("alice", "carol") if turn % 2 else ("carol", "alice")
            body = owner_change(100000 + i, ticket, old, new, "bob", created)
            out.write(f"{signature(body, SECRET.encode())}\t{body.decode()}\n")


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


def serve(command: list[str], port: int, env: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    wait_ready(port, process)
    return process


def measure(
    name: str,
    command: list[str],
    port: int,
    env: dict,
    path: str,
    bodies: Path,
    wrk: str,
    args: argparse.Namespace,
    log: Path,
    after=None,
):
    """Serve, send the burst, then (for Baton) `after(result)` while the server still runs, then stop it."""
    process = serve(command, port, env, log)
    waited = None
    try:
        result = run_wrk(
            wrk,
            f"http://127.0.0.1:{port}{path}",
            bodies,
            threads=args.threads,
            connections=args.connections,
            max_seconds=args.max_seconds,
        )
        if after is not None:
            waited = after(result)
    finally:
        stop(process)
    print(
        f"{name:>5}: {result.rate:9,.0f} req/s  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms  "
        f"({result.requests:,} requests in {result.seconds:.1f} s, {result.non_2xx} non-2xx, "
        f"{result.socket_errors} socket errors)"
    )
    if args.verbose:
        print(result.output)
    return result, waited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=20_000, help="deliveries in the burst, each sent once")
    parser.add_argument("--max-seconds", type=int, default=120, help="the longest wrk may take to send the burst")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (the machine has 2 cores)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections, all threads together")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of (bare, baton), interleaved, and of (one, two) PostgreSQL processes; goals judged on the median",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BATON_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="an admin URL of a PostgreSQL server for the one- and two-process runs ('' to skip)",
    )
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

    print(
        f"load before the run: {Path('/proc/loadavg').read_text().split()[:3]} (1, 5, 15 min) on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory(prefix="baton-bench-webhooks-") as tmp:
        work = Path(tmp)
        bodies = work / "bodies.tsv"
        write_bodies(bodies, args.burst)
        print(
            f"a burst of {args.burst:,} signed deliveries (distinct pushes on 1,000 tickets, each leading to "
            f"decisions); wrk -t{args.threads} -c{args.connections} sends it to each server in turn"
        )

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
        worst_handling = max(r.handled_after / r.baton.seconds for r in rounds)
        print(
            f"ratios baton/bare by round: {', '.join(f'{r:.2f}' for r in ratios)}; the median round: bare "
            f"{median.bare.rate:,.0f} req/s, baton {median.baton.rate:,.0f} req/s, p50 {median.baton.p50_ms:.2f} ms, "
            f"p99 {median.baton.p99_ms:.2f} ms, handled {median.handling.rate:,.0f} deliveries/s"
        )
        rate_ok, p99_ok = median.ratio >= GOAL_RATIO, worst_p99 < GOAL_P99_MS
        handled_ok = worst_handling <= GOAL_HANDLED
        met = "met" if rate_ok else "NOT met"
        print(f"goal rate >= {GOAL_RATIO}x bare (median round): {met} ({median.ratio:.2f}x)")
        print(f"goal p99 < {GOAL_P99_MS:.0f} ms (worst round): {'met' if p99_ok else 'NOT met'} ({worst_p99:.2f} ms)")
        print(
            f"goal every delivery handled within {GOAL_HANDLED:.0f}x the burst's duration (worst round): "
            f"{'met' if handled_ok else 'NOT met'} ({worst_handling:.2f}x)"
        )
        if args.postgres:
            broken += postgres_processes(args.postgres, work, bodies, baton, env, args.rounds)
    print(f"load after the run: {Path('/proc/loadavg').read_text().split()[:3]}")
    for line in broken:
        print(f"INVALID RUN: {line}", file=sys.stderr)
    return 1 if broken else 0


@dataclass
class Round:
    bare: WrkResult
    baton: WrkResult
    handling: Handling
    broken: list[str]

    @property
    def ratio(self) -> float:
        return self.baton.rate / self.bare.rate

    @property
    def handled_after(self) -> float:
        """Seconds from the burst's start until the last delivery's decisions were committed."""
        return self.handling.last_done


def measure_round(folder: Path, bodies: Path, baton: Path, wrk: str, env: dict, args: argparse.Namespace) -> Round:
    """The bare endpoint, then `baton run` on a fresh SQLite store, under the same burst; Baton keeps running
    until its inbox worker has handled every delivery (or 4x the burst's duration has passed)."""
    folder.mkdir()
    port = free_port()
    bare, _ = measure(
        "bare",
        [sys.executable, str(HERE / "bare_app.py"), str(port)],
        port,
        env,
        "/hooks/rest/rt",
        bodies,
        wrk,
        args,
        folder / "bare.log",
    )
    config, db = folder.parent / "baton.yaml", folder / "ledger.db"
    port = free_port()
    command = [
        str(baton),
        "--config",
        str(config),
        "--db",
        str(db),
        "run",
        "--port",
        str(port),
        "--log-level",
        "WARNING",
    ]
    subprocess.run(
        [str(baton), "--config", str(config), "--db", str(db), "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    ours, handling = measure(
        "baton",
        command,
        port,
        env,
        "/hooks/rest/rt",
        bodies,
        wrk,
        args,
        folder / "baton.log",
        after=lambda burst: wait_handled(db, args.burst, burst, 4 * burst.seconds + SETTLE),
    )
    print(
        f"       ratio {ours.rate / bare.rate:.2f}x; {handling.kept:,} deliveries kept, {handling.handled:,} "
        f"handled ({handling.ledger_entries:,} ledger entries, {handling.outbox_rows:,} outbox rows): the last one "
        f"{handling.last_done:.1f} s after the burst began ({handling.last_done / ours.seconds:.2f}x its "
        f"{ours.seconds:.1f} s), {handling.rate:,.0f} deliveries/s handled; the last delivery kept waited "
        f"{handling.last_waited:.2f} s (its write's settle delay of {SETTLE:.0f} s included), the longest "
        f"{handling.longest_wait:.2f} s"
    )
    broken = []
    for name, result in (("bare", bare), ("baton", ours)):
        if result.non_2xx or result.socket_errors:
            broken.append(f"{name}: {result.non_2xx} non-2xx answers, {result.socket_errors} socket errors")
        if result.answered < args.burst:
            broken.append(
                f"{name}: only {result.answered} of the {args.burst} deliveries were answered in "
                f"{args.max_seconds} s (raise --max-seconds)"
            )
    if handling.kept != args.burst:
        broken.append(f"baton: {handling.kept} deliveries in the inbox for a burst of {args.burst}")
    if handling.handled == handling.kept and handling.outbox_rows < handling.kept:
        broken.append(
            f"baton: {handling.outbox_rows} outbox rows for {handling.kept} deliveries: some led to no decision"
        )
    if broken:
        print(f"--- end of baton's log ---\n{(folder / 'baton.log').read_text()[-2000:]}", file=sys.stderr)
    return Round(bare, ours, handling, broken)


if __name__ == "__main__":
    sys.exit(main())
