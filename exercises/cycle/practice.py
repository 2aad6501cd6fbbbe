"""Our cycle as a practice: each partner's side, the loop drawn when both show theirs."""

from exercises.cycle import panel
from exercises.cycle.models import SIDE_FIELDS, Cycle, Side
from imago_app import access
from imago_app.practices import (
    HomeworkKind,
    Link,
    Longing,
    Practice,
    RecordPart,
    Section,
    done_in_window,
    homework_since,
    iso,
)


class CyclePractice(Practice):
    slug = "cycle"
    label = "Our cycle"
    your_data = ("your sides of your cycles",)

    def exercise_links(self):
        return [Link("Our cycle: the loop we get caught in", "cycles", position=55)]

    def record(self, couple, therapist, people, *, start, end):
        """Cycles whose two sides both authors let the therapist see, drawn (one query)."""
        shown = []
        cycles = Cycle.objects.filter(couple=couple).prefetch_related("sides")
        for cycle in cycles:
            sides = {s.author_id: s for s in cycle.sides.all() if s.for_therapist}
            if len(people) == 2 and set(sides) >= set(people):
                drawn = panel.draw([(person, sides[pk]) for pk, person in people.items()])
                shown.append({"cycle": cycle, "drawn": drawn})
        return RecordPart(sections=[Section("cycle/_record.html", {"cycles": shown}, position=65)])

    def homework_kinds(self):
        return [HomeworkKind("cycle", "Map a cycle together")]

    def homework_done(self, couple, homework):
        acts = list(
            Side.objects.filter(
                cycle__couple=couple, **homework_since("updated_at", homework)
            ).values_list("updated_at", "author__time_zone")
        )
        return [done_in_window(acts, h) for h in homework]

    def longings(self, user):
        return [
            Longing(side.long_for, f"Your side of the cycle “{side.cycle.name}”", side.updated_at)
            for side in Side.objects.filter(author=user)
            .exclude(long_for="")
            .select_related("cycle")
        ]

    def export(self, user):
        return {
            "cycle_sides": [
                {"cycle": side.cycle.name, "at": iso(side.updated_at), "shown": side.shown}
                | {name: getattr(side, name) for name in SIDE_FIELDS}
                for side in Side.objects.filter(author=user).select_related("cycle")
            ]
        }

    def item_topic(self, user, pk):
        couple = access.current_couple(user)
        cycle = Cycle.objects.filter(pk=pk, couple=couple).first() if couple else None
        return cycle.name if cycle else None

    def item_longing(self, user, pk):
        side = Side.objects.filter(cycle_id=pk, author=user).exclude(long_for="").first()
        if side is None or access.current_couple(user) != side.cycle.couple:
            return None
        return side.long_for


practice = CyclePractice()
