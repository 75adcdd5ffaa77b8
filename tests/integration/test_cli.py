"""The `baton` command as a user runs it: starter config, check, handoffs by hand, the ledger."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from baton_itsm.core.store.migrate import head_revision

HEAD = head_revision()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    for var in ("BATON_CONFIG", "BATON_USER"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def baton(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_init_then_check(workdir):
    first = baton("init")
    assert first.exit_code == 0 and (workdir / "baton.yaml").is_file()
    checked = baton("check")
    assert checked.exit_code == 0, checked.output
    assert "baton.yaml: OK (3 groups" in checked.output
    again = baton("init")
    assert again.exit_code != 0 and "exists already" in again.stderr


def test_request_accept_and_ledger_on_the_default_sqlite_store(workdir):
    baton("init")
    requested = baton(
        "handoff",
        "request",
        "7",
        "--to",
        "Service Desk/alice",
        "--by",
        "bob",
        "--reason",
        "new call",
        "--summary",
        "asked for the asset tag",
    )
    assert requested.exit_code == 0, requested.output
    handoff_id = requested.output.split()[2]

    refused = baton("handoff", "accept", handoff_id, "--by", "carol")
    assert refused.exit_code == 1 and "carol cannot accept" in refused.stderr

    accepted = baton("handoff", "accept", handoff_id, "--by", "alice")
    assert accepted.exit_code == 0
    assert "holder (none) -> Service Desk/alice" in accepted.output

    second = baton("handoff", "accept", handoff_id, "--by", "alice")
    assert second.exit_code == 1
    assert second.stderr.strip() == f"baton: handoff {handoff_id} is already applied; it cannot be accepted now"

    table = baton("ledger", "local:7")
    assert table.exit_code == 0
    assert "local:7: held by Service Desk/alice, owner alice, 0 bounces" in table.output
    rows = table.output.splitlines()[3:]
    assert [row.split()[3] for row in rows] == ["requested", "accepted", "applied"]

    entries = json.loads(baton("ledger", "7", "--format", "json").output)
    assert [(e["entry_type"], e["actor"]) for e in entries] == [
        ("requested", "bob"),
        ("accepted", "alice"),
        ("applied", "alice"),
    ]


def test_decline_withdraw_and_force(workdir):
    baton("init")
    baton("handoff", "force", "9", "--to", "Service Desk/bob", "--by", "dana", "--reason", "VIP caller")
    first = baton("handoff", "request", "9", "--to", "Network", "--by", "bob", "--reason", "switch port")
    declined = baton("handoff", "decline", first.output.split()[2], "--by", "carol", "--reason", "cabling, not us")
    assert declined.exit_code == 0
    second = baton("handoff", "request", "9", "--to", "Network", "--by", "bob", "--reason", "it is the switch")
    withdrawn = baton("handoff", "withdraw", second.output.split()[2], "--by", "bob")
    assert withdrawn.exit_code == 0
    not_manager = baton("handoff", "force", "9", "--to", "Network/carol", "--by", "bob", "--reason", "x")
    assert not_manager.exit_code == 1 and "only a manager of Service Desk or Network" in not_manager.stderr
    entries = json.loads(baton("ledger", "9", "--format", "json").output)
    assert [e["entry_type"] for e in entries] == [
        "forced",
        "applied",
        "requested",
        "declined",
        "requested",
        "withdrawn",
    ]
    assert entries[0]["actor"] == "dana"


def test_user_mistakes_get_one_line_and_no_traceback(workdir):
    baton("init")
    for args, message in [
        (["handoff", "accept", "nope", "--by", "alice"], "baton: no handoff nope in the ledger"),
        (["handoff", "request", "7", "--to", "Nowhere", "--by", "a", "--reason", "r"], "unknown group 'Nowhere'"),
        (["--config", "missing.yaml", "check"], "missing.yaml: no such config file"),
    ]:
        result = baton(*args)
        assert result.exit_code != 0 and message in result.stderr
        assert "Traceback" not in result.output + result.stderr


BROKEN = """\
ownership:
  model: shared
groups:
  Service Desk:
    members: [alice]
    managers: dana
connectors:
  rt:
    type: rest
    url: http://127.0.0.1:8080/REST/2.0
    auth:
      password: hunter2
