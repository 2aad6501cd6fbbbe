from django.http import Http404

from exercises.access import linked_couple
from exercises.requests import panel
from imago_app.consumers import LivePanelConsumer
from imago_app.notify import user_group


class RequestsConsumer(LivePanelConsumer):
    """Keeps the requests page current: your request mirrored, or a stretch chosen for you,
    without a reload. It listens on the user's own group, where the services say (after
    commit, without any text) that something changed."""

    announcements = {
        "requests_mirrored": "Your partner mirrored your request.",
        "stretch_chosen": "Your partner chose a stretch to give you.",
    }

    def group_for(self, user) -> str | None:
        try:
            linked_couple(user)
        except Http404:
            return None
        return user_group(user.pk)

    def panel(self, request):
        return panel.panel_for(request)
