from django.http import Http404

from exercises.access import linked_couple
from exercises.appreciation import panel
from exercises.appreciation.services import appreciation_group
from imago_app.consumers import LivePanelConsumer


class AppreciationConsumer(LivePanelConsumer):
    """Keeps the appreciations page current: one arrives, or is mirrored, without a reload."""

    announcements = {
        "appreciation_offered": "A new appreciation has arrived.",
        "appreciation_mirrored": "Your appreciation was mirrored back.",
        "appreciation_changed": "An appreciation was changed.",
    }

    def group_for(self, user) -> str | None:
        try:
            couple, _other = linked_couple(user)
        except Http404:
            return None
        return appreciation_group(couple.pk)

    def panel(self, request):
        return panel.panel_for(request)
