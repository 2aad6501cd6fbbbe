from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from dialogue import machine, vocabulary
from imago_app.models import Couple


class Dialogue(models.Model):
    """One Intentional Dialogue of a couple. Its events are the truth; `snapshot` is the machine
    state after event `seq`, kept so a move does not replay the whole history."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="dialogues")
    # Kept when the requester deletes their account: the other partner's words stay theirs.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=[(m.value, m.value) for m in machine.Mode])
    device = models.CharField(max_length=15, choices=[(d.value, d.value) for d in machine.Device])
    topic = models.CharField(max_length=machine.MAX_TOPIC, blank=True)
    timebox_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    variant = models.CharField(
        max_length=15,
        choices=[(v.value, v.value) for v in machine.Variant],
        default=machine.Variant.INTENTIONAL,
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    seq = models.PositiveIntegerField(default=0)
    snapshot = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple"], condition=Q(ended_at__isnull=True), name="one_open_dialogue"
            )
        ]

    def __str__(self) -> str:
        return f"Dialogue {self.pk} of {self.couple}"

    def initial_state(self) -> machine.State:
        other = (
            self.couple.memberships.exclude(user_id=self.requested_by_id)
            .values_list("user_id", flat=True)
            .first()
        )
        return machine.start(
            requester=self.requested_by_id,
            other=other,
            mode=self.mode,
            device=self.device,
            topic=self.topic,
            timebox_minutes=self.timebox_minutes,
        )


class Event(models.Model):
    """One thing that happened in a dialogue, in order. Append-only."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The client's key for this move: a retried move is recognised, not applied twice.
    key = models.CharField(max_length=64)
    # Where the dialogue stood when the move was made (for the transcript).
    round = models.PositiveSmallIntegerField(default=1)
    step = models.CharField(max_length=12)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)  # level, feelings, time
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "seq"], name="event_seq_unique"),
            models.UniqueConstraint(fields=["dialogue", "key"], name="event_key_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} in {self.dialogue}"

    def as_move(self) -> machine.Move:
        time = self.data.get("time")
        return machine.Move(
            kind=self.kind,
            by=self.actor_id,
            at=self.at,
            text=self.text,
            level=self.data.get("level"),
            feelings=tuple(self.data.get("feelings", ())),
            time=datetime.fromisoformat(time) if time else None,
        )


class Reflection(models.Model):
    """What a partner writes after a dialogue. Never shown to the other partner; shown to the
    therapist only when `shared`."""

    NEED_CHOICES = [(need["slug"], need["label"]) for need in vocabulary.unmet_needs()]

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="reflections")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    text = models.TextField(blank=True)
    unmet_need = models.CharField(max_length=20, choices=NEED_CHOICES, blank=True)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "author"], name="one_reflection_each")
        ]

    def __str__(self) -> str:
        return f"Reflection by {self.author} on {self.dialogue}"


class DialogueShare(models.Model):
    """One partner agrees to show this dialogue's transcript to the couple's therapist. The
    therapist reads it only when both partners have agreed; otherwise only its outline."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="shares")
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "partner"], name="one_share_each")
        ]

    def __str__(self) -> str:
        return f"{self.partner} shares {self.dialogue}"


class ParentChildOpening(models.Model):
    """The couple's therapist has opened the parent-child dialogue for them (until closed).
    Without an open one, the service refuses to start that variant."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Parent-child dialogue opened for {self.couple}"
