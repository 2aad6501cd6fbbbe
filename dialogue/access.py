from django.http import Http404

from dialogue.models import Dialogue
from imago_app import access
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
        couple_id = Dialogue.objects.filter(pk=dialogue_id).values_list("couple_id", flat=True)
        access.refuse(user, couple_id.first() or 0)  # a calm page if it was theirs, else 404
    return dialogue
