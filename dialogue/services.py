"""Writes for the dialogue. Each move is one transaction: lock the dialogue row, check the move
against the rules, append the event, update the snapshot, and tell the couple's open sockets after
commit. A refused move raises `Refused` and writes nothing.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from dialogue import latest, machine, screens
from dialogue.models import Dialogue, DialogueShare, Event, ParentChildOpening, Reflection
from imago_app import access, audit, notify, rows
from imago_app.models import Couple, OpenSocket, User
from imago_app.notify import home_changed_after_commit
from imago_app.services import Refused

REUSED_KEY = "That doesn't match what was sent before. Please reload the page."
STALE = "The dialogue moved on while you were answering. Here is where it stands now."


class Stale(Refused):
    """A move made from a screen that no longer matches the dialogue."""


class AlreadyApplied(Exception):
    """A retried move (a double tap, a resend after reconnecting) that was applied before: for
    the person who made it, this is success. Nothing is written again."""


def dialogue_group(dialogue_id: int) -> str:
    return f"dialogue-{dialogue_id}"


def _broadcast_after_commit(dialogue_id: int, seq: int) -> None:
    # Only ids and numbers pass through the channel layer; each socket reads the rest itself.
    def send() -> None:
        notify.group_send(dialogue_group(dialogue_id), {"type": "dialogue.changed", "seq": seq})

    # The move is committed whatever happens here: a channel layer that cannot be reached is
    # logged rather than turned into an error for the mover, and the resync watcher of each
    # process with a socket on this dialogue delivers the move instead (dialogue/resync.py).
    transaction.on_commit(send, robust=True)


def snapshot(state: machine.State, seq: int) -> dict:
    """What `Dialogue.snapshot` holds: the state after event `seq`, and that number."""
    return {**machine.state_to_dict(state), "seq": seq}


def current_state(dialogue: Dialogue) -> machine.State:
    """The dialogue's state, from its snapshot if that matches the last event, else replayed.

    The snapshot names the event it was taken after, and is written in the same transaction as
    that event and `Dialogue.seq`, so comparing the two reads no events (an older snapshot
    without the number is checked against the events, as before)."""
    taken_after = (dialogue.snapshot or {}).get("seq")
    if taken_after is None and dialogue.snapshot:
        taken_after = dialogue.events.aggregate(last=Max("seq"))["last"] or 0
    if taken_after == dialogue.seq:
        return machine.state_from_dict(dialogue.snapshot)
    return replay(dialogue)


def replay(dialogue: Dialogue) -> machine.State:
    """The state the stored events add up to (the request itself is the starting state)."""
    moves = [event.as_move() for event in dialogue.events.exclude(kind="request")]
    return machine.replay(dialogue.initial_state(), moves)


@transaction.atomic
def dialogue_request(
    *,
    couple: Couple,
    partner: User,
    mode: str,
    device: str,
    topic: str = "",
    timebox_minutes: int | None = None,
    key: str,
    variant: str = machine.Variant.INTENTIONAL,
    caretaker: str = "",
) -> Dialogue:
    """The partner asks the other for a dialogue. The other learns of it live on their home
    page, or by e-mail when they have no page open. The parent-child variant only while the
    couple's therapist has it open for them."""
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    if variant == machine.Variant.PARENT_CHILD and not parent_child_open(couple):
        raise Refused(
            "The parent-child dialogue opens when your therapist opens it for the two of you."
        )
    if couple.dialogues.filter(ended_at__isnull=True).exists():
        raise Refused("You already have a dialogue open. Go back to it, or stop it first.")
    other = access.other_partner(couple, partner)
    if other is None:
        raise Refused("A dialogue needs your partner: link up with them first.")
    try:
        state = machine.start(
            requester=partner.pk,
            other=other.pk,
            mode=mode,
            device=device,
            topic=topic,
            timebox_minutes=timebox_minutes,
            variant=variant,
            caretaker=caretaker,
        )
    except machine.IllegalMove as illegal:
        raise Refused(illegal.message) from None
    dialogue = Dialogue.objects.create(
        couple=couple,
        requested_by=partner,
        mode=state.mode,
        device=state.device,
        topic=state.topic,
        timebox_minutes=timebox_minutes,
        variant=state.variant,
        seq=1,
        snapshot=snapshot(state, 1),
    )
    Event.objects.create(
        dialogue=dialogue,
        seq=1,
        kind="request",
        actor=partner,
        key=key,
        step="appointment",
        text=state.topic,
    )
    home_changed_after_commit([other.pk], "dialogue_requested")
    if state.device == machine.Device.TWO_DEVICES:
        _email_if_away(dialogue, requester=partner, receiver=other)
    return dialogue


