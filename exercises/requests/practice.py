"""Requests for change, stretches, the micro-stretch library and repair, as a practice."""

from collections import defaultdict
from datetime import datetime, time

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from exercises.requests.library import micro_stretches
from exercises.requests.models import ChangeRequest, Repair, Stretch, StretchLog
from imago_app import zones
from imago_app.practices import (
    Card,
    HomeworkKind,
    Link,
    Longing,
    News,
    Practice,
    RecordPart,
    Section,
    WeeklyCount,
    Words,
    done_in_window,
    homework_since,
    in_period,
    iso,
    per_week,
)

# A kept stretch's title once the request it came from was deleted with its author's account.
DELETED_REQUEST = "A stretch from a request that was deleted with its author's account"


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
        """The stretches under way in the period (all of them without one) with how often each
        was logged in it, and only the childhood echoes their senders shared, of requests made
        in it (two queries)."""
        stretches = Stretch.objects.filter(couple=couple)
        if start:  # not over before it began: neither ended nor finished early
            stretches = stretches.filter(ends_on__gte=start).exclude(finished_at__date__lt=start)
        if end:
            stretches = stretches.filter(started_on__lte=end)
        stretches = list(
            stretches.select_related("giver")
            .annotate(times=Count("logs", filter=Q(**in_period("logs__at", start, end))))
            .order_by("-started_on")
        )
        echoes = list(
            ChangeRequest.objects.filter(
                couple=couple, echo_shared=True, **in_period("created_at", start, end)
            ).select_related("sender")
        )
        return RecordPart(
            sections=[
                Section(
                    "requests/_record_stretches.html",
                    {"stretches": stretches, "in_period": bool(start or end)},
                    position=30,
                ),
                Section("requests/_record_echoes.html", {"echoes": echoes}, position=50),
            ]
        )

    def weekly_counts(self, couple, start, weeks):
        acts = StretchLog.objects.filter(
            stretch__couple=couple, **zones.around("at", start)
        ).values_list("at", "stretch__giver__time_zone")
        return [WeeklyCount("stretch_logs", "Stretch logs", per_week(acts, start, weeks))]

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
        if homework[0].kind == "request":
            acts = list(
                ChangeRequest.objects.filter(
                    couple=couple, **homework_since("created_at", homework)
                ).values_list("created_at", "sender__time_zone")
            )
            return [done_in_window(acts, h) for h in homework]
        # A micro-stretch counts the logs of stretches picked from that library entry.
        by_micro: dict[str, list] = defaultdict(list)
        for at, zone, micro in StretchLog.objects.filter(
            stretch__couple=couple, **homework_since("at", homework)
        ).values_list("at", "stretch__giver__time_zone", "stretch__micro"):
            by_micro[micro].append((at, zone))
        return [done_in_window(by_micro[h.micro], h) for h in homework]

    def your_words(self, user, couple):
        """Their requests for change (the childhood echo too: it is theirs), the stretches they
        gave with their notes, and the repairs they started (three queries)."""
        words = []
        for c in (
            ChangeRequest.objects.filter(couple=couple, sender=user)
            .prefetch_related("requests")
            .order_by("created_at")
        ):
            lines = [
                f"Underneath it: {c.desire}",
                *(f"You asked: {r.text} ({r.measure})" for r in c.requests.all()),
            ]
            if c.echo:
                lines.append(f"From your childhood: {c.echo}")
            words.append(Words(f"Your request: {c.frustration}", lines, c.created_at, 40))
        for s in Stretch.objects.filter(couple=couple, giver=user).prefetch_related("logs"):
            lines = [log.note for log in s.logs.all() if log.note]
            if s.giver_review:
                lines.append(f"How it went: {s.giver_review}")
            if lines:
                words.append(Words(f"A stretch you gave: {s.title}", lines, s.started_on, 45))
        for r in Repair.objects.filter(couple=couple, author=user).order_by("created_at"):
            lines = [r.what_happened, *(t for t in (r.mirror, r.next_time) if t)]
            words.append(Words("A repair you started", lines, r.created_at, 50))
        return words

    def export(self, user):
        """What they wrote: their requests, stretches and repairs, and what they wrote back on
        their partner's (with the partner's words they answered, but never a private echo)."""
        theirs = {"couple__memberships__user": user}
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
                    "written": iso(c.created_at),
                }
                for c in ChangeRequest.objects.filter(sender=user).prefetch_related("requests")
            ],
            "requests_for_change_mirrored": [
                {
                    "their_frustration": c.frustration,
                    "their_desire": c.desire,
                    "their_requests": [r.text for r in c.requests.all()],
                    "your_mirror": c.mirror,
                    "mirrored": iso(c.mirrored_at),
                }
                for c in ChangeRequest.objects.filter(**theirs, mirrored_at__isnull=False)
                .exclude(sender=user)
                .prefetch_related("requests")
                .distinct()
            ],
            "stretches_given": [
                {
                    "title": s.title,
                    "measure": s.measure,
                    "until": iso(s.ends_on),
                    "times": [{"at": iso(log.at), "note": log.note} for log in s.logs.all()],
                    "your_review": s.giver_review,
                }
                for s in Stretch.objects.filter(giver=user).prefetch_related("logs")
            ],
            "stretches_received": [
                {"title": s.title, "until": iso(s.ends_on), "your_review": s.other_review}
                for s in Stretch.objects.filter(**theirs).exclude(giver=user).distinct()
                if s.other_review
            ],
            "repairs": [
                {
                    "what_happened": r.what_happened,
                    "said_back": r.mirror,
                    "next_time": r.next_time,
                    "started": iso(r.created_at),
                }
                for r in Repair.objects.filter(author=user)
            ],
            "repairs_answered": [
                {"what_happened": r.what_happened, "what_it_was_like": r.what_it_was_like}
                for r in Repair.objects.filter(**theirs).exclude(author=user).distinct()
                if r.what_it_was_like
            ],
        }

    def delete_account(self, user):
        # What they wrote back on their partner's requests, stretches and repairs.
        theirs = {"couple__memberships__user": user}
        ChangeRequest.objects.filter(**theirs).exclude(sender=user).update(mirror="")
        Stretch.objects.filter(**theirs).exclude(giver=user).update(other_review="")
        Repair.objects.filter(**theirs).exclude(author=user).update(what_it_was_like="")
        # A stretch their partner gave from one of their requests stays the partner's (its notes
        # and review); the words it took from the request go with this account.
        Stretch.objects.filter(request__change_request__sender=user).exclude(giver=user).update(
            request=None, title=DELETED_REQUEST, measure=""
        )

    def longings(self, user):
        """The desire under each of their requests for change, and the childhood echo they
        named (one query)."""
        found = []
        for change in ChangeRequest.objects.filter(sender=user):
            about = f"Your request for change about “{change.frustration}”"
            if change.desire:
                found.append(Longing(change.desire, about, change.created_at))
            if change.echo:
                found.append(
                    Longing(change.echo, f"{about}: its echo from childhood", change.created_at)
                )
        return found


practice = RequestsPractice()
