"""What the history commands (import, report, backtest) need from the deployment, read cheaply.

With no deployment file (a first look at history, the demo, the benchmark) nothing of pydantic or
SQLAlchemy is imported: the defaults are Baton's built-in ones. A deployment file is loaded and
validated as usual, for its ledger store, its triage groups and its ownership model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from baton_itsm.core.domain.ownership import OwnershipPolicy
from baton_itsm.core.store.location import resolve_database_url

if TYPE_CHECKING:
    from baton_itsm.core.cli.main import CliState


@dataclass(frozen=True)
class HistorySettings:
    database_url: str
    intake_groups: frozenset[str] = frozenset()
    ownership: OwnershipPolicy = field(default_factory=OwnershipPolicy)
    config: Any = None  # the validated BatonConfig, when there is a deployment file


def history_settings(state: CliState) -> HistorySettings:
    """From the CLI state's --config and --db; a state made with `read_config=False` (the demo) reads no file."""
    db_option = state.db_option
    path = state.config_path()
    if path is None:
        return HistorySettings(resolve_database_url(db_option))
    from baton_itsm.core.settings.loader import load_config

    config = load_config(path)
    return HistorySettings(
        resolve_database_url(db_option, config.database.url), config.intake_groups(), config.ownership_policy(), config
    )


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
