from django.http import Http404

from dialogue.models import Dialogue
from imago_app.models import User


def get_dialogue_for_partner(user: User, dialogue_id: int) -> Dialogue:
    """The dialogue with this id, if the user is a current partner of its couple; else 404."""
    if not user.is_authenticated or not user.is_partner:
        raise Http404
    dialogue = (
        Dialogue.objects.filter(
            pk=dialogue_id,
            couple__ended_at__isnull=True,
            couple__memberships__user=user,
            couple__memberships__left_at__isnull=True,
        )
        .select_related("couple")
        .first()
    )
    if dialogue is None:
        raise Http404
    return dialogue
