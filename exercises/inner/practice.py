"""Inner work as a practice: for one person, usable without a partner. Its items are private
to their author; the partner and the therapist see only what the author shared with them."""

from django.db.models import Exists

from exercises.inner import services
from exercises.inner.models import Caretaker, Preparation, Protection, Sitting, Workup
from imago_app.practices import (
    Card,
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


class InnerPractice(Practice):
    slug = "inner"
    label = "Inner work"
    your_data = ("your childhood picture", "how you protect yourself", "your preparations")

    def exercise_links(self):
        return [
            Link("Inner work: for you alone", "inner", position=60, alone=True),
            Link("What I keep longing for", "inner_longings", position=70, alone=True),
        ]

    def home_cards(self, user, couple, context):
        other = context.get("other")
        if other is None:
            return []
        # One query: whether the partner shared anything of their inner work with this couple.
        found = {
            model.__name__: Exists(model.objects.filter(author=other, partner_couple=couple))
            for model in (Workup, Protection, Preparation)
        }
        shared = type(other).objects.filter(pk=other.pk).annotate(**found).values(*found).first()
        if not shared or not any(shared.values()):
            return []
        return [Card("inner/_home_card.html", {"shared": True}, position=80)]

    def announcements(self):
        return {
            "inner_shared": "Your partner changed what they share with you of their inner work."
        }

    def record(self, couple, therapist, people, *, start, end):
        shared = services.shared_with_therapist(couple, list(people.values()))
        return RecordPart(sections=[Section("inner/_record.html", {"shared": shared}, position=60)])

    def homework_kinds(self):
        return [
            HomeworkKind("inner_workup", "Work on your childhood picture"),
            HomeworkKind("inner_protect", "Reflect on how you protect yourself"),
            HomeworkKind("inner_prepare", "Prepare before asking for a dialogue"),
        ]

    def homework_done(self, couple, homework):
        """Sittings with the childhood picture, protection reflections saved, preparations
        made, by the couple's current partners (one query)."""
        members = {"memberships__couple": couple, "memberships__left_at": None}
        kind = homework[0].kind
        if kind == "inner_workup":
            rows = Sitting.objects.filter(
                **{f"workup__author__{k}": v for k, v in members.items()},
                **homework_since("at", homework),
            ).values_list("at", "workup__author__time_zone")
        elif kind == "inner_protect":
            rows = Protection.objects.filter(
                **{f"author__{k}": v for k, v in members.items()},
                **homework_since("updated_at", homework),
            ).values_list("updated_at", "author__time_zone")
        else:
            rows = Preparation.objects.filter(
                **{f"author__{k}": v for k, v in members.items()},
                **homework_since("created_at", homework),
            ).values_list("created_at", "author__time_zone")
        acts = list(rows)
        return [done_in_window(acts, h) for h in homework]

    def longings(self, user):
        found = []
        workup = Workup.objects.filter(author=user).first()
        if workup is None:
            return found
        for caretaker in Caretaker.objects.filter(workup=workup):
            if caretaker.wanted:
                found.append(
                    Longing(
                        caretaker.wanted,
                        f"Your childhood picture: what you wanted from {caretaker.name}",
                        caretaker.updated_at,
                    )
                )
        if workup.longed_for and workup.summary_at:
            found.append(
                Longing(
                    workup.longed_for, "Your childhood picture: your summary", workup.summary_at
                )
            )
        return found

    def export(self, user):
        workup = Workup.objects.filter(author=user).first()
        found = Protection.objects.filter(author=user).first()
        return {
            "childhood_picture": None
            if workup is None
            else {
                "started_at": iso(workup.started_at),
                "caretakers": [
                    {
                        "name": c.name,
                        "good": c.positive,
                        "hard": c.negative,
                        "enjoyed": c.enjoyed,
                        "did_not_like": c.disliked,
                        "wanted_and_did_not_get": c.wanted,
                    }
                    for c in workup.caretakers.all()
                ],
                "frustrations": workup.frustrations,
                "how_you_reacted": workup.reactions,
                "summary": {
                    "drawn_to": workup.drawn_to,
                    "longed_for": workup.longed_for,
                    "protected_by": workup.protected_by,
                },
                "check_ins": [{"at": iso(s.at), "level": s.level} for s in workup.sittings.all()],
            },
            "how_you_protect_yourself": None
            if found is None
            else {
                "recognised": found.chosen,
                "own_words": found.own_words,
                "hope": found.hope,
                "at": iso(found.updated_at),
            },
            "preparations": [
                {
                    "about": p.issue,
                    "feelings": p.feelings,
                    "need": p.need,
                    "i_statement": p.i_statement,
                    "at": iso(p.created_at),
                }
                for p in Preparation.objects.filter(author=user)
            ],
        }

    def item_topic(self, user, pk):
        preparation = Preparation.objects.filter(pk=pk, author=user).first()
        return preparation.issue if preparation else None


practice = InnerPractice()
