"""Writes for behaviour change requests, stretches and repair. One transaction each; a refused
action raises Refused and changes nothing."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from exercises.requests import library
from exercises.requests.models import ChangeRequest, Repair, Request, Stretch, StretchLog
from imago_app.models import Couple, User
from imago_app.notify import home_changed_after_commit
from imago_app.services import Refused


def _wording(frustration: str, desire: str, echo: str, echo_shared: bool) -> dict:
    """A request's own words as stored; an empty echo is never marked shared."""
    echo = echo.strip()
    return {
        "frustration": frustration.strip(),
        "desire": desire.strip(),
        "echo": echo,
        "echo_shared": echo_shared and bool(echo),
    }


@transaction.atomic
def change_request_create(
    *,
    couple: Couple,
    sender: User,
    frustration: str,
    desire: str,
    echo: str,
    echo_shared: bool,
    requests: list[dict],
    from_dialogue_id: int | None = None,
) -> ChangeRequest:
    change = ChangeRequest.objects.create(
        couple=couple,
        sender=sender,
        from_dialogue_id=from_dialogue_id,
        **_wording(frustration, desire, echo, echo_shared),
    )
    Request.objects.bulk_create(Request(change_request=change, **r) for r in requests)
    return change


@transaction.atomic
def change_request_delete(*, change: ChangeRequest, sender: User) -> None:
    if change.sender_id != sender.pk:
        raise Refused("Only the one who wrote it can withdraw it.")
    if Stretch.objects.filter(request__change_request=change).exists():
        raise Refused("A stretch has started from this request; it stays until it ends.")
    change.delete()


@transaction.atomic
def change_request_mirror(*, change: ChangeRequest, receiver: User, mirror: str) -> None:
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.sender_id == receiver.pk:
        raise Refused("Your partner mirrors your request.")
    change.mirror, change.mirrored_at = mirror.strip(), timezone.now()
    change.save(update_fields=["mirror", "mirrored_at"])
    home_changed_after_commit([change.sender_id], "requests_mirrored")


@transaction.atomic
def stretches_choose(
    *, change: ChangeRequest, giver: User, request_ids: list[int]
) -> list[Stretch]:
    """The receiver gives one of the requests as a gift: it becomes a stretch. One at a time,
    as the page says; the others wait for another request."""
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.sender_id == giver.pk or change.mirrored_at is None:
        raise Refused("Mirror the requests first; then choose the one you'll give.")
    if Stretch.objects.filter(request__change_request=change).exists():
        raise Refused("You've already chosen one from this request; it's under way.")
    chosen = list(change.requests.filter(pk__in=request_ids))
    if len(chosen) != 1:
        raise Refused("Choose one request to give: the one you can really give.")
    [r] = chosen
    home_changed_after_commit([change.sender_id], "stretch_chosen")
    return [
        Stretch.objects.create(
            couple=change.couple,
            giver=giver,
            request=r,
            title=r.text,
            measure=r.measure,
            ends_on=r.ends_on,
        )
    ]


def micro_stretches_under_way(*, couple: Couple) -> dict[str, list[Stretch]]:
    """The couple's unfinished micro-stretches by slug, so the library can say what is already
    under way (and who is giving it)."""
    under_way: dict[str, list[Stretch]] = {}
    for stretch in Stretch.objects.filter(
        couple=couple, finished_at__isnull=True, request__isnull=True
    ).exclude(micro=""):
        under_way.setdefault(stretch.micro, []).append(stretch)
    return under_way


@transaction.atomic
def micro_stretch_pick(*, couple: Couple, giver: User, slug: str) -> Stretch:
    """Start a micro-stretch from the library, unless this giver already has the same one under
    way (a second, identical one would only split the log in two)."""
    micro = library.micro_stretch(slug)
    if micro is None:
        raise Refused("We don't have that stretch.")
    # One pick at a time per couple: two taps (or two tabs) cannot both pass the check below.
    Couple.objects.select_for_update().filter(pk=couple.pk).first()
    if Stretch.objects.filter(
        couple=couple, giver=giver, micro=slug, finished_at__isnull=True
    ).exists():
        raise Refused(
            f"You're already giving “{micro['title']}”; it's under way. "
            "You can keep logging that one."
        )
    today = timezone.localdate()
    home_changed_after_commit(
        [m.user_id for m in couple.memberships.current().exclude(user=giver)], "stretch_chosen"
    )
    return Stretch.objects.create(
        couple=couple,
        giver=giver,
        micro=slug,
        title=micro["title"],
        measure=micro["measure"],
        started_on=today,
        ends_on=today + timedelta(days=micro["days"]),
    )


@transaction.atomic
def stretch_log(*, stretch: Stretch, giver: User, note: str = "") -> StretchLog:
    if stretch.giver_id != giver.pk:
        raise Refused("The one giving the stretch logs it.")
    if stretch.finished_at is not None:
        raise Refused("This stretch has finished.")
    return StretchLog.objects.create(stretch=stretch, note=note.strip())


@transaction.atomic
def stretch_review(*, stretch: Stretch, partner: User, review: str) -> None:
    """At its end, each partner says how it went; with both said, the stretch is finished."""
    stretch = Stretch.objects.select_for_update().get(pk=stretch.pk)
    if stretch.ends_on > timezone.localdate():
        raise Refused(f"You'll be asked how it went at its end, on {stretch.ends_on:%-d %B}.")
    if partner.pk == stretch.giver_id:
        stretch.giver_review = review.strip()
    else:
        stretch.other_review = review.strip()
    if stretch.giver_review and stretch.other_review:
        stretch.finished_at = timezone.now()
    stretch.save()


@transaction.atomic
def repair_start(*, couple: Couple, author: User, what_happened: str) -> Repair:
    return Repair.objects.create(couple=couple, author=author, what_happened=what_happened.strip())


@transaction.atomic
def repair_feeling(*, repair: Repair, partner: User, what_it_was_like: str) -> None:
    if repair.author_id == partner.pk or repair.what_it_was_like:
        raise Refused("Your partner says what it was like for them.")
    repair.what_it_was_like = what_it_was_like.strip()
    repair.save(update_fields=["what_it_was_like"])


@transaction.atomic
def repair_finish(*, repair: Repair, author: User, mirror: str, next_time: str) -> None:
    if repair.author_id != author.pk or not repair.what_it_was_like or repair.completed_at:
        raise Refused("This step is for the one who started the repair, once they've heard back.")
    repair.mirror, repair.next_time = mirror.strip(), next_time.strip()
    repair.completed_at = timezone.now()
    repair.save(update_fields=["mirror", "next_time", "completed_at"])


@transaction.atomic
def change_request_update(
    *,
    change: ChangeRequest,
    sender: User,
    frustration: str,
    desire: str,
    echo: str,
    echo_shared: bool,
    requests: list[dict],
) -> None:
    """Change your own request, until your partner has mirrored it."""
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.sender_id != sender.pk or change.mirrored_at is not None:
        raise Refused("It can be changed only by its writer, before it is mirrored.")
    for name, value in _wording(frustration, desire, echo, echo_shared).items():
        setattr(change, name, value)
    change.save()
    for r in requests:
        Request.objects.filter(change_request=change, position=r["position"]).update(
            text=r["text"], measure=r["measure"], ends_on=r["ends_on"]
        )
