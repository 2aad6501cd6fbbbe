"""The Intentional Dialogue as a practice: its home card, record (outlines, transcripts both
partners shared, shared reflections, the check-in and needs charts), homework and data."""

import secrets
from collections import defaultdict

from django import forms
from django.db.models import OuterRef, Subquery
from django.http import Http404

from dialogue import machine, screens, vocabulary
from dialogue.access import get_dialogue_for_partner
from dialogue.forms import StartForm
from dialogue.machine import PARENT_CHILD_PROGRESS, PROGRESS, Step
from dialogue.models import Dialogue, Event, ParentChildOpening, Reflection
from imago_app import charts
from imago_app.models import Couple, Homework, User
from imago_app.practices import (
    Card,
    Chart,
    HomeworkKind,
    Longing,
    Practice,
    RecordPart,
    Section,
    Words,
    done_in_window,
    homework_since,
    in_period,
    iso,
)


def _outline(events: list[Event], people: dict[int, User]) -> dict:
    steps = PARENT_CHILD_PROGRESS if any(e.step == Step.GIVE for e in events) else PROGRESS
    reached = max((steps.index(Step(e.step)) for e in events if e.step in steps), default=0)
    levels = {
        people[e.actor_id].display_name: e.data.get("level")
        for e in events
        if e.kind == "check_in" and e.actor_id in people
    }
    return {
        "reached": screens.STEP_LABELS[steps[reached]],
        "rounds": max((e.round for e in events), default=1),
        "pauses": sum(1 for e in events if e.kind == "pause"),
        "levels": levels,
        "stopped": any(e.kind == "leave" for e in events),
    }


TOGETHER_MODES = [
    (machine.Mode.SPOKEN, "Out loud: the app shows what to say, nobody types"),
    (machine.Mode.WRITTEN, "Typed: each of you writes your own turn"),
]


def start_form(
    therapist: User | None, both_agreed: bool, topic: str = "", *, together: bool = False
) -> StartForm:
    """The form to begin a dialogue, saying truly who will see its topic: a request to the
    partner on their own phone, or (`together`) a dialogue the two begin at this one screen."""
    device = machine.Device.SHARED_DEVICE if together else machine.Device.TWO_DEVICES
    form = StartForm(
        initial={
            "key": secrets.token_urlsafe(16),
            "device": device,
            "topic": topic,
            # At one screen, talking is the natural default: nobody passes a keyboard around.
            "mode": machine.Mode.SPOKEN if together else machine.Mode.WRITTEN,
        },
        auto_id="together-%s" if together else "id_%s",
    )
    form.fields["device"].widget = forms.HiddenInput()
    # The parent-child dialogue has its own form (`parent_child_form`).
    form.fields["caretaker"].widget = forms.HiddenInput()
    if together:  # its own words, so the two forms on one page never share a label
        form.fields["topic"].label = "What would you two like to talk about? (optional)"
        form.fields["mode"].label = "How will you take turns at this screen?"
        form.fields["mode"].choices = TOGETHER_MODES
        form.fields["timebox"].label = "A time limit, if you like"
    if therapist is not None:
        name = therapist.display_name
        if both_agreed:
            sees = f"{name}, your therapist, will see the topic in the dialogue's outline."
        else:
            sees = f"If you both agree to {name}'s access, they will see the topic in the outline."
        form.fields["topic"].help_text = f"{form.fields['topic'].help_text} {sees}"
    return form


def _charts(timeline, reflections, people) -> list[Chart]:
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
        Chart(
            "Check-in levels",
            charts.check_in_chart(checkins),
            "No check-ins yet. They appear once the couple holds a dialogue.",
            position=10,
        ),
        Chart(
            "Unmet needs named",
            charts.needs_chart(list(labels.values()), months, dict(marks), names),
            "No needs named in shared reflections yet.",
            position=20,
        ),
    ]


