"""The one interface through which a practice (the dialogue, each exercise) plugs into the core.

A practice is a Django app with a module `practice.py` that defines `practice = MyPractice()`,
an instance of a subclass of `Practice`. The core finds it through the app registry, as
`django.contrib.admin` finds every `admin.py`: `all()` imports `<app>.practice` for each installed
app that has one, in INSTALLED_APPS order. Nothing else in the core names a practice.

Each method has a default that contributes nothing, so the smallest practice is::

    # myapp/practice.py
    from imago_app.practices import Link, Practice

    class Breathing(Practice):
        slug = "breathing"
        label = "Breathing together"

        def exercise_links(self):
            return [Link("Breathe together", "breathing")]

    practice = Breathing()

Conventions:
- A practice imports the core (`imago_app`) and shared exercise helpers, never another practice.
  To start from another practice's item it asks the registry (`get(slug).item_topic(...)`).
- Methods that read the database cost a bounded number of queries, whatever the amount of data
  (the home page, the dashboard and the record assert it). `last_activity` costs none of its own:
  its subqueries become annotations of the dashboard's one query.
- The record shows only what the couple's authors chose to share with their therapist.
- Templates a practice names live in its own template folder (`templates/<app label>/`).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.apps import apps

if TYPE_CHECKING:
    from django.db.models import Expression, OuterRef

    from imago_app.models import Couple, Homework, User


@dataclass(frozen=True)
class Link:
    """An entry in the home page's list of exercises: a label and a URL name without arguments."""

    label: str
    url_name: str
    position: int = 100  # smaller comes first, across all practices
    # Usable by someone with no partner linked: offered on their home page too.
    alone: bool = False


@dataclass
class Card:
    """A card on a linked partner's home page, rendered with `card` in the panel's context.

    `context` is what the card shows: it is part of the panel's key, so a live push is sent
    exactly when it changes. `unkeyed` is what it needs only to render (a form carrying a fresh
    idempotency key), left out of the key.
    """

    template: str
    context: dict = field(default_factory=dict)
    unkeyed: dict = field(default_factory=dict)
    position: int = 100


@dataclass(frozen=True)
class News:
    """Something the other partner just did for this one (gave, thanked, mirrored, chose), for
    the home page's "From your partner" card. `text` is read from the database for the viewer
    and rendered for them only; the channel layer only ever carries the kind of change."""

    at: datetime
    text: str
    url: str = ""
    link_label: str = ""


@dataclass
class Section:
    """A section of the therapist's couple record: a template rendered with `section` in context."""

    template: str
    context: dict = field(default_factory=dict)
    position: int = 100


@dataclass
class Chart:
    """One chart of the record's "Over time": `chart` is from `imago_app.charts` (or None, and
    the `empty` sentence is shown)."""

    title: str
    chart: dict | None
    empty: str
    position: int = 100


@dataclass
class RecordPart:
    """What a practice adds to a couple's record."""

    sections: list[Section] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class WeeklyCount:
    """A column of the record's week-by-week follow-through table and a series of its chart."""

    key: str  # unique across practices
    label: str
    counts: list[int]  # one per week, oldest first


@dataclass(frozen=True)
class Longing:
    """Something a person said they long for, in their own words, for their private page of
    longings. `need` names a need of the shared vocabulary when the person chose one."""

    text: str
    source: str  # where they said it, as they would recognise it ("After the dialogue on 3 May")
    at: Any  # an aware datetime
    need: str = ""


@dataclass(frozen=True)
class HomeworkKind:
    """A kind of homework a therapist can set. `details` are the choices for the homework's
    detail (its `micro` field), when the kind has them; `detail_missing` says what to pick."""

    value: str  # at most 15 characters; unique across practices
    label: str
    details: list[tuple[str, str]] = field(default_factory=list)
    detail_missing: str = ""


@dataclass
class Words:
    """Something a partner wrote, shown back to them, read-only, once their couple has closed:
    a heading ("Your request: When you are late, I worry."), their own words one paragraph
    each, and when. Never the other partner's words."""

    heading: str
    lines: list[str]
    when: Any = None  # a date or an aware datetime
    position: int = 100


