"""Names: a group or user named in Baton's config, looked up by name, is written by its sys_id."""

from __future__ import annotations

import pytest

from baton_itsm.connectors.common import MalformedPayload
from baton_itsm.connectors.servicenow.names import Names


class _Client:
    """Answers every lookup by name with one record."""

    def __init__(self, record: dict) -> None:
        self.record = record

    def first(self, table: str, *, query: str, fields: tuple[str, ...]) -> dict:
        return self.record


def test_a_group_is_written_by_the_sys_id_servicenow_gives():
    names = Names(_Client({"sys_id": "g1", "name": "Network"}))  # type: ignore[arg-type]  # a fake TableClient
    assert names.group_id("Network") == "g1"


def test_an_answer_without_a_sys_id_is_refused_not_written_as_none():
    # Without the check, group_id returned None and a reassignment would have cleared the group.
    names = Names(_Client({"name": "Network"}))  # type: ignore[arg-type]  # a fake TableClient
    with pytest.raises(MalformedPayload, match="without a sys_id"):
        names.group_id("Network")
    assert "Network" not in names.group_ids
