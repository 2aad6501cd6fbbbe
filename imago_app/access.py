"""Who may see what. Every view and consumer reaches a couple or a therapist link through here.

Anything that is not yours is a 404: the answer never tells a stranger that it exists.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from django.db.models import Count
from django.http import Http404

from imago_app.models import Couple, Membership, TherapistLink, User


class CoupleClosed(Http404):
    """A page of a couple that has closed, asked for by one of its former partners. They are
    shown a calm page saying so (imago_app/middleware.py); to anyone else it is a 404, and
    whatever catches Http404 (a socket, another practice) treats it as one."""

    def __init__(self, couple_id: int):
        super().__init__("This couple has closed.")
        self.couple_id = couple_id


@dataclass(frozen=True)
class ClosedCouple:
    """A closed couple as one of its former partners sees it: when it closed, and how."""

    couple_id: int
    ended_at: datetime
    # "you_left", "other_left", "other_deleted", or "closed" (closed before this was noted)
    how: str
    other_name: str = ""  # the other partner's name, while their account exists


def _closed(user: User, couples) -> list[ClosedCouple]:
    found = []
    for couple in couples:
        others = [m.user for m in couple.memberships.all() if m.user_id != user.pk]
        other_name = others[0].display_name if others else ""
        if couple.ended_by_id == user.pk:
            how = "you_left"
        elif couple.end_reason == Couple.EndReason.ACCOUNT_DELETED:
            how, other_name = "other_deleted", ""
        elif couple.end_reason == Couple.EndReason.LEFT and others:
            how = "other_left"
        else:
            how = "closed"
        found.append(ClosedCouple(couple.pk, couple.ended_at, how, other_name))
    return found


def closed_couples(user: User) -> list[ClosedCouple]:
    """The closed couples the user was a partner in, newest first (two queries)."""
    if not user.is_authenticated or not user.is_partner:
        return []
    couples = (
        Couple.objects.filter(memberships__user=user, ended_at__isnull=False)
        .prefetch_related("memberships__user")
        .order_by("-ended_at")
    )
    return _closed(user, couples)


def closed_couple(user: User, couple_id: int) -> ClosedCouple | None:
    """The couple with this id, if it has closed and the user was one of its partners."""
    return next((c for c in closed_couples(user) if c.couple_id == couple_id), None)


def refuse(user: User, couple_id: int | None = None) -> NoReturn:
    """Refuse a page of couple `couple_id` (or, with none, of the user's latest couple, when
    they have no current one): CoupleClosed for a former partner of that closed couple, so
    they are told what happened; a plain 404 for everyone else."""
    if couple_id is None:
        if current_couple(user) is None:
            latest = closed_couples(user)[:1]
            if latest:
                raise CoupleClosed(latest[0].couple_id)
    elif closed_couple(user, couple_id) is not None:
        raise CoupleClosed(couple_id)
    raise Http404


def current_couple(user: User) -> Couple | None:
    """The partner's current couple, if any (at most one, by constraint)."""
    if not user.is_authenticated or not user.is_partner:
        return None
    return Couple.objects.filter(
        memberships__user=user, memberships__left_at__isnull=True, ended_at__isnull=True
    ).first()


def other_partner(couple: Couple, user: User) -> User | None:
    """The couple's current partner who is not `user` (None while they wait for them)."""
    membership = (
        Membership.objects.current()
        .filter(couple=couple)
        .exclude(user=user)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def get_couple_for_partner(user: User, couple_id: int) -> Couple:
    """The couple with this id, if the user is one of its current partners."""
    if not user.is_authenticated or not user.is_partner:
        raise Http404
    couple = Couple.objects.filter(
        pk=couple_id,
        ended_at__isnull=True,
        memberships__user=user,
        memberships__left_at__isnull=True,
    ).first()
    if couple is None:
        refuse(user, couple_id)
    return couple


def get_link_for_partner(user: User, couple_id: int, link_id: int) -> TherapistLink:
    """A current therapist link of the user's couple."""
    couple = get_couple_for_partner(user, couple_id)
    link = TherapistLink.objects.current().filter(pk=link_id, couple=couple).first()
    if link is None:
        raise Http404
    return link


def get_couple_for_therapist(user: User, couple_id: int) -> Couple:
    """The couple with this id, if both its partners have agreed to this therapist seeing it."""
    if not user.is_authenticated or not user.is_therapist:
        raise Http404
    link = (
        TherapistLink.objects.consented()
        .filter(therapist=user, couple_id=couple_id)
        .select_related("couple")
        .first()
    )
    if link is None:
        raise Http404
    return link.couple


def couple_therapist(couple_id: int) -> tuple[User | None, bool]:
    """The therapist linked to the couple now, if any, and whether both partners have agreed
    to them seeing the couple's record (one query). What a "who will see this" sentence says
    comes from here, so it is true at the moment it is shown."""
    link = (
        TherapistLink.objects.current()
        .filter(couple_id=couple_id)
        .annotate(agreed=Count("consents", distinct=True))
        .select_related("therapist")
        .first()
    )
    if link is None:
        return None, False
    return link.therapist, link.agreed == 2