def _email_if_away(dialogue: Dialogue, *, requester: User, receiver: User) -> None:
    """E-mail the receiver about a request when no page of theirs is open to show it."""
    if OpenSocket.objects.filter(user=receiver).exists() or not receiver.email:
        return
    path = reverse("dialogue", args=[dialogue.pk])
    about = f' about "{dialogue.topic}"' if dialogue.topic else ""

    def send() -> None:
        send_mail(
            subject=f"{requester.display_name} would like a dialogue",
            message=(
                f"Hello {receiver.display_name},\n\n"
                f"{requester.display_name} would like to hold a dialogue with you{about}.\n"
                f"Open Imago Dialogue to say yes, or to offer a time that suits you better:\n"
                f"{settings.SITE_URL}{path}\n"
            ),
            from_email=None,
            recipient_list=[receiver.email],
            fail_silently=True,
        )

    transaction.on_commit(send)


def dialogue_move(
    *,
    dialogue_id: int,
    partner: User,
    kind: str,
    key: str,
    position: str = "",
    acting_for: int | None = None,
    text: str = "",
    level: int | None = None,
    feelings: tuple[str, ...] = (),
    later_minutes: int | None = None,
) -> Dialogue:
    """Apply one move by `partner` (or, on a shared device, by the partner they hand it to).

    `position` is the position of the screen the move was made on; a different one means the
    move is stale. Returns the dialogue as the move left it (its `seq` and `snapshot`); raises
    AlreadyApplied for a retry of a move already made, and Refused (Stale) for a move the rules
    or the screen do not allow.

    The move's key is looked up only when something is off (a stale screen, a move the rules
    refuse, a key the database already holds): a retry is always one of these, and a move that
    goes through costs three queries (lock, insert, update), with no savepoint.
    """
    by = partner.pk
    try:
        with transaction.atomic():
            dialogue = rows.get(Dialogue, dialogue_id, for_update=True)
            state = current_state(dialogue)
            if acting_for is not None and dialogue.device == machine.Device.SHARED_DEVICE:
                if acting_for not in state.partners:
                    raise Refused("Only the two partners of this dialogue can take part in it.")
                by = acting_for
            if position and position != state.position():
                _refuse_a_used_key(dialogue_id, key, kind, by)  # a retry finds it moved on
                raise Stale(STALE)
            # A box left as the sentence stem it started with says nothing yet.
            text = screens.without_stem(state.step, text)
            now = timezone.now()
            time = now + timedelta(minutes=later_minutes) if later_minutes is not None else None
            move = machine.Move(
                kind=kind,
                by=by,
                at=now,
                text=text,
                level=level,
                feelings=tuple(feelings),
                time=time,
            )
            try:
                new_state = machine.apply(state, move)
            except machine.IllegalMove as illegal:
                _refuse_a_used_key(dialogue_id, key, kind, by)
                raise Refused(illegal.message) from None
            return _store(dialogue, state, new_state, move, key)
    except IntegrityError:  # the key is taken; the whole transaction was rolled back
        _refuse_a_used_key(dialogue_id, key, kind, by)
        raise AlreadyApplied from None  # the same move, committed by a racing retry


def _refuse_a_used_key(dialogue_id: int, key: str, kind: str, by: int) -> None:
    """If `key` was used before in this dialogue: AlreadyApplied when it was this very move (a
    retry), Refused when it was another move or person."""
    earlier = (
        Event.objects.filter(dialogue_id=dialogue_id, key=key).only("kind", "actor_id").first()
    )
    if earlier is not None:
        if (earlier.kind, earlier.actor_id) == (kind, by):
            raise AlreadyApplied
        raise Refused(REUSED_KEY)