class Practice:
    """The base of every practice. Override what the practice contributes; each default adds
    nothing. Methods receive core objects only (users, couples, homework)."""

    slug: str = ""  # unique, stable: other practices may name it (see `item_topic`)
    label: str = ""
    # How the "your data" page names what a partner wrote in it ("your reflections").
    your_data: tuple[str, ...] = ()

    def exercise_links(self) -> list[Link]:
        """Its entries in the home page's "Exercises for between dialogues" list."""
        return []

    def exercises_entries(self) -> list[Card]:
        """Its entries on the exercises page ("Between dialogues"), rendered with `card` and
        `other` (the partner) in context. No query."""
        return []

    def home_cards(self, user: User, couple: Couple, context: dict) -> list[Card]:
        """Its cards on a partner's home page (shown once the couple is linked). `context` is the
        home panel's context so far (`other`, `link`, `i_consented`, `other_consented`, …).
        At most a fixed number of queries."""
        return []

    def announcements(self) -> dict[str, str]:
        """What the home page's live panel says (to screen readers, and shown) when the practice
        tells a home page that `what` changed (`imago_app.notify.home_changed_after_commit`)."""
        return {}

    def news(self, user: User, other: User, since: datetime) -> list[News]:
        """What `other` did for `user` in this practice since `since`, newest first. Pushed
        live: the practice tells the user's pages after commit
        (`imago_app.notify.home_changed_after_commit`). At most a fixed number of queries."""
        return []

    def last_activity(self, couple: OuterRef) -> list[Expression]:
        """Subqueries, each the latest time of something the couple did in this practice, with
        `couple` standing for the dashboard row's couple. They become annotations of the
        therapist dashboard's one query, so they cost no query of their own."""
        return []

    def record(
        self,
        couple: Couple,
        therapist: User,
        people: dict[int, User],
        *,
        start: date | None,
        end: date | None,
    ) -> RecordPart:
        """Its sections and charts in the couple's record, for the period `start` to `end` when
        given. Only what the authors shared with the therapist. `people` are the current
        partners by id. At most a fixed number of queries."""
        return RecordPart()

    def weekly_counts(self, couple: Couple, start: date, weeks: int) -> list[WeeklyCount]:
        """What the couple did in each of `weeks` weeks from `start` (the record's follow-through
        table and chart), each act on the day of the partner who did it (`per_week`, with
        `imago_app.zones.around` for the query). One query per count."""
        return []

    def homework_kinds(self) -> list[HomeworkKind]:
        """The kinds of homework it offers."""
        return []

    def homework_done(self, couple: Couple, homework: list[Homework]) -> list[int]:
        """For each homework (all of one of its kinds), how many times it was done from the
        moment it was set until its `ends_on`, counted from what the couple did
        (`done_in_window`, with `homework_since` for the query). One query per kind."""
        return [0 for _ in homework]

    def export(self, user: User) -> dict[str, Any]:
        """Its part of the partner's data download: what they wrote and did, and what their
        partner wrote for them to mirror; never the partner's other words."""
        return {}

    def your_words(self, user: User, couple: Couple) -> list[Words]:
        """What `user` wrote in this practice in `couple` (a couple that has closed), for them
        to read again: only their own words, never their partner's. At most a fixed number of
        queries."""
        return []

    def delete_account(self, user: User) -> None:
        """What deleting the account does to its rows, beyond the database's cascades. Runs
        inside the deletion's transaction, after the couple is closed and before the user row
        is deleted."""

    def topics(self, couple: Couple) -> list[tuple[str, Any]]:
        """What the couple talked about in it, as (topic words, aware datetime), for the couple's
        own "when the same struggle comes back". Never who raised it. One query."""
        return []

    def longings(self, user: User) -> list[Longing]:
        """What `user` named, anywhere in this practice, as something they long for or need.
        Only their own words, only for their own eyes. At most a fixed number of queries."""
        return []

    def item_longing(self, user: User, pk: int) -> str | None:
        """What `user` wrote they long for in its item `pk`, if they may open it, else None. Lets
        another practice start from it (a request for change from one's side of a cycle)."""
        return None

    def item_topic(self, user: User, pk: int) -> str | None:
        """The topic of its item `pk` if `user` may open it, else None. Lets another practice
        start from it (a request for change from a dialogue) without importing it."""
        return None


_registry: list[Practice] | None = None


def all() -> list[Practice]:
    """Every installed practice, in INSTALLED_APPS order (found once, then kept)."""
    global _registry
    if _registry is None:
        found = []
        for app in apps.get_app_configs():
            name = f"{app.name}.practice"
            if importlib.util.find_spec(name) is None:
                continue
            found.append(_checked(importlib.import_module(name).practice, name))
        slugs = [p.slug for p in found]
        if len(set(slugs)) != len(slugs):
            raise ValueError(f"two practices share a slug: {slugs}")
        _registry = found
    return _registry


