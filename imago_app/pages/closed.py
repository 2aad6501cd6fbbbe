"""What a partner finds of a couple that has closed: a calm word on what happened, and their own
words from it, read-only, gathered from every practice (`Practice.your_words`)."""

from imago_app import practices
from imago_app.access import ClosedCouple
from imago_app.models import Couple, User
from imago_app.practices import Words


def your_words(user: User, closed: ClosedCouple) -> list[Words]:
    """Everything `user` wrote in the closed couple, practice by practice. Only their own."""
    couple = Couple.objects.get(pk=closed.couple_id)
    return practices.collect(lambda p: p.your_words(user, couple))
