"""Writes for caring behaviours. Each is one transaction; refused actions change nothing."""

from django.db import transaction
from django.utils import timezone

from exercises import phrasing
from exercises.caring.models import CaringItem, Gift, NotReady
from imago_app.models import Couple, User
from imago_app.notify import home_changed_after_commit
from imago_app.services import Refused


class NeedsRewording(Refused):
    """The item has hints; it is saved only when reworded, or kept as written on purpose."""

    def __init__(self, hints: list[str]):
        super().__init__(" ".join(hints))
        self.hints = hints


@transaction.atomic
def caring_item_save(
    *,
    couple: Couple,
    owner: User,
    text: str,
    when: str,
    importance: int,
    keep_as_written: bool,
    item: CaringItem | None = None,
) -> CaringItem:
    """Add an item to the owner's list (or change one). Wording with hints is kept only on
    purpose."""
    hints = phrasing.caring_hints(text)
    if hints and not keep_as_written:
        raise NeedsRewording(hints)
    item = item or CaringItem(couple=couple, owner=owner)
    item.text, item.when, item.importance = text.strip(), when, importance
    item.kept_as_written = bool(hints)
    item.save()
    return item


@transaction.atomic
def caring_give(*, item: CaringItem, giver: User) -> Gift:
    """Log giving an item from the partner's list."""
    if item.owner_id == giver.pk:
        raise Refused("This is on your own list. Your partner gives these to you.")
    NotReady.objects.filter(item=item, giver=giver).delete()
    gift = Gift.objects.create(item=item, giver=giver)
    # Only the kind of change travels; each page reads what it shows for its own user.
    home_changed_after_commit([item.owner_id], "caring_given")
    return gift


@transaction.atomic
def caring_not_ready(*, item: CaringItem, giver: User, ready: bool) -> None:
    """Mark (or unmark) an item the giver is not ready to give yet. No reason is asked."""
    if ready:
        NotReady.objects.filter(item=item, giver=giver).delete()
    else:
        NotReady.objects.get_or_create(item=item, giver=giver)


@transaction.atomic
def caring_thank(*, gift: Gift, receiver: User) -> None:
    if gift.item.owner_id != receiver.pk:
        raise Refused("Only the one it was given to can say thank you.")
    if gift.thanked_at is None:
        gift.thanked_at = timezone.now()
        gift.save(update_fields=["thanked_at"])
        home_changed_after_commit([gift.giver_id], "caring_thanked")
