"""The model test's agents: seeded random actions in the real RT (as each person, through REST2) and through
Baton's CLI, each told to the protocol model (tests/e2e/model.py) as RT answered it.

RT answers 200 to a write it refuses; the messages say what it did ("Ticket 3: Owner changed from alice to
bob"), so the holder after an action is read from them, and a refused action changes nothing in the model.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field

from baton_itsm.core.domain.holders import Holder
from tests.e2e.model import Model, TicketModel
from tests.e2e.rt5 import Person

SD, NETWORK, RESTRICTED = "Service Desk", "Network", "Restricted"
QUEUES = (SD, NETWORK)
AGENTS = ("alice", "bob", "carol", "dana", "erin")  # privileged in RT: they act there as themselves
MANAGERS = ("dana", "erin")
PEOPLE = (*AGENTS, "dave")  # dave acts only through Baton: RT refuses him as an owner
OWNER = re.compile(r"Owner changed from (.+) to (.+)$")
QUEUE = re.compile(r"Queue changed from (.+) to (.+)$")
SAME_SECOND = 2.1  # RT times transactions to the second, and one write may straddle two: closer writes read as one

# Weights of the action kinds; kinds that do not fit the chosen ticket are drawn again.
WEIGHTS = {
    "push-owner": 10,
    "push-queue": 7,
    "push-queue-owner": 8,
    "take": 6,
    "steal": 6,
    "release": 6,
    "move-own": 5,
    "force": 6,
    "accept-in-rt": 5,
    "accept-cli": 9,
    "decline-cli": 3,
    "accept-comment": 5,
    "decline-comment": 3,
    "status": 5,
    "comment": 4,
    "delete": 1,
    "hide": 1,
}
HOLDER_KINDS = {
    "push-owner",
    "push-queue",
    "push-queue-owner",
    "take",
    "steal",
    "release",
    "move-own",
    "force",
    "accept-in-rt",
}


@dataclass
class Seen:
    """What the harness knows of a ticket beside the model: since the last cycle, and its recent story."""

    unpolled: bool = False  # an RT change Baton has not read yet (Baton-side commands wait for the poll)
    frozen: bool = False  # an accept Baton must write first: no more actions until the next cycle
    last_change: tuple[str, float] | None = None  # (who, monotonic time) of the last holder write
    story: list[str] = field(default_factory=list)


@dataclass
class Desk:
    """Performs actions and keeps the figures; `cli(*args)` runs Baton's CLI and returns click's result."""

    model: Model
    rng: random.Random
    cli: Callable
    seen: dict[str, Seen] = field(default_factory=dict)
    kinds: Counter = field(default_factory=Counter)
    decisions: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # by kind: RT or Baton said no
    disagreements: list[str] = field(default_factory=list)  # Baton's CLI answered other than the model said
    created_at: int = 0
    lost_budget: int = 2  # deletions and moves to Restricted left: each loses a ticket for good

    # --- tickets ------------------------------------------------------------------------------
    def create(self, holder: Holder, by: str = "root") -> str:
        self.created_at += 1
        ticket = Person(by).create(holder.group, f"Model ticket {self.created_at}", owner=holder.person)
        self.model.created(ticket, holder)
        self.seen[ticket] = Seen(frozen=True, story=[f"created by {by} at {holder}"])  # acted on once Baton saw it
        return ticket

    def live(self) -> list[str]:
        return [t for t, m in self.model.tickets.items() if not m.lost]

    def note(self, ticket: str, line: str) -> None:
        self.seen[ticket].story.append(line)

    def cycle_ran(self) -> None:
        for seen in self.seen.values():
            seen.unpolled = seen.frozen = False

    # --- one action ---------------------------------------------------------------------------
    def act(self, ticket: str, kinds: list[str] | None = None) -> str | None:
        """One action on `ticket` of a kind drawn by weight (or from `kinds`); its kind, or None if none fit."""
        pool = kinds or list(WEIGHTS)
        weights = [WEIGHTS[k] for k in pool]
        for _ in range(30):
            kind = self.rng.choices(pool, weights)[0]
            if getattr(self, "_" + kind.replace("-", "_"))(ticket) is not False:
                self.kinds[kind] += 1
                return kind
        return None

    # RT writes as a person: the holder after is what RT's answer says it did
    def _write(self, ticket: str, actor: str, what: str, call: Callable[[Person], list]) -> bool:
        t = self.model.tickets[ticket]
        answer = call(Person(actor))
        new = self._holder_after(t.rt, answer)
        if new == t.rt:
            self.refused[what] += 1
            self.note(ticket, f"{what} by {actor}: RT changed nothing {answer}")
            return True
        decision = self.model.changed_in_rt(ticket, actor, new)
        self.decisions[decision] += 1
        seen = self.seen[ticket]
        seen.unpolled, seen.last_change = True, (actor, time.monotonic())
        self.note(
            ticket,
            f"{what} by {actor}: RT {t.rt} -> model decides {decision}; L={t.ledger} "
            f"Q={t.request.target if t.request else None}",
        )
        return True

    @staticmethod
    def _holder_after(before: Holder, answer: list) -> Holder:
        group, person = before.group, before.person
        for message in answer if isinstance(answer, list) else []:
            if owner := OWNER.search(str(message)):
                person = None if owner[2] == "Nobody" else owner[2]
            elif queue := QUEUE.search(str(message)):
                group = queue[2]
        return Holder(group, person)

    def _fits(self, ticket: str, actor: str, new: Holder) -> bool:
        """A holder write the protocol defines, and that RT will not fold into the actor's previous one."""
        t, seen = self.model.tickets[ticket], self.seen[ticket]
        if actor == "dave" or new == t.rt or seen.frozen:
            return False
        if seen.last_change and seen.last_change[0] == actor and time.monotonic() - seen.last_change[1] < SAME_SECOND:
            return False
        if new == t.ledger and t.rt != t.ledger:
            return False  # back to the ledger's holder before Baton reverted: the statement leaves it open
        trial = deepcopy(t)
        decision = self.model.decide(trial, actor, new)
        return decision != "push" or self.model.push_is_defined(ticket, new)

    def _put(self, ticket: str, actor: str, new: Holder, what: str) -> bool:
        if not self._fits(ticket, actor, new):
            return False
        t = self.model.tickets[ticket]
        fields = {}
        if new.group != t.rt.group:
            fields["Queue"] = new.group
        if new.person != t.rt.person:
            fields["Owner"] = new.person or "Nobody"
        return self._write(ticket, actor, what, lambda p: p.update(ticket, **fields))

    def _other_queue(self, t: TicketModel) -> str:
        return NETWORK if t.rt.group == SD else SD

    def _push_owner(self, ticket):
        t = self.model.tickets[ticket]
        actor = self.rng.choice(AGENTS)
        owner = self.rng.choice([a for a in AGENTS if a not in (t.rt.person, actor)])
        return self._put(ticket, actor, Holder(t.rt.group, owner), "push-owner")

    def _push_queue(self, ticket):
        t = self.model.tickets[ticket]
        return self._put(ticket, self.rng.choice(AGENTS), Holder(self._other_queue(t), t.rt.person), "push-queue")

    def _push_queue_owner(self, ticket):
        t = self.model.tickets[ticket]
        actor = self.rng.choice(AGENTS)
        owner = self.rng.choice([a for a in AGENTS if a != t.rt.person])
        return self._put(ticket, actor, Holder(self._other_queue(t), owner), "push-queue-owner")

    def _take(self, ticket):
        t = self.model.tickets[ticket]
        actor = self.rng.choice(AGENTS)
        if not self._fits(ticket, actor, Holder(t.rt.group, actor)):
            return False  # (RT refuses a take of an owned ticket: that is tried too, and changes nothing)
        return self._write(ticket, actor, "take", lambda p: p.take(ticket))

    def _steal(self, ticket):
        t = self.model.tickets[ticket]
        actor = self.rng.choice([a for a in AGENTS if a != t.rt.person])
        if t.rt.person is None or not self._fits(ticket, actor, Holder(t.rt.group, actor)):
            return False
        return self._write(ticket, actor, "steal", lambda p: p.steal(ticket))

    def _release(self, ticket):
        t = self.model.tickets[ticket]
        if t.rt.person is None:
            return False
        actor = t.rt.person if t.rt.person in AGENTS and self.rng.random() < 0.7 else self.rng.choice(AGENTS)
        if not self._fits(ticket, actor, Holder(t.rt.group)):
            return False
        return self._write(ticket, actor, "release", lambda p: p.untake(ticket))

    def _move_own(self, ticket):
        t = self.model.tickets[ticket]
        if t.rt.person not in AGENTS:
            return False
        return self._put(ticket, t.rt.person, Holder(self._other_queue(t), t.rt.person), "move-own")

    def _force(self, ticket):
        t = self.model.tickets[ticket]
        actor = self.rng.choice(MANAGERS)
        group = self.rng.choice(QUEUES) if self.rng.random() < 0.6 else t.rt.group
        owner = self.rng.choice([a for a in AGENTS if a != actor] + [None])
        return self._put(ticket, actor, Holder(group, owner), "force")

    def _accept_in_rt(self, ticket):
        t = self.model.tickets[ticket]
        if t.request is None:
            return False
        target = t.request.target
        actor = self.rng.choice([a for a in AGENTS if self.model.groups.may_receive(a, target)] or [None])
        if actor is None:
            return False
        if target.person is None and self.model.groups.is_member(actor, target.group) and self.rng.random() < 0.6:
            new = Holder(target.group, actor)  # takes it from the queue it was sent to
        elif target.person is None:
            new = Holder(target.group, t.rt.person)  # moves it to the queue asked for
        else:
            new = target
        return self._put(ticket, actor, new, "accept-in-rt")

    # Baton-side answers: the id is the request's as the ledger named it (learnt after the cycle)
    def _answer_target(self, ticket: str, allow_stale: bool) -> tuple[str, str] | None:
        """(handoff id, who answers): mostly a receiver of the open request, sometimes anyone or a stale id."""
        t = self.model.tickets[ticket]
        if t.request is None or t.request.handoff_id is None:
            if allow_stale and t.past_requests and self.rng.random() < 0.3:
                return self.rng.choice(t.past_requests), self.rng.choice(AGENTS)
            return None
        receivers = [p for p in PEOPLE if self.model.groups.may_receive(p, t.request.target)]
        if "dave" in receivers and self.rng.random() < 0.4:
            return t.request.handoff_id, "dave"  # a Baton write RT refuses (dave may not own tickets)
        if receivers and self.rng.random() < 0.85:
            return t.request.handoff_id, self.rng.choice(receivers)
        return t.request.handoff_id, self.rng.choice(PEOPLE)

    def _baton_command(self, ticket: str, verb: str) -> bool:
        seen = self.seen[ticket]
        if seen.unpolled or seen.frozen:
            return False  # Baton would decide on changes it has not read yet: the statement leaves it open
        picked = self._answer_target(ticket, allow_stale=True)
        if picked is None:
            return False
        handoff_id, by = picked
        if verb == "accept":
            expected = self.model.accept(ticket, handoff_id, by)
            result = self.cli("handoff", "accept", handoff_id, "--by", by)
        else:
            expected = self.model.decline(ticket, handoff_id, by)
            result = self.cli("handoff", "decline", handoff_id, "--by", by, "--reason", "not ours: wrong team")
        done = result.exit_code == 0
        if done != expected:
            self.disagreements.append(
                f"rt:{ticket}: baton handoff {verb} {handoff_id} --by {by}: model "
                f"{'allows' if expected else 'refuses'}, Baton answered {result.exit_code}: "
                f"{result.output.strip()}"
            )
        if not expected:
            self.refused[f"{verb}-cli"] += 1
        elif verb == "accept":
            seen.frozen = True
            self.decisions["accepted-cli"] += 1
        t = self.model.tickets[ticket]
        self.note(ticket, f"CLI {verb} {handoff_id} by {by}: {'done' if expected else 'refused'}; L={t.ledger}")
        return True

    def _accept_cli(self, ticket):
        return self._baton_command(ticket, "accept")

    def _decline_cli(self, ticket):
        return self._baton_command(ticket, "decline")

    def _comment_command(self, ticket: str, verb: str) -> bool:
        if self.seen[ticket].frozen:
            return False
        picked = self._answer_target(ticket, allow_stale=True)
        if picked is None or picked[1] not in AGENTS:
            return False
        handoff_id, by = picked
        text = f"/baton accept {handoff_id}" if verb == "accept" else f"/baton decline {handoff_id} not ours"
        Person(by).comment(ticket, text)
        done = (self.model.accept if verb == "accept" else self.model.decline)(ticket, handoff_id, by)
        if not done:
            self.refused[f"{verb}-comment"] += 1
        elif verb == "accept":
            self.seen[ticket].frozen = True  # Baton writes the accepted holder at the next dispatch
            self.decisions["accepted-comment"] += 1
        self.seen[ticket].unpolled = True
        self.note(ticket, f"comment '{text}' by {by}: {'done' if done else 'refused'}")
        return True

    def _accept_comment(self, ticket):
        return self._comment_command(ticket, "accept")

    def _decline_comment(self, ticket):
        return self._comment_command(ticket, "decline")

    def _status(self, ticket):
        if self.seen[ticket].frozen:
            return False
        status, actor = self.rng.choice(("open", "stalled", "resolved")), self.rng.choice(AGENTS)
        answer = Person(actor).update(ticket, Status=status)
        self.seen[ticket].unpolled = True
        self.note(ticket, f"status {status} by {actor}: {answer}")
        return True

    def _comment(self, ticket):
        if self.seen[ticket].frozen:
            return False
        actor = self.rng.choice(AGENTS)
        Person(actor).comment(ticket, "Looked at it: the user says it still happens.")
        self.seen[ticket].unpolled = True
        self.note(ticket, f"comment by {actor}")
        return True

    def _delete(self, ticket):
        if self.lost_budget <= 0:
            return False
        if self.seen[ticket].frozen:
            return False
        actor = self.rng.choice(AGENTS)
        answer = Person(actor).delete(ticket)
        if not any("deleted" in str(m) for m in answer):
            self.refused["delete"] += 1
            return True
        self.model.lost_in_rt(ticket, "deleted")
        self.lost_budget -= 1
        self.note(ticket, f"deleted by {actor}")
        return True

    def _hide(self, ticket):
        if self.lost_budget <= 0:
            return False
        t = self.model.tickets[ticket]
        if self.seen[ticket].frozen:
            return False
        actor = self.rng.choice(AGENTS)
        answer = Person(actor).update(ticket, Queue=RESTRICTED)
        new = self._holder_after(t.rt, answer)
        if new.group != RESTRICTED:
            self.refused["hide"] += 1
            return True
        self.model.lost_in_rt(ticket, "hidden", new)
        self.lost_budget -= 1
        self.note(ticket, f"moved to {RESTRICTED} by {actor}")
        return True
