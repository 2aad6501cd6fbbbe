"""Requests for change, stretches, the micro-stretch library and repair, as a practice."""

from collections import defaultdict
from datetime import datetime, time

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from exercises.requests.library import micro_stretches
from exercises.requests.models import ChangeRequest, Repair, Stretch, StretchLog
from imago_app.practices import (
    Card,
    HomeworkKind,
    Link,
    News,
    Practice,
    RecordPart,
    Section,
    WeeklyCount,
    done_in_window,
    iso,
    per_week,
)


class RequestsPractice(Practice):
    slug = "requests"
    label = "Requests for change and stretches"
    your_data = ("requests", "stretches", "repairs")

    def exercise_links(self):
        return [
            Link("Requests for change and stretches", "requests", position=30),
            Link("Micro-stretches", "stretch_library", position=40),
            Link("Repair after a hard moment", "repair_new", position=50),
        ]

    def exercises_entries(self):
        return [
            Card("requests/_exercises_entry.html", position=30),
            Card("requests/_exercises_entry_micro.html", position=40),
        ]

    def announcements(self):
        return {
            "requests_mirrored": "Your partner mirrored your request.",
            "stretch_chosen": "Your partner chose a stretch to give you.",
        }

    def news(self, user, other, since):
        """Two queries: `user`'s requests that `other` mirrored lately, and the stretches `other`
        started for `user` lately (a request chosen as a gift, or a micro-stretch)."""
        found = [
            News(
                change.mirrored_at,
                f"{other.display_name} mirrored your request: {change.frustration}",
                reverse("change_request", args=[change.pk]),
                "Read their mirror",
            )
            for change in ChangeRequest.objects.filter(
                sender=user, couple__memberships__user=other, mirrored_at__gte=since
            ).order_by("-mirrored_at")[:5]
        ]
        for stretch in Stretch.objects.filter(
            giver=other, started_on__gte=timezone.localdate(since), couple__memberships__user=user
        ).order_by("-started_on", "-pk")[:5]:
            # A stretch keeps only the day it started: it sorts at that day's start.
            day = timezone.make_aware(datetime.combine(stretch.started_on, time.min))
            what = "chose to give you" if stretch.request_id else "picked a micro-stretch for you"
            found.append(
                News(
                    max(day, since),
                    f"{other.display_name} {what}: {stretch.title}",
                    reverse("stretch", args=[stretch.pk]),
                    "See the stretch",
                )
            )
        return found

    def last_activity(self, couple: OuterRef):
        log = StretchLog.objects.filter(stretch__couple=couple).order_by("-at").values("at")
        change = ChangeRequest.objects.filter(couple=couple).order_by("-created_at")
        return [Subquery(log[:1]), Subquery(change.values("created_at")[:1])]

    def record(self, couple, therapist, people, *, start, end):
        """Every stretch with how often it was logged, and only the childhood echoes their
        senders shared (two queries)."""
        stretches = list(
            Stretch.objects.filter(couple=couple)
            .select_related("giver")
            .annotate(times=Count("logs"))
            .order_by("-started_on")
        )
        echoes = list(
            ChangeRequest.objects.filter(couple=couple, echo_shared=True).select_related("sender")
        )
        return RecordPart(
            sections=[
                Section("requests/_record_stretches.html", {"stretches": stretches}, position=30),
                Section("requests/_record_echoes.html", {"echoes": echoes}, position=50),
            ]
        )

    def weekly_counts(self, couple, start, weeks):
        stamps = StretchLog.objects.filter(stretch__couple=couple, at__date__gte=start).values_list(
            "at", flat=True
        )
        return [WeeklyCount("stretch_logs", "Stretch logs", per_week(stamps, start, weeks))]

    def homework_kinds(self):
        return [
            HomeworkKind("request", "Write a request for change"),
            HomeworkKind(
                "micro",
                "A micro-stretch",
                details=[(m["slug"], m["title"]) for m in micro_stretches()],
                detail_missing="Choose which micro-stretch.",
            ),
        ]

    def homework_done(self, couple, homework):
        start = min(h.starts_on for h in homework)
        end = max(h.ends_on for h in homework)
        if homework[0].kind == "request":
            per_day = {
                row["day"]: row["n"]
                for row in ChangeRequest.objects.filter(
                    couple=couple, created_at__date__gte=start, created_at__date__lte=end
                )
                .annotate(day=TruncDate("created_at"))
                .values("day")
                .annotate(n=Count("pk"))
            }
            return [done_in_window(per_day, h) for h in homework]
        # A micro-stretch counts the logs of stretches picked from that library entry.
        micro_days: dict[str, dict] = defaultdict(lambda: defaultdict(int))
        for row in (
            StretchLog.objects.filter(
                stretch__couple=couple, at__date__gte=start, at__date__lte=end
            )
            .annotate(day=TruncDate("at"))
            .values("day", "stretch__micro")
            .annotate(n=Count("pk"))
        ):
            micro_days[row["stretch__micro"]][row["day"]] += row["n"]
        return [done_in_window(micro_days[h.micro], h) for h in homework]

    def export(self, user):
        return {
            "requests_for_change": [
                {
                    "frustration": c.frustration,
                    "desire": c.desire,
                    "childhood_echo": c.echo,
                    "echo_shared_with_therapist": c.echo_shared,
                    "requests": [
                        {"text": r.text, "measure": r.measure, "until": iso(r.ends_on)}
                        for r in c.requests.all()
                    ],
                }
                for c in ChangeRequest.objects.filter(sender=user).prefetch_related("requests")
            ],
            "stretches_given": [
                {
                    "title": s.title,
                    "measure": s.measure,
                    "until": iso(s.ends_on),
                    "times": [iso(log.at) for log in s.logs.all()],
                    "your_review": s.giver_review,
                }
                for s in Stretch.objects.filter(giver=user).prefetch_related("logs")
            ],
            "repairs": [
                {"what_happened": r.what_happened, "said_back": r.mirror, "next_time": r.next_time}
                for r in Repair.objects.filter(author=user)
            ],
        }

    def delete_account(self, user):
        # What they wrote on their partner's repairs.
        Repair.objects.filter(couple__memberships__user=user).exclude(author=user).update(
            what_it_was_like=""
        )


practice = RequestsPractice()
