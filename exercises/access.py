"""Who may reach the exercises: the two current partners of a linked couple, nobody else."""

from django.http import Http404

from imago_app import access
from imago_app.models import Couple, User


def linked_couple(user: User) -> tuple[Couple, User]:
    """The user's couple and the other partner; 404 unless both partners are there."""
    couple = access.current_couple(user)
    other = access.other_partner(couple, user) if couple else None
    if couple is None:
        access.refuse(user)  # a calm page if their couple has closed, else 404
    if other is None:
        raise Http404
    return couple, other
