"""The home page's live socket: the partner panel and the therapist's dashboard."""

from django.http import HttpRequest

from imago_app.consumers import LivePanelConsumer
from imago_app.notify import user_group
from imago_app.pages.home import announcements, panel_for


class HomeConsumer(LivePanelConsumer):
    """Keeps an open home page current: a partner joining, a therapist consenting, and so on."""

    @property
    def announcements(self) -> dict[str, str]:  # the core's and every practice's
        return announcements()

    def group_for(self, user) -> str:
        return user_group(user.pk)

    def panel(self, request: HttpRequest) -> tuple[str, dict]:
        return panel_for(request)
