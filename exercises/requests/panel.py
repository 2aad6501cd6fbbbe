"""The live part of the requests page: one function for the page and its pushes.

When the other partner mirrors your request or chooses something to give you, the service tells
your sockets after commit (no text), and this page's socket renders the panel for you.
"""

from django.db.models import Count, Prefetch
from django.http import HttpRequest

from exercises.access import linked_couple
from exercises.requests.models import ChangeRequest, Repair, Request, Stretch
from imago_app.keys import screen_key

PANEL = "requests/page.html#panel"


def panel_for(request: HttpRequest) -> tuple[str, dict]:
    couple, other = linked_couple(request.user)
    changes = list(
        ChangeRequest.objects.filter(couple=couple)
        .select_related("sender")
        .prefetch_related(Prefetch("requests", queryset=Request.objects.order_by("position")))
    )
    stretches = list(
        Stretch.objects.filter(couple=couple).select_related("giver").annotate(times=Count("logs"))
    )
    repairs = list(
        Repair.objects.filter(couple=couple, completed_at__isnull=True).select_related("author")
    )
    context = {
        "other": other,
        "sent": [c for c in changes if c.sender_id == request.user.pk],
        "received": [c for c in changes if c.sender_id != request.user.pk],
        "active": [s for s in stretches if s.finished_at is None],
        "finished": [s for s in stretches if s.finished_at is not None],
        "repairs": repairs,
    }
    # A row's identity is not enough: a mirror, a log or an ending changes what is shown.
    context["panel_key"] = screen_key(
        {
            "other": other,
            "changes": [(c.pk, c.frustration, c.mirrored_at) for c in changes],
            "stretches": [(s.pk, s.times, s.finished_at, s.ends_on) for s in stretches],
            "repairs": [r.pk for r in repairs],
        }
    )
    return PANEL, context
