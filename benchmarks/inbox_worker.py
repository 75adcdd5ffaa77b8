#!/usr/bin/env python3
"""The inbox worker alone: how fast `baton run`'s workers handle a burst already kept (not a test).

    python benchmarks/inbox_worker.py [--burst 20000] [--rounds 3] [--postgres URL]

benchmarks/webhooks.py times intake and handling together, on a machine that wrk, the receiver and the
workers share, so its handling figure moves with everything else there. This one times the handling
alone, for work on the worker itself. Each round keeps the burst of webhooks.py (the same signed Request
Tracker owner changes, pushes on 1,000 tickets) in a fresh store, read and kept as the receiver keeps them
(`read_delivery`, then the inbox writer: webhooks_postgres.keep_burst), received at 2,500 a second as a
burst arrives, the last a settle delay ago. Then the worker's round (`Intake.process_pending`, claims of
the runner's CLAIM) runs in this process until nothing is left, as `baton run --no-http` runs it.

Prints each round's wall and CPU seconds of the handling, deliveries per second and per CPU second, the
ledger entries and outbox rows written, and the median round. The same burst through `baton run` is
webhooks.py's "deliveries/s handled". SQLite by default; `--postgres URL` (an admin URL: a scratch database
is made and dropped) runs the rounds on PostgreSQL instead.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webhooks import CONFIG, SECRET, write_bodies
from webhooks_postgres import RECEIVED_PER_SECOND, keep_burst, recreate_database

DATABASE = "baton_bench_inbox"


@dataclass
class Handled:
    deliveries: int
    wall: float
    cpu: float
    entries: int
    outbox_rows: int

    def line(self) -> str:
        return (
            f"{self.deliveries:,} deliveries handled in {self.wall:.2f} s ({self.cpu:.2f} s CPU): "
            f"{self.deliveries / self.wall:,.0f} a second, {self.deliveries / self.cpu:,.0f} per CPU second; "
            f"{self.entries:,} ledger entries, {self.outbox_rows:,} outbox rows"
        )


def handle_round(config: Path, url: str, bodies: Path, baton: Path, env: dict) -> Handled:
    from sqlalchemy import text

    from baton_itsm.core.app import build_app
    from baton_itsm.core.runtime.runner import CLAIM

    subprocess.run(
        [str(baton), "--config", str(config), "--db", url, "db", "upgrade"], env=env, check=True, capture_output=True
    )
    # Kept by a child process: this one starts handling as fresh as `baton run`'s workers' process. Kept here, what
    # the keeping left behind made the handling's collections slower: a tenth of its rate on PostgreSQL.
    with multiprocessing.get_context("fork").Pool(1) as keeper:
        kept = keeper.apply(keep_burst, (config, url, bodies, env, RECEIVED_PER_SECOND))
    app = build_app(str(config), url)
    handled, wall, cpu = 0, time.perf_counter(), time.process_time()
    while (report := app.intake.process_pending(limit=CLAIM)).claimed:
        handled += report.new + report.duplicates
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with app.store.engine.connect() as connection:
        # 'taken': a marker of an event's own id, not a delivery (core/store/inbox_queries.py)
        left = connection.execute(text("SELECT count(*) FROM inbox WHERE status NOT IN ('done', 'taken')")).scalar_one()
        entries = connection.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one()
        outbox = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
    app.store.engine.dispose()
    if left or handled != kept:
        sys.exit(f"{left} deliveries left in the inbox, {handled} handled of {kept} kept")
    return Handled(handled, wall, cpu, entries, outbox)


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database on the server of `admin_url`, dropped afterwards: its URL."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        recreate_database(admin, DATABASE)
        yield make_url(admin_url).set(database=DATABASE).render_as_string(hide_password=False)
    finally:
        recreate_database(admin, DATABASE, create=False)
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=20_000, help="deliveries kept, then handled")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each on a fresh store; the median is printed")
    parser.add_argument("--postgres", help="an admin URL of a PostgreSQL server: the rounds run there, not on SQLite")
    args = parser.parse_args()
    baton = Path(sys.executable).parent / "baton"
    if not baton.exists():
        print(f"no `baton` beside {sys.executable}: pip install -e . in this environment first", file=sys.stderr)
        return 2
    env = {k: v for k, v in os.environ.items() if k not in ("BATON_CONFIG", "BATON_DATABASE_URL")}
    env.update(BATON_BENCH_WEBHOOK_SECRET=SECRET, BATON_BENCH_RT_USER="baton", BATON_BENCH_RT_PASSWORD="unused")
    os.environ.update(env)  # this process builds the app too
    print(
        f"load before the run: {Path('/proc/loadavg').read_text().split()[:3]} (1, 5, 15 min) on {os.cpu_count()} cores"
    )
    print(f"{args.burst:,} deliveries kept first, then handled by the inbox worker alone, in this process")
    rounds = []
    with tempfile.TemporaryDirectory(prefix="baton-bench-inbox-") as tmp:
        work = Path(tmp)
        bodies, config = work / "bodies.tsv", work / "baton.yaml"
        write_bodies(bodies, args.burst)
        config.write_text(CONFIG)
        for number in range(1, args.rounds + 1):
            if args.postgres:
                with postgres_database(args.postgres) as url:
                    handled = handle_round(config, url, bodies, baton, env)
            else:
                handled = handle_round(config, f"sqlite:///{work / f'round-{number}.db'}", bodies, baton, env)
            rounds.append(handled)
            print(f"round {number} ({'PostgreSQL' if args.postgres else 'SQLite'}): {handled.line()}")
    median = sorted(rounds, key=lambda r: r.deliveries / r.wall)[len(rounds) // 2]
    rates = [r.deliveries / r.wall for r in rounds]
    print(
        f"median round: {median.deliveries / median.wall:,.0f} deliveries a second "
        f"({median.deliveries / median.cpu:,.0f} per CPU second); spread {min(rates):,.0f}-{max(rates):,.0f}, "
        f"{statistics.pstdev(rates) / statistics.mean(rates):.1%} of the mean"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
