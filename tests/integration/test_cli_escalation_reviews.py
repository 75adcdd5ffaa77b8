"""`baton review escalations` and `baton review escalation ...` as a user runs them, on a SQLite store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from baton_itsm.core.cli.main import cli
from tests.integration.escalation_desk import CONFIG, EDITORS


@pytest.fixture
def desk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    for var in ("BATON_CONFIG", "BATON_USER"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "baton.yaml").write_text(CONFIG)
    baton("handoff", "force", "local:7", "--to", "Service Desk/alice", "--by", "dana", "--reason", "new call")
    escalated = baton(
        "handoff",
        "request",
        "local:7",
        "--to",
        "Service Management",
        "--by",
        "alice",
        "--kind",
        "administrative-sales",
        "--reason",
        "wants a discount",
        "--summary",
        "quoted list price",
    )
    assert escalated.exit_code == 0, escalated.output
    return escalated.output.split()[2]  # the escalation's handoff id


def baton(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_list_edit_link_close_and_reopen(desk, tmp_path):
    listed = baton("review", "escalations")
    assert listed.exit_code == 0, listed.output
    header, _, row = listed.output.splitlines()
    assert header.split()[:4] == ["handoff", "ticket", "kind", "opened"]
    assert row.split()[:3] == [desk, "local:7", "administrative-sales"] and "erin, mia, quinn" in row and "0/5" in row
    [data] = json.loads(baton("review", "escalations", "--format", "json").output)
    assert data["editors"] == EDITORS and data["state"] == "open" and data["escalation"]["reason"] == "wants a discount"

    edited = baton(
        "review",
        "escalation",
        "edit",
        desk,
        "--as",
        "mia",
        "--cause",
        "no discount rule",
        "--cause-kind",
        "service decision",
    )
    assert edited.exit_code == 0, edited.output
    assert (
        edited.output.strip() == f"escalation-review-updated: review of {desk} on local:7: cause, cause kind "
        "service decision"
    )
    (tmp_path / "review.yaml").write_text(
        "steps: asked sales\nprevention: |\n  publish the discount rule\ncause_kind: process gap\n"
    )
    from_file = baton(
        "review",
        "escalation",
        "edit",
        desk,
        "--as",
        "quinn",
        "--from-file",
        "review.yaml",
        "--steps",
        "asked sales, then finance",
    )
    assert from_file.exit_code == 0 and "steps, prevention, cause kind process gap" in from_file.output
    same = baton(
        "review",
        "escalation",
        "edit",
        desk,
        "--by",
        "quinn",
        "--from-file",
        "-",
        stdin='{"steps": "asked sales, then finance"}',
    )
    assert same.output.strip() == f"review of {desk}: nothing changed"

    linked = baton(
        "review",
        "escalation",
        "link",
        desk,
        "--as",
        "erin",
        "--change",
        "sla",
        "--reference",
        "SLA v7 section 2",
        "--note",
        "discounts decided within a day",
    )
    assert linked.exit_code == 0 and "sla change SLA v7 section 2" in linked.output

    shown = baton("review", "escalation", "show", desk).output
    assert (
        "state: open" in shown
        and "escalation: administrative-sales from Service Desk/alice to Service Management, asked by alice" in shown
    )
    assert "What caused the escalation (cause):\n  no discount rule" in shown
    assert "Problems met (problems):\n  (not written yet)" in shown
    assert "cause kind: process gap" in shown
    assert "sla: SLA v7 section 2 - discounts decided within a day (erin" in shown

    assert baton("review", "escalation", "close", desk, "--as", "mia").exit_code == 0
    assert baton("review", "escalations").output.strip() == "no open escalation reviews"
    assert (
        desk in baton("review", "escalations", "--all").output
        and "closed" in baton("review", "escalations", "--closed").output
    )
    refused = baton("review", "escalation", "edit", desk, "--as", "mia", "--helped", "x")
    assert refused.exit_code == 1 and "closed on 2" in refused.stderr and "reopen it to edit it" in refused.stderr
    assert baton("review", "escalation", "reopen", desk, "--as", "mia", "--reason", "one more thing").exit_code == 0
    assert desk in baton("review", "escalations").output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["edit", "{id}", "--as", "bob", "--cause", "x"], 1, "bob cannot edit the review of {id}: erin, mia, quinn"),
        (["edit", "{id}", "--as", "mia", "--from-file", "blame.yaml"], 1, "has no section 'responsible'"),
        (
            ["edit", "{id}", "--as", "mia", "--cause-kind", "fate"],
            1,
            "choose one of: service decision, process gap, other",
        ),
        (["edit", "{id}", "--as", "mia"], 2, "say what to write"),
        (["edit", "{id}", "--as", "mia", "--from-file", "missing.yaml"], 2, "missing.yaml"),
        (["close", "{id}", "--as", "mia"], 1, "says nothing yet on cause and prevention"),
        (["link", "{id}", "--as", "mia", "--change", "budget", "--reference", "x"], 2, "'budget' is not one of"),
        (["show", "nope"], 1, "no escalation review for handoff nope"),
    ],
)
def test_mistakes_get_one_line_and_the_right_exit_code(desk, tmp_path, args, code, message):
    (tmp_path / "blame.yaml").write_text("cause: late reply\nresponsible: bob\n")
    result = baton("review", "escalation", *[a.replace("{id}", desk) for a in args])
    assert result.exit_code == code and message.replace("{id}", desk) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_review_commands():
    assert "review" in baton("--help").output
    assert {"escalations", "escalation"} <= set(baton("review", "--help").output.split())
