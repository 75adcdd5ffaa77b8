"""`baton review`: reviews of handoffs and of escalations.

Each subcommand lives in its own module and is imported only when it runs (see BatonGroup).
"""

from __future__ import annotations

import click

from baton_itsm.core.cli.error_display import BatonGroup


@click.group(cls=BatonGroup)
def review() -> None:
    """Review handoffs and escalations."""


review.add_lazy_commands(
    {
        "handoff": "baton_itsm.core.cli.handoff_review:handoff",
        "audit": "baton_itsm.core.cli.handoff_review:audit",
        "escalations": "baton_itsm.core.cli.escalation_review:escalations",
        "escalation": "baton_itsm.core.cli.escalation_review:escalation",
    }
)