def _store(
    dialogue: Dialogue, state: machine.State, new_state: machine.State, move: machine.Move, key: str
) -> Dialogue:
    """Append the move's event and the new snapshot, inside the move's transaction (a key the
    dialogue already holds raises IntegrityError, with no savepoint to fall back to)."""
    data: dict = {}
    if move.level is not None:
        data["level"] = move.level
    if move.feelings:
        data["feelings"] = list(move.feelings)
    if move.time is not None:
        data["time"] = move.time.isoformat()
    seq = dialogue.seq + 1
    event = Event(
        dialogue=dialogue,
        seq=seq,
        kind=move.kind,
        actor_id=move.by,
        key=key,
        round=state.round,
        step=state.step,
        text=move.text.strip(),
        data=data,
        at=move.at,
    )
    rows.insert(event)  # the statements the ORM would write, without building them (rows.py)
    dialogue.seq = seq
    dialogue.snapshot = snapshot(new_state, seq)
    fields = ["seq", "snapshot"]
    if new_state.ended:
        dialogue.ended_at = move.at
        fields.append("ended_at")
        home_changed_after_commit(list(new_state.partners), "dialogue_ended")
    elif state.step == machine.Step.APPOINTMENT and new_state.step != state.step:
        home_changed_after_commit(list(new_state.partners), "dialogue_began")
    rows.update(dialogue, fields)
    # This process's screens draw the committed move from memory (latest.py), before they hear of
    # it: on-commit hooks run in the order they were added.
    transaction.on_commit(lambda: latest.moved(dialogue, event, new_state.round))
    _broadcast_after_commit(dialogue.pk, seq)
    return dialogue


@transaction.atomic
def reflection_save(
    *, dialogue: Dialogue, partner: User, text: str, unmet_need: str, shared: bool
) -> Reflection:
    """Keep a partner's reflection on an ended dialogue. Only they (and, if shared, their
    therapist) will read it."""
    if dialogue.ended_at is None:
        raise Refused("You can write a reflection once the dialogue has ended.")
    reflection, _created = Reflection.objects.update_or_create(
        dialogue=dialogue,
        author=partner,
        defaults={"text": text.strip(), "unmet_need": unmet_need, "shared": shared},
    )
    return reflection


@transaction.atomic
def transcript_share(*, dialogue: Dialogue, partner: User, shared: bool) -> None:
    """This partner agrees (or no longer agrees) to the therapist reading the transcript."""
    if shared:
        DialogueShare.objects.get_or_create(dialogue=dialogue, partner=partner)
    else:
        DialogueShare.objects.filter(dialogue=dialogue, partner=partner).delete()


def parent_child_open(couple: Couple) -> bool:
    """Whether the couple's consenting therapist has the parent-child dialogue open for them."""
    therapist, agreed = access.couple_therapist(couple.pk)
    return bool(
        agreed
        and ParentChildOpening.objects.filter(
            couple=couple, therapist=therapist, closed_at=None
        ).exists()
    )


@transaction.atomic
def parent_child_set(*, couple: Couple, therapist: User, open_: bool, request=None) -> None:
    """The therapist opens or closes the parent-child dialogue for a couple (logged; the
    couple's home pages are told)."""
    current = ParentChildOpening.objects.filter(couple=couple, therapist=therapist, closed_at=None)
    if open_ and not current.exists():
        ParentChildOpening.objects.create(couple=couple, therapist=therapist)
    elif not open_ and current.exists():
        current.update(closed_at=timezone.now())
    else:
        return
    audit.record(
        audit.Action.OPENED if open_ else audit.Action.CLOSED,
        actor=therapist,
        couple=couple,
        request=request,
        what="the parent-child dialogue",
    )
    home_changed_after_commit(
        list(couple.memberships.current().values_list("user_id", flat=True)), "parent_child"
    )
