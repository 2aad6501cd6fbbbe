"""A couple's record as their therapist may read it, composed from the practices.

Each practice contributes its sections and charts (`Practice.record`) and its week-by-week
follow-through (`Practice.weekly_counts`), with only what its authors shared. The query count
does not grow with the history: one query here, plus each practice's bounded number.
"""

from datetime import date, timedelta

from django.utils import timezone

from imago_app import charts, practices
from imago_app.models import Couple, Membership, User

WEEKS = 4


def couple_record(
    couple: Couple, therapist: User, *, start: date | None = None, end: date | None = None
) -> dict:
    """The record, optionally for what happened between `start` and `end` (for printing)."""
    people = {
        m.user_id: m.user
        for m in Membership.objects.current().filter(couple=couple).select_related("user")
    }
    sections: list[practices.Section] = []
    chart_items: list[practices.Chart] = []
    for practice in practices.all():
        part = practice.record(couple, therapist, people, start=start, end=end)
        sections += part.sections
        chart_items += part.charts
    weeks, columns = follow_through(couple, until=end)
    chart_items.sort(key=lambda c: c.position)
    last_day = weeks[-1]["from"] + timedelta(days=6)
    chart_items.append(
        practices.Chart(
            f"Follow-through per week, the four weeks to {last_day.day} {last_day:%B}",
            charts.follow_through_chart(weeks, series=columns),
            "No exercises done in these four weeks.",
        )
    )
    sections.sort(key=lambda s: s.position)
    return {
        "partners": list(people.values()),
        "sections": sections,
        "weeks": weeks,
        "columns": [label for _key, label in columns],
        "charts": chart_items,
    }


def follow_through(
    couple: Couple, until: date | None = None
) -> tuple[list[dict], list[tuple[str, str]]]:
    """Exercise follow-through for each of the last weeks, oldest first, and its columns as
    (key, label). Each week is {"from": its first day, "counts": one per column, key: count}."""
    today = until or timezone.localdate()
    start = today - timedelta(days=7 * WEEKS - 1)
    counts = [
        c for practice in practices.all() for c in practice.weekly_counts(couple, start, WEEKS)
    ]
    weeks = []
    for n in range(WEEKS):
        week: dict = {
            "from": start + timedelta(days=7 * n),
            "counts": [c.counts[n] for c in counts],
        }
        week |= {c.key: c.counts[n] for c in counts}
        weeks.append(week)
    return weeks, [(c.key, c.label) for c in counts]
