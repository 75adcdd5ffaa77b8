"""A back-test: a rule set, a history file, and what the rules would have done to it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from baton_itsm.core.backtest.availability import availability_counts, availability_line
from baton_itsm.core.backtest.bounce_rules import bounce_rule_lines, bounce_rule_outcome
from baton_itsm.core.backtest.replay import Replay, Tally
from baton_itsm.core.backtest.sla import SlaTally, sla_lines
from baton_itsm.core.domain.directory import Directory, GroupInfo
from baton_itsm.core.history.readers import HistoryReader
from baton_itsm.core.metrics.bounces import MANY, share_with_many
from baton_itsm.core.plugins import history_reader
from baton_itsm.core.rules.engine import RulesEngine
from baton_itsm.core.rules.policy import Policy

HISTORY_FORMAT = "servicenow-log"  # what `baton backtest --history` reads: a reader of that name is registered


def backtest(
    policy: Policy,
    history: Path,
    *,
    instance: str = "sn-log",
    infer_groups: bool = True,
    reader: HistoryReader | None = None,
) -> dict:
    """Replay a history file (a ServiceNow event log unless `reader` reads another format) under `policy`; returns
    the outcome as JSON-ready data.

    With `infer_groups` (a deployment that describes no groups), every group seen in the history is
    known to the rules, its members being the people seen holding its tickets: otherwise the rules
    can only flag pushes to groups they do not know.
    """
    read = (reader or history_reader(HISTORY_FORMAT)).events(history, instance)
    histories = list(read.tickets)
    if infer_groups and not policy.directory.groups:
        policy = replace(policy, directory=infer_directory(histories))
    # The back-test acts on the history's instance, so the tool writes a live deployment would make are counted.
    policy = replace(policy, instances=policy.instances | {instance})
    tally = Tally()
    replay = Replay(RulesEngine(policy), tally, read.end_at)
    sla = SlaTally(policy, read.resolved_states)
    for events in histories:
        replay.ticket(events)
        sla.ticket(events)
    return {
        **outcome(tally, history, read.rejected),
        "sla": sla.result(),
        **availability_counts(histories, policy, tally.rule_outcomes),
    }


def infer_directory(histories: list) -> Directory:
    members: dict[str, set[str]] = {}
    for events in histories:
        for event in events:
            if event.new_holder is not None:
                people = members.setdefault(event.new_holder.group, set())
                if event.new_holder.person:
                    people.add(event.new_holder.person)
    return Directory({group: GroupInfo(frozenset(people)) for group, people in members.items()})


def outcome(tally: Tally, history: Path, rejected: int) -> dict:
    rules = tally.rule_outcomes
    before, after = tally.bounces_history, tally.bounces_with_rules
    return {
        "history": str(history),
        "tickets": tally.tickets,
        "updates": tally.updates,
        "rows_rejected": rejected,
        "pushes_reverted": rules["accept-before-reassign: reverted"],
        "pushes_held": rules["accept-before-reassign: held"],
        "pushes_flagged": rules["accept-before-reassign: flagged"],
        "requests_raised": sum(tally.requests.values()),
        "requests_by_origin": dict(tally.requests),
        "escalations_fired": sum(n for k, n in rules.items() if k.endswith(": escalated")),
        "reminders_sent": sum(n for k, n in rules.items() if k.endswith(": reminded")),
        "tickets_routed_by_category": rules["category-routing: routed"],
        "emails_sent": sum(tally.notices.values()),
        "emails_by_template": dict(tally.notices.most_common()),
        "tool_actions": dict(tally.tool_actions),
        "timers_fired": tally.timers_fired,
        "bounce_mean_in_history": round(sum(before) / len(before), 3) if before else None,
        "bounce_mean_with_requests_accepted": round(sum(after) / len(after), 3) if after else None,
        f"share_{MANY}_plus_in_history": share_with_many(before),
        f"share_{MANY}_plus_with_requests_accepted": share_with_many(after),
        "rule_outcomes": dict(rules.most_common()),
        **bounce_rule_outcome(rules, tally.routes),
    }


def outcome_lines(result: dict) -> list[str]:
    return [
        f"back-test of {result['history']}: {result['tickets']:,} tickets, {result['updates']:,} updates replayed",
        f"  pushes reverted {result['pushes_reverted']:,}, held {result['pushes_held']:,}, "
        f"flagged {result['pushes_flagged']:,}; requests raised {result['requests_raised']:,}",
        f"  escalations fired {result['escalations_fired']:,}, reminders {result['reminders_sent']:,}, "
        f"routed by category {result['tickets_routed_by_category']:,}",
        f"  emails sent {result['emails_sent']:,} ("
        + ", ".join(f"{k} {v:,}" for k, v in result["emails_by_template"].items())
        + ")",
        f"  bounce count: mean {result['bounce_mean_in_history']} in the history, "
        f"{result['bounce_mean_with_requests_accepted']} had reverted pushes been accepted as requests",
        *bounce_rule_lines(result),
        *sla_lines(result.get("sla") or {}),
        *([availability_line(result)] if "away_reroutes" in result else []),
    ]
