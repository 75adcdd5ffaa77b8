"""The ServiceNow log reader and the reassignment derivation, as one namespace for the benchmark scripts.

Run the benchmarks from a checkout where Baton is installed (`pip install -e .`).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
LOG_ZIP = REPO / "tests" / "connectors" / "servicenow" / "incident-log" / "incident_event_log.zip"


def servicenow_log() -> SimpleNamespace:
    from baton_itsm.connectors.servicenow.history import incidents
    from baton_itsm.connectors.servicenow.history import log_reader as reader

    return SimpleNamespace(**{**vars(reader), **vars(incidents)})
