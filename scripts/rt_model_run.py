#!/usr/bin/env python3
"""A long model-based run against the local Request Tracker 5 (issue 15): the same parts as
tests/e2e/test_rt5_model.py, for thousands of actions, printing its figures.

    scripts/rt_model_run.py --actions 2000 --seed 7 [--tickets 30] [--show 5]

Needs root (it resets RT with scripts/rt5-server.sh) and holds the machine's one RT while it runs (it waits
for other e2e runs first). Exit 1 when the run found mismatches or end-check problems.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests` is not installed

from tests.e2e import rt5
from tests.e2e.invariants import check_all, describe
from tests.e2e.model_run import DEFAULT_SEED, ModelRun, write_deployment
from tests.mail import MailServer, free_port


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--tickets", type=int, default=30, help="live tickets kept in play")
    parser.add_argument("--show", type=int, default=3, help="tickets whose history is printed when they fail")
    args = parser.parse_args()
    os.environ.update(BATON_E2E_RT_USER="baton", BATON_E2E_RT_PASSWORD=rt5.PASSWORDS["baton"])
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL", "BATON_USER"):
        os.environ.pop(var, None)
    errors = Collect()
    logging.getLogger().addHandler(errors)
    mail = MailServer(free_port())
    mail.start()
    try:
        with rt5.exclusive(), tempfile.TemporaryDirectory(prefix="baton-model-") as folder:
            rt5.server("reset")
            why = rt5.unreachable()
            if why:
                print(why, file=sys.stderr)
                return 2
            print(f"seed {args.seed}, {args.actions} actions over {args.tickets} tickets", flush=True)
            config, db = write_deployment(Path(folder), mail.port)
            run = ModelRun.start(config, db, args.seed)
            run.play(args.actions, tickets=args.tickets)
            settled = run.settle()
            checked = time.monotonic()
            problems, records = check_all(run.app, run.model.tickets, errors.records)
            figures = run.figures()
            figures["end checks s"] = round(time.monotonic() - checked, 1)
            figures["settled"] = settled
            figures["end-check problems"] = len(problems)
            figures["emails"] = len(mail.received)
            figures["ERROR log lines"] = len(errors.records)
            for name, value in figures.items():
                print(f"{name}: {value}")
            for mismatch in run.mismatches:
                print(f"mismatch: {mismatch}")
            for disagreement in run.desk.disagreements:
                print(f"CLI: {disagreement}")
            for problem in problems:
                print(f"problem: {problem}")
            failing = list(dict.fromkeys([m.ticket for m in run.mismatches] + [p.ticket for p in problems]))
            for ticket in failing[: args.show]:
                print(describe(run.app, run.model.tickets[ticket], records[ticket], run.desk.seen[ticket].story))
            return 1 if (problems or run.mismatches or run.desk.disagreements or not settled) else 0
    finally:
        mail.stop()


if __name__ == "__main__":
    sys.exit(main())
