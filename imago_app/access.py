"""Who may see what. Every view and consumer reaches a couple or a therapist link through here.

Anything that is not yours is a 404: the answer never tells a stranger that it exists.
"""

from django.db.models import Count
from django.http import Http404

from imago_app.models import Couple, Membership, TherapistLink, User


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
        raise Http404
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
