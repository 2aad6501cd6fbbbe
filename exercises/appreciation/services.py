"""Writes for appreciations; the couple's open appreciation pages are told after commit."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from exercises.appreciation.models import Appreciation
from imago_app import zones
from imago_app.models import Couple, User
from imago_app.notify import changed_after_commit, home_changed_after_commit
from imago_app.services import Refused


def appreciation_group(couple_id: int) -> str:
    return f"appreciations-{couple_id}"


@transaction.atomic
def appreciation_offer(*, couple: Couple, author: User, about: str, text: str) -> Appreciation:
    appreciation = Appreciation.objects.create(
        couple=couple, author=author, about=about, text=text.strip()
    )
    changed_after_commit([appreciation_group(couple.pk)], "appreciation_offered")
    home_changed_after_commit(
        [m.user_id for m in couple.memberships.current().exclude(user=author)],
        "appreciation_offered",
    )
    return appreciation


@transaction.atomic
def appreciation_mirror(
    *, appreciation: Appreciation, partner: User, mirror: str, felt: str
) -> None:
    """The partner it was for says back what they heard, and may say how it felt."""
    appreciation = Appreciation.objects.select_for_update().get(pk=appreciation.pk)
    if appreciation.author_id == partner.pk:
        raise Refused("Your partner mirrors your appreciation; yours is on its way to them.")
    if appreciation.mirrored_at is not None:
        raise Refused("This appreciation has been mirrored already.")
    appreciation.mirror, appreciation.felt = mirror.strip(), felt.strip()
    appreciation.mirrored_at = timezone.now()
    appreciation.save(update_fields=["mirror", "felt", "mirrored_at"])
    changed_after_commit([appreciation_group(appreciation.couple_id)], "appreciation_mirrored")
    home_changed_after_commit([appreciation.author_id], "appreciation_mirrored")


def kept_days(couple: Couple, *, days: int, today: date) -> set[date]:
    """The days the couple exchanged an appreciation (offered and mirrored), in one query. Each
    counts for its day in the zone of the partner who offered it (`imago_app.zones`)."""
    since = today - timedelta(days=days - 1)
    acts = Appreciation.objects.filter(
        couple=couple, mirrored_at__isnull=False, **zones.around("created_at", since)
    ).values_list("created_at", "author__time_zone")
    return {day for stamp, zone in acts if since <= (day := zones.day_of(stamp, zone))}


@transaction.atomic
def appreciation_change(*, appreciation: Appreciation, author: User, about: str, text: str) -> None:
    """Change your own appreciation, until it has been mirrored."""
    _own_unmirrored(appreciation, author)
    appreciation.about, appreciation.text = about, text.strip()
    appreciation.save(update_fields=["about", "text"])
    changed_after_commit([appreciation_group(appreciation.couple_id)], "appreciation_changed")


@transaction.atomic
def appreciation_delete(*, appreciation: Appreciation, author: User) -> None:
    """Take back your own appreciation, until it has been mirrored."""
    _own_unmirrored(appreciation, author)
    couple_id = appreciation.couple_id
    appreciation.delete()
    changed_after_commit([appreciation_group(couple_id)], "appreciation_changed")


def _own_unmirrored(appreciation: Appreciation, author: User) -> None:
    if appreciation.author_id != author.pk or appreciation.mirrored_at is not None:
        raise Refused("Only its author can change it, and only until it has been mirrored.")