def _therapist(context: dict) -> tuple[User | None, bool]:
    """The couple's therapist and whether both agreed, from the home panel's context."""
    link = context.get("link")
    both = bool(context.get("i_consented") and context.get("other_consented"))
    return (link.therapist if link else None), both


def parent_child_form(therapist: User, *, together: bool = False) -> StartForm:
    """The form to begin the parent-child dialogue, which the couple's therapist opened."""
    form = StartForm(
        initial={
            "key": secrets.token_urlsafe(16),
            "device": machine.Device.SHARED_DEVICE if together else machine.Device.TWO_DEVICES,
            "mode": machine.Mode.SPOKEN,
            "variant": machine.Variant.PARENT_CHILD,
        },
        auto_id="parent-child-%s",
    )
    form.fields["caretaker"].required = True
    form.fields["device"].widget = forms.RadioSelect(choices=form.fields["device"].choices)
    form.fields["topic"].widget = forms.HiddenInput()
    form.fields["timebox"].widget = forms.HiddenInput()
    form.fields["caretaker"].help_text += (
        f" {therapist.display_name}, your therapist, will see that you held it and whom it was "
        "with, in the dialogue's outline."
    )
    return form


class DialoguePractice(Practice):
    slug = "dialogue"
    label = "Intentional Dialogue"
    your_data = ("your turns in dialogues", "your reflections")

    def home_cards(self, user, couple, context):
        # One query: the couple's open dialogue, if any.
        dialogue = couple.dialogues.filter(ended_at__isnull=True).first()
        shows = {
            "open_dialogue": dialogue,
            # A request not yet answered, waiting for this partner.
            "dialogue_asks_me": bool(
                dialogue and dialogue.seq == 1 and dialogue.requested_by_id != user.pk
            ),
        }
        therapist, both = _therapist(context)
        # One query, only once both agreed to a therapist: have they opened the parent-child
        # dialogue for the couple?
        shows["parent_child"] = bool(
            both
            and not dialogue
            and ParentChildOpening.objects.filter(
                couple=couple, therapist=therapist, closed_at=None
            ).exists()
        )
        unkeyed = {
            "start_form": start_form(therapist, both),
            "together_form": start_form(therapist, both, together=True),
        }
        if shows["parent_child"]:
            unkeyed["parent_child_form"] = parent_child_form(therapist)
        return [Card("dialogue/_home_card.html", shows, unkeyed=unkeyed, position=10)]

    def announcements(self):
        return {
            "dialogue_requested": "Your partner would like a dialogue.",
            "dialogue_ended": "The dialogue has ended.",
            "parent_child": "Your therapist changed what dialogues are open to you.",
        }

    def last_activity(self, couple: OuterRef):
        latest = Event.objects.filter(dialogue__couple=couple).order_by("-at").values("at")[:1]
        return [Subquery(latest)]

    def record(self, couple, therapist, people, *, start, end):
        """Outlines of every dialogue; the transcript only when both partners shared it; only
        shared reflections (three queries)."""
        period = in_period("created_at", start, end)
        of_dialogues = in_period("dialogue__created_at", start, end)
        dialogues = list(
            couple.dialogues.filter(**period).order_by("-created_at").prefetch_related("shares")
        )
        events_by_dialogue: dict[int, list[Event]] = defaultdict(list)
        events = Event.objects.filter(dialogue__couple=couple, **of_dialogues)
        for event in events.order_by("dialogue_id", "seq"):
            events_by_dialogue[event.dialogue_id].append(event)
        reflections: dict[int, list[Reflection]] = defaultdict(list)
        shared = Reflection.objects.filter(dialogue__couple=couple, shared=True, **of_dialogues)
        for reflection in shared:
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
        opened = ParentChildOpening.objects.filter(
            couple=couple, therapist=therapist, closed_at=None
        ).first()
        return RecordPart(
            sections=[
                Section("dialogue/_record.html", {"timeline": timeline}, position=40),
                Section(
                    "dialogue/_record_parent_child.html",
                    {"opened": opened, "couple": couple},
                    position=62,
                ),
            ],
            charts=_charts(timeline, reflections, people),
        )

    def homework_kinds(self):
        return [HomeworkKind("dialogue", "Hold an Intentional Dialogue")]

    def homework_done(self, couple: Couple, homework: list[Homework]):
        # A dialogue counts for the day of the partner who asked for it.
        acts = list(
            Dialogue.objects.filter(
                couple=couple, **homework_since("created_at", homework)
            ).values_list("created_at", "requested_by__time_zone")
        )
        return [done_in_window(acts, h) for h in homework]

    def export(self, user):
        return {
            "dialogue_turns": [
                {
                    "dialogue": e.dialogue_id,
                    "topic": e.dialogue.topic,
                    "round": e.round,
                    "step": e.step,
                    "move": e.kind,
                    "text": e.text,
                    "details": e.data,
                    "at": iso(e.at),
                }
                for e in Event.objects.filter(actor=user).select_related("dialogue").order_by("at")
            ],
            "reflections": [
                {
                    "dialogue": r.dialogue_id,
                    "text": r.text,
                    "unmet_need": r.unmet_need,
                    "shared_with_therapist": r.shared,
                    "written": iso(r.created_at),
                }
                for r in Reflection.objects.filter(author=user)
            ],
        }

    def your_words(self, user, couple):
        """Per dialogue: what they said in it and their reflection (two queries). The topic
        only when they asked for the dialogue: otherwise it is their partner's words."""
        turns = defaultdict(list)
        for event in Event.objects.filter(dialogue__couple=couple, actor=user).exclude(text=""):
            turns[event.dialogue_id].append(event.text)
        reflections = {
            r.dialogue_id: r
            for r in Reflection.objects.filter(dialogue__couple=couple, author=user).exclude(
                text=""
            )
        }
        words = []
        for dialogue in Dialogue.objects.filter(
            couple=couple, pk__in=set(turns) | set(reflections)
        ).order_by("created_at"):
            about = f": {dialogue.topic}" if dialogue.requested_by_id == user.pk else ""
            if dialogue.pk in turns:
                words.append(
                    Words(
                        f"What you said in a dialogue{about}",
                        turns[dialogue.pk],
                        dialogue.created_at,
                        position=10,
                    )
                )
            if dialogue.pk in reflections:
                reflection = reflections[dialogue.pk]
                words.append(
                    Words(
                        f"Your reflection after a dialogue{about}",
                        [reflection.text],
                        reflection.created_at,
                        position=10,
                    )
                )
        return words

    def delete_account(self, user):
        # Their turns leave the dialogues; what their partner wrote stays with the partner.
        # (Reflections and shares go with the user row, by cascade.) The topic they asked
        # about is their words too, in the row and in its snapshot.
        Event.objects.filter(actor=user).delete()
        for dialogue in Dialogue.objects.filter(requested_by=user).exclude(topic=""):
            dialogue.topic = ""
            dialogue.snapshot = {**dialogue.snapshot, "topic": ""}
            dialogue.save(update_fields=["topic", "snapshot"])

    def topics(self, couple):
        return list(
            Dialogue.objects.filter(couple=couple)
            .exclude(topic="")
            .values_list("topic", "created_at")
        )

    def longings(self, user):
        """Each need the person named in a reflection after a dialogue (one query)."""
        labels = {n["slug"]: n["label"] for n in vocabulary.unmet_needs()}
        found = []
        for reflection in (
            Reflection.objects.filter(author=user).exclude(unmet_need="").select_related("dialogue")
        ):
            topic = reflection.dialogue.topic
            source = f"After the dialogue about “{topic}”" if topic else "After a dialogue"
            label = labels.get(reflection.unmet_need, reflection.unmet_need)
            found.append(Longing(label, source, reflection.created_at, need=label))
        return found

    def item_topic(self, user, pk):
        try:
            return get_dialogue_for_partner(user, pk).topic
        except Http404:
            return None


practice = DialoguePractice()
