"""How far a couple has followed their homework: counted from what they did, not ticked off."""

from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import TruncDate

from dialogue.models import Dialogue
from exercises.appreciation.models import Appreciation
from exercises.caring.models import Gift
from exercises.requests.models import ChangeRequest, StretchLog
from imago_app.models import Couple, Homework


def with_progress(couple: Couple, homework: list[Homework]) -> list[dict]:
    """Each homework with how many times it was done in its window (one query per kind)."""
    if not homework:
        return []
    start = min(h.starts_on for h in homework)
    end = max(h.ends_on for h in homework)
    per_day: dict[str, dict] = defaultdict(lambda: defaultdict(int))

    def count_days(kind, queryset, field):
        for row in queryset.annotate(day=TruncDate(field)).values("day").annotate(n=Count("pk")):
            per_day[kind][row["day"]] += row["n"]

    kinds = {h.kind for h in homework}
    window = {"__date__gte": start, "__date__lte": end}

    def within(field):
        return {f"{field}{k}": v for k, v in window.items()}

    if Homework.Kind.DIALOGUE in kinds:
        count_days(
            "dialogue", Dialogue.objects.filter(couple=couple, **within("created_at")), "created_at"
        )
    if Homework.Kind.APPRECIATION in kinds:
        # A day counts once, however many appreciations it had.
        for row in (
            Appreciation.objects.filter(
                couple=couple, mirrored_at__isnull=False, **within("created_at")
            )
            .annotate(day=TruncDate("created_at"))
            .values("day")
            .distinct()
        ):
            per_day["appreciation"][row["day"]] = 1
    if Homework.Kind.CARING in kinds:
        count_days(
            "caring", Gift.objects.filter(item__couple=couple, **within("given_at")), "given_at"
        )
    if Homework.Kind.REQUEST in kinds:
        count_days(
            "request",
            ChangeRequest.objects.filter(couple=couple, **within("created_at")),
            "created_at",
        )
    micro_days: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    if Homework.Kind.MICRO in kinds:
        for row in (
            StretchLog.objects.filter(stretch__couple=couple, **within("at"))
            .annotate(day=TruncDate("at"))
            .values("day", "stretch__micro")
            .annotate(n=Count("pk"))
        ):
            micro_days[row["stretch__micro"]][row["day"]] += row["n"]

    result = []
    for h in homework:
        days = micro_days[h.micro] if h.kind == Homework.Kind.MICRO else per_day[h.kind]
        done = sum(n for day, n in days.items() if h.starts_on <= day <= h.ends_on)
        result.append({"homework": h, "done": done})
    return result
