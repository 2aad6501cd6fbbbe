"""A throwaway practice, installed only by tests (tests/imago_app/test_practices.py): it adds
something to every place a practice can, using only the core and no model of its own."""

from django.db.models import OuterRef, Subquery

from imago_app.models import Couple
from imago_app.practices import (
    Card,
    Chart,
    HomeworkKind,
    Link,
    Practice,
    RecordPart,
    Section,
    WeeklyCount,
)


class Breathing(Practice):
    slug = "breathing"
    label = "Breathing together"
    your_data = ("your breaths",)

    def exercise_links(self):
        return [Link("Breathe together", "exercises", position=45)]

    def exercises_entries(self):
        return [Card("throwaway/_exercises_entry.html", position=35)]

    def home_cards(self, user, couple, context):
        return [Card("throwaway/_card.html", {"breaths": 3}, position=5)]

    def announcements(self):
        return {"breath_taken": "Your partner took a breath with you."}

    def last_activity(self, couple: OuterRef):
        # The couple's own creation stands in for "something they did".
        return [Subquery(Couple.objects.filter(pk=couple).values("created_at")[:1])]

    def record(self, couple, therapist, people, *, start, end):
        return RecordPart(
            sections=[Section("throwaway/_record.html", {"breaths": 3}, position=35)],
            charts=[Chart("Breaths taken", None, "No breaths charted yet.", position=15)],
        )

    def weekly_counts(self, couple, start, weeks):
        return [WeeklyCount("breaths", "Breaths together", [7] * weeks)]

    def homework_kinds(self):
        return [HomeworkKind("breathing", "Breathe together for a minute")]

    def homework_done(self, couple, homework):
        return [4 for _ in homework]

    def export(self, user):
        return {"breaths": [{"by": user.username, "count": 3}]}

    def delete_account(self, user):
        Breathing.deleted.append(user.pk)

    deleted: list[int] = []


practice = Breathing()
