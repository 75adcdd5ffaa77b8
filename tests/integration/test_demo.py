"""`baton demo` on a fresh install: no config, its own ledger, a report written where it says."""

from __future__ import annotations

from click.testing import CliRunner

from baton_itsm.core.cli.main import cli


def test_demo_runs_with_no_config_and_leaves_the_default_store_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    default_store = tmp_path / "default.db"
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{default_store}")
    # must be ignored: a demo that read it would stop at its unknown key
    (tmp_path / "baton.yaml").write_text("rules: {accept_before_reassign: {mode: flag}}\nnot_a_setting: 1\n")
    result = CliRunner().invoke(cli, ["demo", "--no-charts"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "3,758 rows read, 0 rejected" in result.output and "693 tickets (693 new" in result.output
    assert "pushes reverted" in result.output and "demo done: open" in result.output
    assert (tmp_path / "baton-demo" / "ledger.db").is_file() and (tmp_path / "baton-demo" / "report.html").is_file()
    assert not default_store.exists()
    again = CliRunner().invoke(cli, ["demo", "--no-charts"], catch_exceptions=False)
    assert again.exit_code == 0 and "693 tickets (693 new" in again.output  # a fresh demo ledger each run
