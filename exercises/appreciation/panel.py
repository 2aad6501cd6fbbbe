"""The live part of the appreciations page: one function for the page and its pushes."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from exercises.access import linked_couple
from exercises.appreciation import services
from exercises.appreciation.forms import MirrorForm
from exercises.appreciation.models import Appreciation
from imago_app.keys import screen_key

PANEL = "appreciation/page.html#panel"
CALENDAR_DAYS = 28
WEEKDAYS = [
    ("Mon", "Monday"),
    ("Tue", "Tuesday"),
    ("Wed", "Wednesday"),
    ("Thu", "Thursday"),
    ("Fri", "Friday"),
    ("Sat", "Saturday"),
    ("Sun", "Sunday"),
]


def panel_for(request: HttpRequest) -> tuple[str, dict]:
    couple, other = linked_couple(request.user)
    today = timezone.localdate()
    recent = list(
        Appreciation.objects.filter(
            couple=couple, created_at__gte=timezone.now() - timedelta(days=14)
        ).select_related("author")[:30]
    )
    kept = services.kept_days(couple, days=CALENDAR_DAYS, today=today)
    days = [today - timedelta(days=n) for n in range(CALENDAR_DAYS - 1, -1, -1)]
    streak = 0
    day = today if today in kept else today - timedelta(days=1)
    while day in kept:
        streak += 1
        day -= timedelta(days=1)
    cells = [{"day": d, "kept": d in kept, "today": d == today} for d in days]
    # Weeks from Monday, as a table with the weekdays on top; the days before the first are
    # blank, and a month's name marks the first cell and each first of the month.
    blanks = days[0].weekday()
    padded = [None] * blanks + cells
    padded += [None] * (-len(padded) % 7)
    for n, cell in enumerate(cells):
        cell["month"] = n == 0 or cell["day"].day == 1
    weeks = [padded[i : i + 7] for i in range(0, len(padded), 7)]
    context = {
        "other": other,
        "to_mirror": [a for a in recent if a.author_id == other.pk and not a.mirrored_at],
        "waiting": [a for a in recent if a.author_id == request.user.pk and not a.mirrored_at],
        "exchanged": [a for a in recent if a.mirrored_at][:7],
        "calendar": cells,
        "weeks": weeks,
        "first_day": days[0],
        "streak": streak,
    }
    context["panel_key"] = screen_key(
        {k: v for k, v in context.items() if k not in ("calendar", "weeks")}
        | {"kept": sorted(kept)}
    )
    context["mirror_form"] = MirrorForm()
    context["weekdays"] = WEEKDAYS
    return PANEL, context
