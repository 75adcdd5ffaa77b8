"""Records as a ServiceNow update set: the XML an admin loads under Retrieved Update Sets, previews and commits.

The layout is that of an update set exported from an instance (tests/connectors/servicenow/fixtures/ keeps a real one's
structure): `<unload>` holds one `sys_remote_update_set` and one `sys_update_xml` per record, whose `payload` is
the record's own XML, `<record_update table="T"><T action="INSERT_OR_UPDATE">...</T></record_update>`, as text.
Every sys_id is derived from the instance and the record's identity, so loading a newer update set updates the
records of an older one instead of adding copies.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

NAMESPACE = uuid.UUID("6f2b7c1e-4a53-4c1b-9d3e-5b6a2f0c8d41")  # Baton's: sys_ids of its records derive from it
WHO = "baton"


def sys_id(*identity: str) -> str:
    """A stable 32-hex-digit sys_id for a record, from what identifies it (instance, table, name)."""
    return uuid.uuid5(NAMESPACE, "\x1f".join(identity)).hex


@dataclass(frozen=True)
class Ref:
    """A reference field: the referenced record's sys_id, shown by its display value."""

    sys_id: str
    display: str
    attributes: Mapping[str, str] = field(default_factory=dict)  # e.g. sys_user_role's name="..."


@dataclass(frozen=True)
class Record:
    table: str  # the record's table: sys_script, sys_ui_action, sys_security_acl...
    sys_id: str
    kind: str  # what the update set list shows as its type: Business Rule, UI Action, Access Control...
    target: str  # what it shows as the target name
    fields: Mapping[str, str | Ref]
    applies_to: str = ""  # the table the record is about (sys_update_xml.table): incident for its rule

    @property
    def update_name(self) -> str:
        return f"{self.table}_{self.sys_id}"


def update_set_xml(name: str, description: str, records: Sequence[Record], now: datetime) -> str:
    """The whole update set as one XML document (UTF-8 text)."""
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    set_id = sys_id("update set", name)
    unload = ET.Element("unload", unload_date=stamp)
    header = ET.SubElement(unload, "sys_remote_update_set", action="INSERT_OR_UPDATE")
    _fields(
        header,
        {
            "application": Ref("global", "Global"),
            "application_name": "Global",
            "application_scope": "global",
            "application_version": "",
            "collisions": "",
            "commit_date": "",
            "deleted": "",
            "description": description,
            "inserted": "",
            "name": name,
            "origin_sys_id": "",
            "parent": Ref("", ""),
            "release_date": stamp,
            "remote_base_update_set": Ref("", ""),
            "remote_parent_id": "",
            "remote_sys_id": set_id,
            "state": "loaded",
            "summary": "",
            "sys_class_name": "sys_remote_update_set",
            "sys_created_by": WHO,
            "sys_created_on": stamp,
            "sys_id": set_id,
            "sys_mod_count": "0",
            "sys_updated_by": WHO,
            "sys_updated_on": stamp,
            "update_set": Ref("", ""),
            "update_source": Ref("", ""),
            "updated": "",
        },
    )
    for record in records:
        payload = record_payload(record, stamp)
        update = ET.SubElement(unload, "sys_update_xml", action="INSERT_OR_UPDATE")
        guid = sys_id("update", record.sys_id)
        _fields(
            update,
            {
                "action": "INSERT_OR_UPDATE",
                "application": Ref("global", "Global"),
                "category": "customer",
                "comments": "",
                "name": record.update_name,
                "payload": payload,
                "payload_hash": str(_java_hash(payload)),
                "remote_update_set": Ref(set_id, name),
                "replace_on_upgrade": "false",
                "sys_created_by": WHO,
                "sys_created_on": stamp,
                "sys_id": sys_id("sys_update_xml", record.sys_id),
                "sys_mod_count": "0",
                "sys_recorded_at": "",
                "sys_updated_by": WHO,
                "sys_updated_on": stamp,
                "table": record.applies_to,
                "target_name": record.target,
                "type": record.kind,
                "update_domain": "global",
                "update_guid": guid,
                "update_guid_history": f"{guid}:{_java_hash(payload)}",
                "update_set": Ref("", ""),
                "view": "",
            },
        )
    ET.indent(unload, space="", level=0)
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(unload, encoding="unicode") + "\n"


def record_payload(record: Record, stamp: str) -> str:
    """The record's own XML, as sys_update_xml.payload holds it."""
    wrapper = ET.Element("record_update", table=record.table)
    element = ET.SubElement(wrapper, record.table, action="INSERT_OR_UPDATE")
    _fields(
        element,
        {
            **record.fields,
            "sys_class_name": record.table,
            "sys_created_by": WHO,
            "sys_created_on": stamp,
            "sys_id": record.sys_id,
            "sys_mod_count": "0",
            "sys_package": Ref("global", "Global", {"source": "global"}),
            "sys_policy": "",
            "sys_scope": Ref("global", "Global"),
            "sys_update_name": record.update_name,
            "sys_updated_by": WHO,
            "sys_updated_on": stamp,
        },
    )
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(wrapper, encoding="unicode")


def _fields(parent: ET.Element, values: Mapping[str, str | Ref]) -> None:
    for name in sorted(values):  # an instance exports fields in name order
        value = values[name]
        if isinstance(value, Ref):
            ET.SubElement(parent, name, {"display_value": value.display, **value.attributes}).text = (
                value.sys_id or None
            )
        else:
            ET.SubElement(parent, name).text = value or None


def _java_hash(text: str) -> int:
    """Java's String.hashCode, as payload_hash holds it (a signed 32-bit number)."""
    value = 0
    for unit in text.encode("utf-16-be").hex(" ", 2).split():
        value = (31 * value + int(unit, 16)) & 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value
