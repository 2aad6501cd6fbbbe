from exercises.consumers import OwnPanelConsumer
from exercises.requests import panel
from exercises.requests.practice import practice


class RequestsConsumer(OwnPanelConsumer):
    """Keeps the requests page current: your request mirrored, or a stretch chosen for you,
    without a reload."""

    # The same words the home page says: the services tell the user's one group.
    announcements = practice.announcements()

    def panel(self, request):
        return panel.panel_for(request)
