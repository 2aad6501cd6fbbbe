"""Writes for inner work. Each is one transaction; refused actions change nothing.

Nothing here reaches the channel layer but the kind of change ("inner_shared"), and only
when what the partner may read has changed.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from exercises import phrasing
from exercises.inner import protection, steps
from exercises.inner.models import Caretaker, Preparation, Protection, Sitting, Workup
from imago_app import access, notify
from imago_app.models import User
from imago_app.services import Refused

# A sitting lasts this long after its check-in; after it, the next part asks again.
SITTING = timedelta(hours=3)
LOW = 3  # a check-in at or under this offers to stop or slow down


class NeedsRewording(Refused):
    def __init__(self, hints: list[str]):
        super().__init__(" ".join(hints))
        self.hints = hints


def workup_for(user: User) -> Workup:
    workup, _created = Workup.objects.get_or_create(author=user)
    return workup


def in_sitting(workup: Workup) -> bool:
    """Whether the person checked in for this sitting (recently enough)."""
    return workup.sittings.filter(at__gte=timezone.now() - SITTING, ended_at=None).exists()


def end_sitting(workup: Workup) -> None:
    workup.sittings.filter(ended_at=None).update(ended_at=timezone.now())


@transaction.atomic
def check_in(*, user: User, level: int) -> Sitting:
    if not 0 <= level <= 10:
        raise Refused("Choose a number from 0 to 10.")
    return Sitting.objects.create(workup=workup_for(user), level=level)


def _advance(workup: Workup, step: str, stay: bool = False) -> None:
    """Come back next time to the part after `step`, or with `stay` (saved and stopped here),
    to `step` itself."""
    workup.resume_at = step if stay else steps.next_step(step, workup.caretakers.count())
    workup.save()
    if stay:
        end_sitting(workup)


@transaction.atomic
def save_people(*, user: User, names: list[str], stay: bool = False) -> Workup:
    """Name up to three caretakers. A name removed removes what was written about them."""
    names = [n.strip() for n in names if n.strip()][: steps.MAX_CARETAKERS]
    if not names:
        raise Refused("Name at least one person who looked after you, in any way you like.")
    workup = workup_for(user)
    workup.caretakers.filter(position__gt=len(names)).delete()
    for position, name in enumerate(names, start=1):
        Caretaker.objects.update_or_create(
            workup=workup, position=position, defaults={"name": name}
        )
    _advance(workup, steps.PEOPLE, stay)
    return workup


PERSON_FIELDS = ("positive", "negative", "enjoyed", "disliked", "wanted")


@transaction.atomic
def save_person(*, user: User, position: int, stay: bool = False, **fields: str) -> Caretaker:
    workup = workup_for(user)
    caretaker = workup.caretakers.filter(position=position).first()
    if caretaker is None:
        raise Refused("Name the people who looked after you first.")
    for name in PERSON_FIELDS:
        setattr(caretaker, name, fields.get(name, "").strip())
    caretaker.save()
    _advance(workup, steps.person(position), stay)
    return caretaker


@transaction.atomic
def save_frustrations(
    *, user: User, frustrations: str, reactions: str, stay: bool = False
) -> Workup:
    workup = workup_for(user)
    workup.frustrations, workup.reactions = frustrations.strip(), reactions.strip()
    _advance(workup, steps.FRUSTRATIONS, stay)
    return workup


@transaction.atomic
def save_summary(*, user: User, drawn_to: str, longed_for: str, protected_by: str) -> Workup:
    workup = workup_for(user)
    workup.drawn_to = drawn_to.strip()
    workup.longed_for = longed_for.strip()
    workup.protected_by = protected_by.strip()
    workup.summary_at = timezone.now()
    workup.resume_at = steps.SUMMARY
    workup.save()
    end_sitting(workup)
    return workup


@transaction.atomic
def save_ground(*, user: User, stay: bool = False) -> Workup:
    workup = workup_for(user)
    _advance(workup, steps.GROUND, stay)
    return workup


@transaction.atomic
def save_protection(*, user: User, chosen: list[str], own_words: str, hope: str) -> Protection:
    chosen = [slug for slug in chosen if slug in protection.SLUGS]
    if not chosen and not own_words.strip():
        raise Refused("Choose any that sound like you, or say it in your own words.")
    found, _created = Protection.objects.get_or_create(author=user)
    found.chosen, found.own_words, found.hope = chosen, own_words.strip(), hope.strip()
    found.updated_at = timezone.now()
    found.save()
    return found


@transaction.atomic
def save_preparation(
    *,
    user: User,
    issue: str,
    feelings: str,
    need: str,
    i_statement: str,
    keep_as_written: bool,
    preparation: Preparation | None = None,
) -> Preparation:
    """A preparation; wording that reads as a story about the other is kept only on purpose."""
    hints = phrasing.feeling_hints(feelings) + phrasing.feeling_hints(i_statement)
    if hints and not keep_as_written:
        raise NeedsRewording(list(dict.fromkeys(hints)))
    preparation = preparation or Preparation(author=user)
    preparation.issue = issue.strip()
    preparation.feelings, preparation.need = feelings.strip(), need.strip()
    preparation.i_statement = i_statement.strip()
    preparation.save()
    return preparation


def audience(user: User) -> dict:
    """Who the user could share an item with, right now: their partner (a User or None) and
    their therapist (a User, only when both partners agreed to the therapist's access)."""
    couple = access.current_couple(user)
    other = access.other_partner(couple, user) if couple else None
    therapist = None
    if couple is not None and other is not None:
        found, both_agreed = access.couple_therapist(couple.pk)
        therapist = found if both_agreed else None
    return {"couple": couple, "partner": other, "therapist": therapist}


@transaction.atomic
def share(*, item, user: User, with_partner: bool, with_therapist: bool) -> None:
    """Who may read `item` from now on. Refused when the person to share with isn't there."""
    if item.author_id != user.pk:
        raise Refused("Only its author can share this.")
    who = audience(user)
    if with_partner and who["partner"] is None:
        raise Refused("There's no partner linked with you to share this with yet.")
    if with_therapist and who["therapist"] is None:
        raise Refused(
            "You can share this with a therapist once you and your partner have both agreed "
            "to their access."
        )
    partner_before = item.partner_couple_id
    item.partner_couple = who["couple"] if with_partner else None
    item.therapist_couple = who["couple"] if with_therapist else None
    item.save(update_fields=["partner_couple", "therapist_couple"])
    if who["partner"] is not None and partner_before != item.partner_couple_id:
        notify.home_changed_after_commit([who["partner"].pk], "inner_shared")


def shared_with_partner(viewer: User) -> dict:
    """What the viewer's current partner shared with them: the workup, protection and
    preparations whose `partner_couple` is the couple they are both in now."""
    couple = access.current_couple(viewer)
    other = access.other_partner(couple, viewer) if couple else None
    if other is None:
        return {"other": None, "workup": None, "protection": None, "preparations": []}
    return _shared(other, partner_couple=couple) | {"other": other}


def _shared(author: User, **where) -> dict:
    workup = Workup.objects.filter(author=author, **where).prefetch_related("caretakers").first()
    found = Protection.objects.filter(author=author, **where).first()
    return {
        "workup": workup,
        "protection": found,
        "reflection": protection.reflection(found.chosen) if found else None,
        "preparations": list(Preparation.objects.filter(author=author, **where)),
    }


def shared_with_therapist(couple, people) -> list[dict]:
    """For each current partner, what they shared with the couple's therapist."""
    return [{"author": person} | _shared(person, therapist_couple=couple) for person in people]
