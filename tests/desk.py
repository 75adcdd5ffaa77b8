"""The desk of the accept-before-reassign scenarios, one definition for every tool that runs them.

Request Tracker 5 (tests/e2e) and ServiceNow (tests/connectors/servicenow/integration) play the same five scenarios on
the same groups and rules; a deployment is this text followed by one tool's `connectors:` block.
"""

DESK = """\
ownership: {model: follows, desk_groups: [Service Desk]}
groups:
  Service Desk: {members: [alice, bob, carol], managers: [dana]}
  Network: {members: [carol], managers: [erin]}
rules:
  accept_before_reassign: {mode: revert, triage_groups: [], exempt_groups: []}
"""


def ledger_readers(instance: str):
    """`ledger(app, ticket)` and `requests_to(app, ticket)`: what the scenarios read back, for one instance."""
    from baton_itsm.core.domain.holders import TicketKey

    def ledger(app, ticket: str) -> list:
        return [entry.event for entry in app.handoffs.ledger(TicketKey(instance, ticket))]

    def requests_to(app, ticket: str) -> list:
        return [event for event in ledger(app, ticket) if event.entry_type == "requested"]

    return ledger, requests_to
