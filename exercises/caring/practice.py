"""Caring behaviours as a practice: its link, last activity, follow-through and data."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.urls import reverse

from exercises.caring.models import CaringItem, Gift
from imago_app.practices import (
    Card,
    HomeworkKind,
    Link,
    News,
    Practice,
    WeeklyCount,
    done_in_window,
    iso,
    per_week,
)


class CaringPractice(Practice):
    slug = "caring"
    label = "Caring behaviours"
    your_data = ("your lists",)

    def exercise_links(self):
        return [Link("Caring behaviours", "caring", position=20)]

    def exercises_entries(self):
        return [Card("caring/_exercises_entry.html", position=10)]

    def announcements(self):
        return {
            "caring_given": "Your partner gave you a caring behaviour.",
            "caring_thanked": "Your partner said thank you for what you gave.",
        }

    def news(self, user, other, since):
        # One query: gifts to `user` lately, and `user`'s gifts that were thanked lately.
        gifts = Gift.objects.filter(
            Q(item__owner=user, giver=other, given_at__gte=since)
            | Q(giver=user, item__owner=other, thanked_at__gte=since)
        ).select_related("item")[:10]
        url = reverse("caring")
        found = []
        for gift in gifts:
            if gift.giver_id == other.pk and gift.given_at >= since:
                found.append(
                    News(
                        gift.given_at,
                        f"{other.display_name} gave you this: {gift.item.text}",
                        url,
                        "Say thank you" if gift.thanked_at is None else "Caring behaviours",
                    )
                )
            if gift.giver_id == user.pk and gift.thanked_at:
                found.append(
                    News(
                        gift.thanked_at,
                        f"{other.display_name} said thank you for: {gift.item.text}",
                        url,
                        "Caring behaviours",
                    )
                )
        return found

    def last_activity(self, couple: OuterRef):
        latest = Gift.objects.filter(item__couple=couple).order_by("-given_at").values("given_at")
        return [Subquery(latest[:1])]

    def weekly_counts(self, couple, start, weeks):
        stamps = Gift.objects.filter(item__couple=couple, given_at__date__gte=start).values_list(
            "given_at", flat=True
        )
        return [WeeklyCount("gifts", "Caring behaviours given", per_week(stamps, start, weeks))]

    def homework_kinds(self):
        return [HomeworkKind("caring", "Give a caring behaviour")]

    def homework_done(self, couple, homework):
        start = min(h.starts_on for h in homework)
        end = max(h.ends_on for h in homework)
        per_day = {
            row["day"]: row["n"]
            for row in Gift.objects.filter(
                item__couple=couple, given_at__date__gte=start, given_at__date__lte=end
            )
            .annotate(day=TruncDate("given_at"))
            .values("day")
            .annotate(n=Count("pk"))
        }
        return [done_in_window(per_day, h) for h in homework]

    def export(self, user):
        return {
            "caring_list": [
                {"text": i.text, "when": i.when, "importance": i.importance}
                for i in CaringItem.objects.filter(owner=user)
            ],
            "caring_given": [
                {"item": g.item.text, "at": iso(g.given_at)}
                for g in Gift.objects.filter(giver=user).select_related("item")
            ],
        }


practice = CaringPractice()
