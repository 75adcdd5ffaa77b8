"""The ServiceNow incident event log as a history format, registered as `servicenow-log` (connectors/servicenow/
plugin.py): `baton import servicenow-log` and `baton demo` import it, `baton backtest` replays it."""

from __future__ import annotations

import os

from baton_itsm.connectors.servicenow.history.log_import import read_servicenow_log
from baton_itsm.core.history.imported import HistoryReading, Progress
from baton_itsm.core.history.readers import EventHistory


class ServiceNowLog:
    def read(
        self, path: str | os.PathLike[str], progress: Progress | None = None, *, grouped: bool = False
    ) -> HistoryReading:
        return read_servicenow_log(path, progress, grouped=grouped)

    def events(self, path: str | os.PathLike[str], instance: str) -> EventHistory:
        # The back-test reads every column (log_reader), which the import's lean path never needs.
        from baton_itsm.connectors.servicenow.history.events import servicenow_histories

        return servicenow_histories(path, instance)


SERVICENOW_LOG = ServiceNowLog()
