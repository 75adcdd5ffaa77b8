"""What Baton's ServiceNow update set holds, for one connector instance (`baton servicenow update-set`).

- the business rule that sends holder changes (config/servicenow/baton-holder-change.business-rule.js);
- the outbound REST message "Baton" with its methods: the rule's delivery, and the API calls of the buttons;
- the system property for the webhook secret, empty (the admin fills it in);
- the buttons "Request handoff", "Accept handoff", "Decline handoff" (UI actions) and their server side, the
  script include BatonHandoffs, which calls Baton's API with the clicking agent's own token;
- the role for Baton's integration user, with the access controls the connector needs and no more: read the
  table, write its group, person, work notes and comments; read sys_audit (holder changes, mode poll), users
  and groups (names).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from urllib.parse import quote

from baton_itsm.connectors.servicenow.options import ServiceNowOptions
from baton_itsm.connectors.servicenow.update_set import Record, Ref, sys_id

ROLE = "baton_integration"
SECRET_PROPERTY = "baton.webhook.secret"
MESSAGE = "Baton"
REQUESTER_LINE = "var REQUESTER_FIELD = 'caller_id';"
RULE_CONDITION = (
    "current.operation() == 'insert' || current.assignment_group.changes() || current.assigned_to.changes()"
)
# (method, HTTP method, path under Baton's URL): the rule's delivery and the buttons' API calls
METHODS = (
    ("post_holder_change", "post", "/hooks/servicenow/{instance}"),
    ("request_handoff", "post", "/api/handoffs"),
    ("accept_handoff", "post", "/api/handoffs/${handoff_id}/accept"),
    ("decline_handoff", "post", "/api/handoffs/${handoff_id}/decline"),
    ("pending_handoffs", "get", "/api/handoffs"),
)
BUTTONS_SCRIPT = "baton-handoff-buttons.ui-action.js"  # each button holds it and calls its own function
BUTTONS = (  # (name, action name, client function, script, condition)
    (
        "Request handoff",
        "baton_request_handoff",
        "batonRequestHandoff()",
        BUTTONS_SCRIPT,
        "current.active == true && gs.getUser().isMemberOf(current.assignment_group.toString()) && "
        "new BatonHandoffs().hasToken()",
    ),
    (
        "Accept handoff",
        "baton_accept_handoff",
        "batonAcceptHandoff()",
        BUTTONS_SCRIPT,
        "current.active == true && new BatonHandoffs().waitingFor(current.number) != ''",
    ),
    (
        "Decline handoff",
        "baton_decline_handoff",
        "batonDeclineHandoff()",
        BUTTONS_SCRIPT,
        "current.active == true && new BatonHandoffs().waitingFor(current.number) != ''",
    ),
)


def script(name: str) -> str:
    return files("baton_itsm.config").joinpath("servicenow", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class UpdateSetRecords:
    instance: str  # the connector instance's name in Baton's deployment file
    url: str  # where Baton answers, e.g. https://baton.example.com
    options: ServiceNowOptions

    def _id(self, table: str, *name: str) -> str:
        return sys_id(self.instance, table, *name)

    def all(self) -> list[Record]:
        return [
            self.business_rule(),
            *self.rest_message(),
            self.secret_property(),
            self.script_include(),
            *self.buttons(),
            *self.role_and_access(),
        ]

    def business_rule(self) -> Record:
        text = script("baton-holder-change.business-rule.js")
        if REQUESTER_LINE not in text:
            raise RuntimeError(f"the business rule no longer says {REQUESTER_LINE!r}: update update_set_records.py")
        text = text.replace(REQUESTER_LINE, f"var REQUESTER_FIELD = '{self.options.requester_field}';")
        table, name = self.options.table, f"Baton holder change ({self.instance})"
        return Record(
            "sys_script",
            self._id("sys_script", name),
            "Business Rule",
            name,
            {
                "name": name,
                "collection": table,
                "when": "after",
                "order": "1000",
                "priority": "100",
                "active": "true",
                "advanced": "true",
                "action_insert": "true",
                "action_update": "true",
                "action_delete": "false",
                "action_query": "false",
                "abort_action": "false",
                "add_message": "false",
                "access": "package_private",
                "condition": RULE_CONDITION,
                "filter_condition": "",
                "script": text,
                "description": f"Tells Baton ({self.url}) when a {table} record changes hands; signed with the "
                f"system property {SECRET_PROPERTY}. Sent asynchronously: saving does not wait.",
            },
            applies_to=table,
        )

    def rest_message(self) -> list[Record]:
        message_id = self._id("sys_rest_message", MESSAGE)
        message = Record(
            "sys_rest_message",
            message_id,
            "REST Message",
            MESSAGE,
            {
                "name": MESSAGE,
                "rest_endpoint": self.endpoint(METHODS[0][2]),
                "authentication_type": "no_authentication",
                "access": "package_public",
                "description": "Baton: holder-change deliveries (signed by the business rule) and the handoff buttons' "
                "API calls (each with the clicking agent's own token).",
            },
        )
        methods = [
            Record(
                "sys_rest_message_fn",
                self._id("sys_rest_message_fn", MESSAGE, name),
                "HTTP Method",
                f"{MESSAGE}.{name}",
                {
                    "function_name": name,
                    "http_method": verb,
                    "rest_endpoint": self.endpoint(path),
                    "rest_message": Ref(message_id, MESSAGE),
                    "authentication_type": "inherit_from_parent",
                    "content": "",
                },
            )
            for name, verb, path in METHODS
        ]
        return [message, *methods]

    def endpoint(self, path: str) -> str:
        return self.url.rstrip("/") + path.replace("{instance}", quote(self.instance, safe=""))

    def secret_property(self) -> Record:
        # is_private: never carried to another instance by a later update set; each instance keeps its own secret
        return Record(
            "sys_properties",
            self._id("sys_properties", SECRET_PROPERTY),
            "System Property",
            SECRET_PROPERTY,
            {
                "name": SECRET_PROPERTY,
                "type": "string",
                "value": "",
                "is_private": "true",
                "read_roles": "admin",
                "write_roles": "admin",
                "ignore_cache": "false",
                "description": f"The secret Baton's connector instance {self.instance} checks deliveries "
                "with: the value of the variable its webhook_secret_env names.",
            },
        )

    def script_include(self) -> Record:
        text = script("baton-handoffs.script-include.js").replace("@INSTANCE@", self.instance)
        return Record(
            "sys_script_include",
            self._id("sys_script_include", "BatonHandoffs"),
            "Script Include",
            "BatonHandoffs",
            {
                "name": "BatonHandoffs",
                "api_name": "global.BatonHandoffs",
                "client_callable": "true",
                "active": "true",
                "access": "package_private",
                "script": text,
                "description": "Baton's handoff buttons: calls Baton's API as the clicking agent.",
            },
        )

    def buttons(self) -> list[Record]:
        table = self.options.table
        return [
            Record(
                "sys_ui_action",
                self._id("sys_ui_action", table, action),
                "UI Action",
                name,
                {
                    "name": name,
                    "table": table,
                    "action_name": action,
                    "active": "true",
                    "client": "true",
                    "onclick": onclick,
                    "script": script(template),
                    "condition": condition,
                    "form_button": "true",
                    "form_action": "true",
                    "show_update": "true",
                    "show_insert": "false",
                    "show_query": "false",
                    "show_multiple_update": "false",
                    "list_action": "false",
                    "isolate_script": "false",
                    "order": "200",
                    "ui16_compatible": "true",
                    "hint": f"{name} through Baton; needs your Baton token in the preference baton.api_token",
                },
                applies_to=table,
            )
            for name, action, onclick, template, condition in BUTTONS
        ]

    def role_and_access(self) -> list[Record]:
        role_id = self._id("sys_user_role", ROLE)
        role = Record(
            "sys_user_role",
            role_id,
            "Role",
            ROLE,
            {
                "name": ROLE,
                "suffix": ROLE,
                "elevated_privilege": "false",
                "grantable": "true",
                "assignable_by": "admin",
                "can_delegate": "true",
                "description": f"Baton's integration user: reads {self.options.table}, sys_audit, users and groups; "
                "writes the group, person, work notes and comments of tickets. Nothing else.",
            },
        )
        table = self.options.table
        grants = [
            ("sys_audit", "read"),
            (table, "read"),
            (f"{table}.*", "read"),
            (table, "write"),
            (f"{table}.assignment_group", "write"),
            (f"{table}.assigned_to", "write"),
            (f"{table}.work_notes", "write"),
            (f"{table}.comments", "write"),
            ("sys_user", "read"),
            ("sys_user_group", "read"),
        ]
        records = [role]
        for name, operation in grants:
            acl_id = self._id("sys_security_acl", name, operation)
            applies_to = name.split(".")[0]
            records.append(
                Record(
                    "sys_security_acl",
                    acl_id,
                    "Access Control",
                    name,
                    {
                        "name": name,
                        "operation": Ref(operation, operation),
                        "type": Ref("record", "record"),
                        "active": "true",
                        "admin_overrides": "true",
                        "advanced": "false",
                        "condition": "",
                        "script": "",
                        "description": f"Baton's integration user ({ROLE}) may {operation} {name}.",
                    },
                    applies_to=applies_to,
                )
            )
            records.append(
                Record(
                    "sys_security_acl_role",
                    self._id("sys_security_acl_role", name, operation),
                    "Access Roles",
                    f"{name}.{ROLE}",
                    {"sys_security_acl": Ref(acl_id, name), "sys_user_role": Ref(role_id, ROLE, {"name": ROLE})},
                    applies_to=applies_to,
                )
            )
        return records
