"""What the SLA steps (rules.sla) would have done to a history, counted only as far as the history can tell.

A ServiceNow event log row carries the incident's `made_sla` flag at that update and nothing else about its
SLA: no definition (goal), no elapsed share, no breach time, no pauses. So:

- a step at 100 % (the breach) is counted on the tickets whose log shows the SLA missed while the ticket was still
  open: the breach happened at the latest at that update, so the step would have fired (once: the log shows one
  cycle per ticket). Where the miss first shows on the resolving or closing update, the log cannot say whether the
  breach came before the resolution (the step fires) or not; those are counted apart, not as firings;
- a step below 100 % cannot be counted at all: nothing in the log says when half or three quarters of a goal
  it does not state were used. The counts say so rather than guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from baton_itsm.core.domain.tool_events import ToolEvent
from baton_itsm.core.rules.policy import Policy

MADE_SLA = "made_sla"  # the event field the ServiceNow log's events carry from its column ("true"/"false")
NOT_COUNTABLE = "not countable: the log has no SLA goal, elapsed share or breach time, only made_sla"


class SlaTally:
    def __init__(self, policy: Policy, resolved_states: frozenset[str]):
        self.policy = policy
        self.resolved_states = resolved_states  # the history's status values that mean resolved
        self.counts: Counter[str] = Counter()
        self.breached_groups: Counter[str] = Counter()

    def ticket(self, events: Sequence[ToolEvent]) -> None:
        flags = [(e, e.fields.get(MADE_SLA)) for e in events if e.fields.get(MADE_SLA) in ("true", "false")]
        if not flags:
            return
        self.counts["tickets_with_made_sla"] += 1
        if flags[-1][1] == "false":
            self.counts["sla_missed"] += 1
        first_miss = next((e for e, flag in flags if flag == "false"), None)
        if first_miss is None:
            return
        if first_miss.fields.get("status") in self.resolved_states:
            self.counts["miss_first_seen_at_resolution"] += 1
            return
        self.counts["miss_seen_while_open"] += 1
        holder = next((e.new_holder for e in reversed(events[: events.index(first_miss) + 1]) if e.new_holder), None)
        if holder is not None:
            self.breached_groups[holder.group] += 1

    def result(self) -> dict:
        steps = {}
        for step in self.policy.sla_steps:
            name = f"{step.percent} {step.action}"
            steps[name] = self.counts["miss_seen_while_open"] if step.share >= 1.0 else NOT_COUNTABLE
        return {
            "tickets_with_made_sla": self.counts["tickets_with_made_sla"],
            "sla_missed": self.counts["sla_missed"],
            "miss_seen_while_open": self.counts["miss_seen_while_open"],
            "miss_first_seen_at_resolution": self.counts["miss_first_seen_at_resolution"],
            "steps": steps,
            "missed_while_open_by_group": dict(self.breached_groups.most_common(5)),
        }


def sla_lines(result: dict) -> list[str]:
    if not result.get("tickets_with_made_sla"):
        return ["  SLA steps: the history records no made_sla: nothing to count"]
    lines = [
        f"  SLA (made_sla of {result['tickets_with_made_sla']:,} tickets): missed {result['sla_missed']:,}; "
        f"the miss seen while open {result['miss_seen_while_open']:,}, first seen at the resolution "
        f"{result['miss_first_seen_at_resolution']:,} (breach before or after it: the log cannot tell)"
    ]
    if not result["steps"]:
        lines.append("  SLA steps: none configured (rules.sla.steps)")
    for name, count in result["steps"].items():
        lines.append(
            f"  SLA step {name}: "
            + (
                f"would have fired on {count:,} tickets (at the latest at the update that shows the miss)"
                if isinstance(count, int)
                else count
            )
        )
    return lines
