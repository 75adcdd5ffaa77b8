"""The desk of the accept-before-reassign scenarios, one definition for every tool that runs them.

Request Tracker 5 (tests/e2e) and ServiceNow (tests/integration/servicenow) play the same five scenarios on
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
