"""The live part of the caring page ("Your giving"): one function for the page and its pushes.

A gift to you, or a thank-you for one you gave, reaches an open caring page without a reload:
the service tells the user's sockets after commit that something changed (no text), and the
socket renders this panel for its own user.
"""

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from exercises.access import linked_couple
from exercises.caring.models import Gift
from imago_app.keys import screen_key

PANEL = "caring/page.html#giving"
LATELY = timedelta(days=14)


def panel_for(request: HttpRequest) -> tuple[str, dict]:
    couple, other = linked_couple(request.user)
    now = timezone.now()
    lately = list(
        Gift.objects.filter(item__couple=couple, given_at__gte=now - LATELY).select_related("item")[
            :20
        ]
    )
    context = {
        "other": other,
        # Only your own giving is ever counted, and only shown to you.
        "my_giving": Gift.objects.filter(
            giver=request.user, item__couple=couple, given_at__gte=now - timedelta(days=7)
        ).count(),
        "received": [g for g in lately if g.item.owner_id == request.user.pk][:10],
        "given": [g for g in lately if g.giver_id == request.user.pk][:10],
    }
    # A gift's identity is not enough: a thank-you changes what the panel shows.
    context["panel_key"] = screen_key(
        {
            "other": other,
            "my_giving": context["my_giving"],
            "gifts": [(g.pk, g.thanked_at) for g in lately],
        }
    )
    return PANEL, context
