"""The run-time availability of a deployment: its ICS feeds and the source the service's rules engine reads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from baton_itsm.core.away.feeds import AwayFeeds, FeedSpec
from baton_itsm.core.away.ics import Person
from baton_itsm.core.settings.availability import deployment_zone
from baton_itsm.core.settings.models import BatonConfig


def build_feeds(config: BatonConfig, base_dir: Path | None = None) -> AwayFeeds:
    """Every configured feed; a relative file path is read from the deployment file's folder."""

    def located(location: str) -> str:
        if urlsplit(location).scheme in ("http", "https") or base_dir is None:
            return location
        return str(base_dir / Path(location).expanduser())

    def person(name: str) -> Person:
        entry = config.people.get(name)
        return Person(name, entry.name if entry else None, entry.email if entry else None)

    specs = [FeedSpec(name, located(p.away_feed), person=name) for name, p in config.people.items() if p.away_feed]
    specs += [
        FeedSpec(name, located(g.away_feed), people=tuple(person(m) for m in dict.fromkeys([*g.members, *g.managers])))
        for name, g in config.groups.items()
        if g.away_feed
    ]
    return AwayFeeds(specs, deployment_zone(config), timedelta(minutes=config.rules.availability.feed_refresh_minutes))