def _checked(practice: object, name: str) -> Practice:
    if not isinstance(practice, Practice) or not practice.slug:
        raise TypeError(f"{name}.practice must be a Practice with a slug")
    return practice


def reset() -> None:
    """Forget the practices found, e.g. after INSTALLED_APPS changed in a test."""
    global _registry
    _registry = None


def get(slug: str) -> Practice | None:
    """The practice with this slug, if it is installed."""
    return next((p for p in all() if p.slug == slug), None)


def from_item(query, user: User, method: str) -> str | None:
    """What another practice's item named in a page's query (`?from=<slug>&item=<id>`) gives
    `user` through its `method` ("item_topic", "item_longing"), or None when the practice or
    the item is not there or not theirs."""
    source = get(query.get("from", ""))
    item = query.get("item", "")
    if source is None or not item.isdigit():
        return None
    return getattr(source, method)(user, int(item))


def homework_kinds() -> dict[str, tuple[Practice, HomeworkKind]]:
    """Every homework kind by value, with the practice that offers it."""
    kinds = {}
    for practice in all():
        for kind in practice.homework_kinds():
            if kind.value in kinds:
                raise ValueError(f"two practices offer homework kind {kind.value!r}")
            kinds[kind.value] = (practice, kind)
    return kinds


def homework_choices() -> list[tuple[str, str]]:
    """`Homework.kind`'s choices (a callable, so the list lives with the practices)."""
    return [(value, kind.label) for value, (_p, kind) in homework_kinds().items()]


def collect(method: Callable[[Practice], list]) -> list:
    """The concatenated contributions of every practice, sorted by `position` when they have one."""
    items = [item for practice in all() for item in method(practice)]
    if items and hasattr(items[0], "position"):
        items.sort(key=lambda item: item.position)
    return items


def per_week(acts, start: date, weeks: int, *, distinct_days: bool = False) -> list[int]:
    """How many of `acts` fall in each of `weeks` weeks from `start`; with `distinct_days`, how
    many different days. Each act is (aware datetime, time zone name of the partner who acted)
    and counts for its day in that zone (`imago_app.zones`). For `weekly_counts`."""
    from imago_app import zones

    days: list[set[date]] = [set() for _ in range(weeks)]
    counts = [0] * weeks
    for stamp, zone_name in acts:
        day = zones.day_of(stamp, zone_name)
        index = (day - start).days // 7
        if 0 <= index < weeks:
            counts[index] += 1
            days[index].add(day)
    return [len(d) for d in days] if distinct_days else counts


def done_in_window(acts, homework: Homework, *, distinct_days: bool = False) -> int:
    """How many of `acts` count for the homework; with `distinct_days`, on how many different
    days. Each act is (aware datetime, time zone name of the partner who acted). An act counts
    from the moment the homework was set (`created_at`: what was done earlier that day is not
    follow-through) until the end of its `ends_on`, a day in the zone of the one who acted.
    For `homework_done`."""
    from imago_app import zones

    days = [
        zones.day_of(stamp, zone_name) for stamp, zone_name in acts if stamp >= homework.created_at
    ]
    days = [day for day in days if day <= homework.ends_on]
    return len(set(days)) if distinct_days else len(days)


def homework_since(field: str, homework: list[Homework]) -> dict:
    """Lookups on the act's datetime `field` for `homework_done`'s one query: every act that may
    count for any of `homework` (`done_in_window` then decides)."""
    from imago_app import zones

    end = max(h.ends_on for h in homework)
    return {
        f"{field}__gte": min(h.created_at for h in homework),
        f"{field}__lt": zones.around(field, end, end)[f"{field}__lt"],
    }


def in_period(field: str, start: date | None, end: date | None) -> dict:
    """Lookups keeping the act's datetime `field` to the record's period: on or after `start`
    and on or before `end`, each when given (a date in the reader's time zone)."""
    period = {}
    if start:
        period[f"{field}__date__gte"] = start
    if end:
        period[f"{field}__date__lte"] = end
    return period


def iso(value) -> str | None:
    """A date or time as ISO 8601 text for an export, or None."""
    return value.isoformat() if value else None
