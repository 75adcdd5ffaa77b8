"""Import core/history/servicenow_log.py for the benchmark scripts, installed or not.

The module is standard-library only, so when the baton_itsm package is not installed the scripts
load it straight from the source tree.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOG_ZIP = REPO.parent / "shared" / "data" / "servicenow-incident-log" / "incident_event_log.zip"


def servicenow_log():
    try:
        from baton_itsm.core.history import servicenow_log
    except ImportError:
        path = REPO / "core" / "history" / "servicenow_log.py"
        spec = importlib.util.spec_from_file_location("servicenow_log", path)
        servicenow_log = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = servicenow_log  # dataclasses look their module up here
        spec.loader.exec_module(servicenow_log)
    return servicenow_log
