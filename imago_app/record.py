"""A couple's record as their therapist may read it: what both chose to share, and outlines.

Private material (check-in levels aside, which the outline shows the therapist) never enters:
unshared reflections, childhood echoes not shared, and transcripts one partner has not agreed
to share are not read here at all. The query count does not grow with the history.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count
from django.utils import timezone

from dialogue import screens, vocabulary
from dialogue.machine import PROGRESS, Step
from dialogue.models import Event, Reflection
from exercises.appreciation.models import Appreciation
from exercises.caring.models import Gift
from exercises.requests.models import ChangeRequest, Stretch, StretchLog
from imago_app import charts
from imago_app.models import Couple, Membership, User

WEEKS = 4


def _outline(events: list[Event], people: dict[int, User]) -> dict:
    reached = max((PROGRESS.index(Step(e.step)) for e in events if e.step in PROGRESS), default=0)
    levels = {
        people[e.actor_id].display_name: e.data.get("level")
        for e in events
        if e.kind == "check_in" and e.actor_id in people
    }
    return {
        "reached": screens.STEP_LABELS[PROGRESS[reached]],
        "rounds": max((e.round for e in events), default=1),
        "pauses": sum(1 for e in events if e.kind == "pause"),
        "levels": levels,
        "stopped": any(e.kind == "leave" for e in events),
    }


def couple_record(
    couple: Couple, therapist: User, *, start: date | None = None, end: date | None = None
) -> dict:
    """The record, optionally for dialogues held between `start` and `end` (for printing)."""
    period = {}
    if start:
        period["created_at__date__gte"] = start
    if end:
        period["created_at__date__lte"] = end
    in_period = {f"dialogue__{k}": v for k, v in period.items()}
    people = {
        m.user_id: m.user
        for m in Membership.objects.current().filter(couple=couple).select_related("user")
    }
    dialogues = list(
        couple.dialogues.filter(**period).order_by("-created_at").prefetch_related("shares")
    )
    events_by_dialogue: dict[int, list[Event]] = defaultdict(list)
    events = Event.objects.filter(dialogue__couple=couple, **in_period)
    for event in events.order_by("dialogue_id", "seq"):
        events_by_dialogue[event.dialogue_id].append(event)
    reflections: dict[int, list[Reflection]] = defaultdict(list)
    for reflection in Reflection.objects.filter(dialogue__couple=couple, shared=True, **in_period):
        reflections[reflection.dialogue_id].append(reflection)

    timeline = []
    for dialogue in dialogues:
        events = events_by_dialogue[dialogue.pk]
        both_shared = {s.partner_id for s in dialogue.shares.all()} >= set(people)
        timeline.append(
            {
                "dialogue": dialogue,
                "outline": _outline(events, people),
                "transcript": screens.transcript(events, viewer=therapist, people=people)
                if both_shared and people
                else None,
                "reflections": [
                    {
                        "author": people.get(r.author_id),
                        "text": r.text,
                        "need": r.get_unmet_need_display(),
                    }
                    for r in reflections[dialogue.pk]
                ],
            }
        )
    weeks = follow_through(couple, until=end)
    return {
        "partners": list(people.values()),
        "timeline": timeline,
        "echoes": list(
            ChangeRequest.objects.filter(couple=couple, echo_shared=True).select_related("sender")
        ),
        "weeks": weeks,
        "stretches": list(
            Stretch.objects.filter(couple=couple)
            .select_related("giver")
            .annotate(times=Count("logs"))
            .order_by("-started_on")
        ),
        "charts": _charts(timeline, reflections, people, weeks),
    }


def _charts(timeline, reflections, people, weeks) -> list[dict]:
    """The three charts, each with its heading and either a picture or a kind empty note."""
    checkins = [
        (entry["dialogue"].created_at.strftime("%d %b"), entry["outline"]["levels"])
        for entry in reversed(timeline)
        if entry["outline"]["levels"]
    ]
    names = [p.display_name for p in people.values()]
    order = {pk: i for i, pk in enumerate(people)}
    labels = {n["slug"]: n["label"] for n in vocabulary.unmet_needs()}
    marks: dict[tuple[str, str], list[int]] = defaultdict(list)
    months: list[str] = []
    shared = sorted((r for rs in reflections.values() for r in rs), key=lambda r: r.created_at)
    for reflection in shared:
        if reflection.unmet_need and reflection.author_id in order:
            month = reflection.created_at.strftime("%b %Y")
            if month not in months:
                months.append(month)
            cell = marks[(labels[reflection.unmet_need], month)]
            if order[reflection.author_id] not in cell:
                cell.append(order[reflection.author_id])
    return [
        {
            "title": "Check-in levels",
            "chart": charts.check_in_chart(checkins),
            "empty": "No check-ins yet. They appear once the couple holds a dialogue.",
        },
        {
            "title": "Unmet needs named",
            "chart": charts.needs_chart(list(labels.values()), months, dict(marks), names),
            "empty": "No needs named in shared reflections yet.",
        },
        {
            "title": "Follow-through per week",
            "chart": charts.follow_through_chart(weeks),
            "empty": "No exercises done in the last four weeks yet.",
        },
    ]


def follow_through(couple: Couple, until: date | None = None) -> list[dict]:
    """Exercise follow-through for each of the last weeks, oldest first (three queries)."""
    today = until or timezone.localdate()
    start = today - timedelta(days=7 * WEEKS - 1)
    weeks = [
        {
            "from": start + timedelta(days=7 * n),
            "appreciation_days": set(),
            "gifts": 0,
            "stretch_logs": 0,
        }
        for n in range(WEEKS)
    ]

    def week_of(stamp) -> dict | None:
        index = (timezone.localtime(stamp).date() - start).days // 7
        return weeks[index] if 0 <= index < WEEKS else None

    for stamp in Appreciation.objects.filter(
        couple=couple, mirrored_at__isnull=False, created_at__date__gte=start
    ).values_list("created_at", flat=True):
        if (week := week_of(stamp)) is not None:
            week["appreciation_days"].add(timezone.localtime(stamp).date())
    for stamp in Gift.objects.filter(item__couple=couple, given_at__date__gte=start).values_list(
        "given_at", flat=True
    ):
        if (week := week_of(stamp)) is not None:
            week["gifts"] += 1
    for stamp in StretchLog.objects.filter(stretch__couple=couple, at__date__gte=start).values_list(
        "at", flat=True
    ):
        if (week := week_of(stamp)) is not None:
            week["stretch_logs"] += 1
    for week in weeks:
        week["appreciation_days"] = len(week["appreciation_days"])
    return weeks
