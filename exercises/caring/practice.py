"""Caring behaviours as a practice: its link, last activity, follow-through and data."""

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from exercises.caring.models import CaringItem, Gift
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
        acts = Gift.objects.filter(
            item__couple=couple, **zones.around("given_at", start)
        ).values_list("given_at", "giver__time_zone")
        return [WeeklyCount("gifts", "Caring behaviours given", per_week(acts, start, weeks))]

    def homework_kinds(self):
        return [HomeworkKind("caring", "Give a caring behaviour")]

    def homework_done(self, couple, homework):
        acts = list(
            Gift.objects.filter(
                item__couple=couple, **homework_since("given_at", homework)
            ).values_list("given_at", "giver__time_zone")
        )
        return [done_in_window(acts, h) for h in homework]

    def your_words(self, user, couple):
        items = [i.text for i in CaringItem.objects.filter(couple=couple, owner=user)]
        if not items:
            return []
        return [
            Words("Your caring list: I feel loved and cared about when you…", items, position=20)
        ]

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
