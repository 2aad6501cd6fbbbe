"""Each person's own time zone, and the rule for which day an act counts for.

Every page and every push is shown in the viewer's zone (`TimeZoneMiddleware`, `viewing`).
A couple's "day" follows one rule everywhere (the streak, the calendar, homework, the weekly
charts): an act counts for the calendar day in the zone of the partner who acted, at the moment
they acted (`day_of`). A person whose zone is not known yet is in the server's `TIME_ZONE`.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.utils import timezone


@functools.cache
def names() -> frozenset[str]:
    """Every IANA zone name this machine knows."""
    return frozenset(available_timezones())


@functools.cache
def choices() -> list[tuple[str, str]]:
    """The zones for a select, by region then city, readable ("America/Los Angeles")."""
    return [(name, name.replace("_", " ")) for name in sorted(names()) if "/" in name] + [
        ("UTC", "UTC")
    ]


def valid(name: str | None) -> str | None:
    """`name` if it is a zone this machine knows, else None."""
    name = (name or "").strip()
    return name if name in names() else None


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(name: str | None) -> ZoneInfo:
    """The zone of that name; the server's `TIME_ZONE` for an empty or unknown one."""
    return _zone(valid(name) or settings.TIME_ZONE)


def of(user) -> ZoneInfo:
    """The person's zone (the server's for someone signed out or not yet known)."""
    return zone(getattr(user, "time_zone", ""))


def viewing(user):
    """A context manager: times rendered inside it are in `user`'s zone (for socket pushes)."""
    return timezone.override(of(user))


def day_of(stamp: datetime, zone_name: str | None) -> date:
    """The day an act done at `stamp` counts for: its date in the zone of the one who acted."""
    return stamp.astimezone(zone(zone_name)).date()


def around(field: str, start: date, end: date | None = None) -> dict:
    """Lookups on the datetime `field` that keep every act whose day, in any zone on Earth
    (UTC-12 to UTC+14), may fall from `start` to `end`: a day more on each side, in UTC.
    `day_of` then decides."""
    lookups = {f"{field}__gte": datetime.combine(start - timedelta(days=1), time.min, UTC)}
    if end is not None:
        lookups[f"{field}__lt"] = datetime.combine(end + timedelta(days=2), time.min, UTC)
    return lookups