"""


def test_a_config_with_three_mistakes_gets_three_clear_messages(workdir):
    (workdir / "baton.yaml").write_text(BROKEN)
    result = baton("check")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "baton: baton.yaml:12: connectors.rt.auth.password: secrets are read from the environment, never from the "
        "file: use `password_env: SOME_VARIABLE` and set that variable",
        "  baton.yaml:2: ownership.model: expected one of 'desk', 'follows' or 'tco', got 'shared'",
        "  baton.yaml:6: groups.Service Desk.managers: expected a list, got 'dana'",
    ]
    assert "hunter2" not in result.output + result.stderr


def test_check_names_unset_environment_variables(workdir, monkeypatch):
    monkeypatch.delenv("RT_PASSWORD", raising=False)
    (workdir / "baton.yaml").write_text(
        "connectors:\n  rt:\n    type: rest\n    url: http://127.0.0.1:8080\n"
        "    auth: {username_env: RT_USER, password_env: RT_PASSWORD}\n"
    )
    monkeypatch.setenv("RT_USER", "baton")
    result = baton("check")
    assert result.exit_code == 2
    assert "connectors.rt.auth.password_env: environment variable RT_PASSWORD is not set" in result.stderr


def test_db_upgrade_is_idempotent(workdir):
    assert f"upgraded schema (empty) -> {HEAD}" in baton("db", "upgrade").output
    assert f"already at schema {HEAD}" in baton("db", "upgrade").output


@pytest.mark.postgres
def test_a_postgresql_store_is_upgraded_on_purpose(workdir, empty_postgres_url, monkeypatch):
    monkeypatch.setenv("BATON_DATABASE_URL", empty_postgres_url)
    baton("init")
    assert f"needs `baton db upgrade` to {HEAD}" in baton("check").output
    refused = baton("handoff", "request", "7", "--to", "Network", "--by", "bob", "--reason", "r")
    assert refused.exit_code == 3 and "run `baton db upgrade`" in refused.stderr
    assert f"upgraded schema (empty) -> {HEAD}" in baton("db", "upgrade").output
    assert baton("handoff", "request", "7", "--to", "Network", "--by", "bob", "--reason", "r").exit_code == 0
    assert "schema current" in baton("check").output


def test_an_unreachable_store_is_reported_without_its_password(workdir, monkeypatch):
    monkeypatch.setenv("BATON_DATABASE_URL", "postgresql+psycopg://baton:s3cret@127.0.0.1:1/baton")
    result = baton("check")
    assert result.exit_code == 3
    assert "cannot reach the ledger store at postgresql+psycopg://baton:***@127.0.0.1:1/baton" in result.stderr
    assert "s3cret" not in result.stderr


def test_the_installed_entry_point_runs_outside_the_repository(tmp_path):
    env = {**os.environ, "BATON_DATABASE_URL": f"sqlite:///{tmp_path / 'l.db'}"}
    env.pop("BATON_CONFIG", None)
    baton_exe = Path(sys.executable).parent / "baton"
    result = subprocess.run([str(baton_exe), "check"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "built-in defaults" in result.stdout


def test_only_the_baton_itsm_namespace_is_installed(tmp_path):
    probe = (
        "import importlib.util, baton_itsm.core, baton_itsm.connectors, baton_itsm.plugins; "
        "print([n for n in ('core', 'connectors', 'plugins', 'config') if importlib.util.find_spec(n)])"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_receiver_reviews_a_handoff_and_a_manager_audits_it(workdir):
    baton("init")
    first = baton("handoff", "request", "7", "--to", "Service Desk/alice", "--by", "bob", "--reason", "new call")
    baton("handoff", "accept", first.output.split()[2], "--by", "alice")
    second = baton(
        "handoff",
        "request",
        "7",
        "--to",
        "Network",
        "--by",
        "alice",
        "--reason",
        "switch port down",
        "--summary",
        "rebooted the switch",
    )
    handoff_id = second.output.split()[2]
    accepted = baton("handoff", "accept", handoff_id, "--by", "carol")
    assert "review-asked" in accepted.output, "the example config asks cross-group receivers"

    refused = baton("review", "handoff", handoff_id, "--as", "alice", "--needed", "yes")
    assert refused.exit_code == 1 and "only its receiver (carol) can" in refused.stderr
    unreadable = baton("review", "handoff", handoff_id, "--as", "carol", "--timely", "soonish")
    assert unreadable.exit_code == 1 and "say early, right or late" in unreadable.stderr

    reviewed = baton(
        "review",
        "handoff",
        handoff_id,
        "--as",
        "carol",
        "--needed",
        "yes",
        "--prepared",
        "no",
        "--timely",
        "late",
        "--note",
        "no logs attached",
    )
    assert reviewed.exit_code == 0 and f"reviewed: handoff {handoff_id} on local:7" in reviewed.output
    again = baton("review", "handoff", handoff_id, "--as", "carol", "--needed", "no")
    assert again.exit_code == 1 and "already reviewed by carol" in again.stderr

    audited = baton("review", "audit", handoff_id, "--as", "erin", "--needed", "no", "--note", "KB0012 had it")
    assert audited.exit_code == 0 and f"audited: handoff {handoff_id}" in audited.output
    entries = json.loads(baton("ledger", "local:7", "--format", "json").output)
    reviews = [(e["entry_type"], e["actor"]) for e in entries if e["entry_type"] in ("reviewed", "audited")]
    assert reviews == [("reviewed", "carol"), ("audited", "erin")]


def test_decline_with_a_catalog_code(workdir):
    baton("init")
    config = workdir / "baton.yaml"
    config.write_text(
        config.read_text().replace(
            "rules:\n",
            "rules:\n  decline_reasons: [{code: not-ours, words: not this group's kind of work, "
            "reassignable: false}]\n",
            1,
        )
    )
    first = baton("handoff", "request", "11", "--to", "Network", "--by", "bob", "--reason", "switch port")
    handoff_id = first.output.split()[2]
    unknown = baton("handoff", "decline", handoff_id, "--by", "carol", "--code", "nope")
    assert (
        unknown.exit_code == 1
        and "'nope' is not a decline reason of this desk; use one of: not-ours" in unknown.stderr
        and "Traceback" not in unknown.output + unknown.stderr
    )
    neither = baton("handoff", "decline", handoff_id, "--by", "carol")
    assert neither.exit_code == 1 and "a decline needs a reason" in neither.stderr
    declined = baton("handoff", "decline", handoff_id, "--by", "carol", "--code", "not-ours", "--reason", "cabling")
    assert declined.exit_code == 0, declined.output
    [entry] = [e for e in json.loads(baton("ledger", "11", "--format", "json").output) if e["entry_type"] == "declined"]
    assert entry["reason"] == "not this group's kind of work: cabling"
    assert (entry["data"]["reason_code"], entry["data"]["reassignable"]) == ("not-ours", False)
