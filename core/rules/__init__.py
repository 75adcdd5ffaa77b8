"""The rules engine: a deployment's handoff policy, evaluated purely over the ledger and an event.

`engine.py` takes an event or a due timer and hands it to the rules, one module each:

| rule (docs/rules.md) | module |
| --- | --- |
| 1. accept-before-reassign | `accept_before_reassign.py` |
| 2. queue-first | `queue_first.py` |
| 3. acceptance timeout | `acceptance_timeout.py` |
| 4. stale escalation | `stale_escalation.py`; the step along the path, shared with SLA steps: `escalation_path.py` |
| 5. category routing | `category_routing.py` |
| 6. keep the user informed | `consequences.py` (requester emails), `report_back.py` (the original analyst) |
| ping-pong and bounce limits | `bounce_rules.py` |
| availability and deputies | `availability.py` |
| SLA steps | `sla_rules.py` |
| convergence (the ledger follows the tool) | `convergence.py` |
| comment commands (`/baton ...`) | `comment_commands.py`, `comment_asks.py` |
| reviews and audits | `review_requests.py` |
"""
