"""A live panel of an exercise page that listens on its user's own group: the services tell
that group (after commit, without any text) that something changed for that person."""

from django.http import Http404

from exercises.access import linked_couple
from imago_app.consumers import LivePanelConsumer
from imago_app.notify import user_group


class OwnPanelConsumer(LivePanelConsumer):
    """Subclasses give `announcements` and `panel`; only a partner of a linked couple joins."""

    def group_for(self, user) -> str | None:
        try:
            linked_couple(user)
        except Http404:
            return None
        return user_group(user.pk)
