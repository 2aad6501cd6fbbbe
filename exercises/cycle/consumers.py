from django.http import Http404

from exercises.access import linked_couple
from exercises.cycle import panel
from exercises.cycle.services import cycle_group
from imago_app.consumers import LivePanelConsumer


class CycleConsumer(LivePanelConsumer):
    """Keeps a cycle's page current: the other's side appears, and the loop redraws, live."""

    announcements = {"cycle_changed": "Your cycle was updated."}

    def group_for(self, user) -> str | None:
        try:
            couple, _other = linked_couple(user)
            panel.get_cycle(user, self.scope["url_route"]["kwargs"]["cycle_id"])
        except Http404:
            return None
        return cycle_group(couple.pk)

    def panel(self, request):
        return panel.panel_for(request, self.scope["url_route"]["kwargs"]["cycle_id"])
