from exercises.caring import panel
from exercises.caring.practice import practice
from exercises.consumers import OwnPanelConsumer


class CaringConsumer(OwnPanelConsumer):
    """Keeps "Your giving" on the caring page current: a gift arrives, or a thank-you for one
    you gave, without a reload."""

    # The same words the home page says: the services tell the user's one group.
    announcements = practice.announcements()

    def panel(self, request):
        return panel.panel_for(request)
