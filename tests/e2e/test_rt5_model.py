"""A model-based test against the real Request Tracker (issue 15).

A seeded random desk: agents push, take, steal, release, move and force tickets in RT as themselves (REST2),
accept and decline Baton's requests through its CLI and by `/baton` comments, change statuses, comment, delete
tickets and move them where Baton cannot see; Baton polls and dispatches at random points, sometimes after
every action, sometimes after several on one ticket. A small model of the protocol (tests/e2e/model.py, written
from the protocol's statement, not from Baton's engine) predicts RT's holder, the ledger's holder and the open
request of every ticket, checked after each cycle; at the end, after cycles until nothing is pending, the ledger
must agree with RT, every note Baton wrote must name a request the ledger has, every failed action must be in
the ledger, noted and logged, and the ledger's bounce count must equal a recount from RT's own history.

BATON_MODEL_SEED replays a run (the seed is printed); BATON_MODEL_ACTIONS sets its length (default 150).
scripts/rt_model_run.py runs longer sequences with the same parts.
"""

from __future__ import annotations

import logging
import os

from tests.e2e import rt5
from tests.e2e.invariants import check_all, describe
from tests.e2e.model_run import DEFAULT_SEED, WEBHOOK_SECRET_ENV, ModelRun, write_deployment

SEED = int(os.environ.get("BATON_MODEL_SEED", DEFAULT_SEED))
ACTIONS = int(os.environ.get("BATON_MODEL_ACTIONS", 150))


def report(run: ModelRun, problems, records, settled: bool) -> str:
    lines = [
        f"model seed {run.seed} (replay: BATON_MODEL_SEED={run.seed} BATON_MODEL_ACTIONS={ACTIONS})",
        *(f"  {k}: {v}" for k, v in run.figures().items()),
    ]
    if not settled:
        lines.append("Baton never settled: rows still pending in the outbox after the closing cycles")
    lines += ["mismatches with the model (first 25):", *(f"  {m}" for m in run.mismatches[:25])]
    lines += ["Baton's CLI answered otherwise than the model:", *(f"  {d}" for d in run.desk.disagreements[:10])]
    lines += ["end checks:", *(f"  {p}" for p in problems)]
    failing = list(dict.fromkeys([m.ticket for m in run.mismatches] + [p.ticket for p in problems]))[:6]
    lines += [describe(run.app, run.model.tickets[t], records[t], run.desk.seen[t].story) for t in failing]
    return "\n".join(lines)


def baton_environment(monkeypatch) -> None:
    """Baton's RT account from the environment, and no deployment of the machine's own in the way."""
    monkeypatch.setenv("BATON_E2E_RT_USER", "baton")
    monkeypatch.setenv("BATON_E2E_RT_PASSWORD", rt5.PASSWORDS["baton"])
    for var in ("BATON_CONFIG", "BATON_DATABASE_URL", "BATON_USER"):
        monkeypatch.delenv(var, raising=False)


def test_a_seeded_random_desk_keeps_the_ledger_on_rt_and_the_protocol(rt, tmp_path, monkeypatch, caplog, mail):
    baton_environment(monkeypatch)
    caplog.set_level(logging.ERROR)
    print(f"model seed {SEED} (replay: BATON_MODEL_SEED={SEED})")
    config, db = write_deployment(tmp_path, mail.port)
    run = ModelRun.start(config, db, SEED)

    run.play(ACTIONS)
    settled = run.settle()
    problems, records = check_all(run.app, run.model.tickets, caplog.records)

    assert run.actions >= min(ACTIONS, 150) and len(run.model.tickets) >= 10
    assert settled and not run.mismatches and not run.desk.disagreements and not problems, report(
        run, problems, records, settled
    )


def test_the_same_desk_through_rts_webhook_and_the_spool(rt, tmp_path, monkeypatch, caplog, mail):
    """The run above with RT's Scrip posting every change to Baton's receiver (`mode: both`, the spool of `baton
    run` on SQLite): the webhook path decides, the poll brings comments and finds the rest taken already. The same
    predictions and end checks hold, and no change of a person reached Baton by the poll first."""
    rt5.server("scrip")
    baton_environment(monkeypatch)
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, rt5.WEBHOOK_SECRET)
    caplog.set_level(logging.ERROR)
    print(f"model seed {SEED} (replay: BATON_MODEL_SEED={SEED})")
    config, db = write_deployment(tmp_path, mail.port, webhook=True)
    run = ModelRun.start(config, db, SEED, webhook=True)
    try:
        run.play(ACTIONS)
        settled = run.settle()
        problems, records = check_all(run.app, run.model.tickets, caplog.records)
        polled_first = run.first_taken_by_poll()
    finally:
        run.stop()
    print(run.figures())

    assert run.actions >= min(ACTIONS, 150) and len(run.model.tickets) >= 10
    assert settled and not run.mismatches and not run.desk.disagreements and not problems, report(
        run, problems, records, settled
    )
    delivered = run.deliveries_handled()
    assert delivered >= run.actions // 2, f"the webhook brought {delivered} deliveries in {run.actions} acts"
    assert not polled_first, f"changes the poll took before the Scrip's delivery: {polled_first}"
