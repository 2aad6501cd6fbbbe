"""Appreciations as a practice: its link, last activity, follow-through and data."""

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from exercises.appreciation.models import Appreciation
from imago_app import zones
from imago_app.practices import (
    Card,
    HomeworkKind,
    Link,
    News,
    Practice,
    WeeklyCount,
    Words,
    done_in_window,
    homework_since,
    iso,
    per_week,
)


class AppreciationPractice(Practice):
    slug = "appreciation"
    label = "Appreciations"
    your_data = ("appreciations",)

    def exercise_links(self):
        return [Link("Today's appreciation", "appreciations", position=10)]

    def exercises_entries(self):
        return [Card("appreciation/_exercises_entry.html", position=20)]

    def announcements(self):
        return {
            "appreciation_offered": "Your partner appreciated you.",
            "appreciation_mirrored": "Your partner mirrored your appreciation.",
        }

    def news(self, user, other, since):
        # One query: appreciations to `user` lately, and `user`'s that were mirrored lately.
        url = reverse("appreciations")
        found = []
        for item in Appreciation.objects.filter(
            Q(author=other, created_at__gte=since, couple__memberships__user=user)
            | Q(author=user, mirrored_at__gte=since, couple__memberships__user=other)
        ).order_by("-created_at")[:10]:
            if item.author_id == other.pk:
                found.append(
                    News(
                        item.created_at,
                        f"{other.display_name} appreciated you: {item.text}",
                        url,
                        "Say it back" if item.mirrored_at is None else "Appreciations",
                    )
                )
            else:
                found.append(
                    News(
                        item.mirrored_at,
                        f"{other.display_name} mirrored your appreciation: {item.mirror}",
                        url,
                        "Appreciations",
                    )
                )
        return found

    def last_activity(self, couple: OuterRef):
        latest = Appreciation.objects.filter(couple=couple).order_by("-created_at")
        return [Subquery(latest.values("created_at")[:1])]

    def weekly_counts(self, couple, start, weeks):
        acts = Appreciation.objects.filter(
            couple=couple, mirrored_at__isnull=False, **zones.around("created_at", start)
        ).values_list("created_at", "author__time_zone")
        days = per_week(acts, start, weeks, distinct_days=True)
        return [WeeklyCount("appreciation_days", "Days with an appreciation", days)]

    def homework_kinds(self):
        return [HomeworkKind("appreciation", "Exchange an appreciation")]

    def homework_done(self, couple, homework):
        # A day counts once, however many appreciations it had.
        acts = list(
            Appreciation.objects.filter(
                couple=couple, mirrored_at__isnull=False, **homework_since("created_at", homework)
            ).values_list("created_at", "author__time_zone")
        )
        return [done_in_window(acts, h, distinct_days=True) for h in homework]

    def your_words(self, user, couple):
        return [
            Words("An appreciation you gave", [a.text], a.created_at, position=30)
            for a in Appreciation.objects.filter(couple=couple, author=user).order_by("created_at")
        ]

    def export(self, user):
        return {
            "appreciations_given": [
                {"about": a.about, "text": a.text, "at": iso(a.created_at)}
                for a in Appreciation.objects.filter(author=user)
            ],
            "appreciations_mirrored": [
                {"appreciation": a.text, "your_mirror": a.mirror, "how_it_felt": a.felt}
                for a in Appreciation.objects.filter(
                    couple__memberships__user=user, mirrored_at__isnull=False
                )
                .exclude(author=user)
                .distinct()
            ],
        }

    def delete_account(self, user):
        # What they wrote on their partner's appreciations.
        Appreciation.objects.filter(couple__memberships__user=user).exclude(author=user).update(
            mirror="", felt=""
        )


practice = AppreciationPractice()
