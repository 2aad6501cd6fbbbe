from django.http import Http404

from exercises.access import linked_couple
from exercises.caring import panel
from imago_app.consumers import LivePanelConsumer
from imago_app.notify import user_group


class CaringConsumer(LivePanelConsumer):
    """Keeps "Your giving" on the caring page current: a gift arrives, or a thank-you for one
    you gave, without a reload. It listens on the user's own group, where the caring services
    say (after commit, without any text) that something changed."""

    announcements = {
        "caring_given": "Your partner gave you a caring behaviour.",
        "caring_thanked": "Your partner said thank you for what you gave.",
    }

    def group_for(self, user) -> str | None:
        try:
            linked_couple(user)
        except Http404:
            return None
        return user_group(user.pk)

    def panel(self, request):
        return panel.panel_for(request)
