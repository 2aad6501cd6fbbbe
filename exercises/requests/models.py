from django.conf import settings
from django.db import models
from django.utils import timezone

from imago_app.models import Couple


class ChangeRequest(models.Model):
    """A behaviour change request: a frustration, the desire under it, and three requests."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="change_requests")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    frustration = models.CharField(max_length=300)
    desire = models.TextField(max_length=800)
    # Private to the sender; shown to the therapist only when `echo_shared`.
    echo = models.TextField(max_length=800, blank=True)
    echo_shared = models.BooleanField(default=False)
    # The dialogue it was started from, by id: a practice does not hold another's rows.
    from_dialogue_id = models.BigIntegerField(null=True, blank=True)
    mirror = models.TextField(max_length=1200, blank=True)
    mirrored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.frustration


class Request(models.Model):
    """One of the three: positive, specific, measurable, time-limited."""

    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.CASCADE, related_name="requests"
    )
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)
    measure = models.CharField(max_length=100)
    ends_on = models.DateField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["change_request", "position"], name="request_slot")
        ]

    def __str__(self) -> str:
        return self.text


class Stretch(models.Model):
    """A request given as a gift, or a micro-stretch the couple picked, followed to its end."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="stretches")
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request = models.OneToOneField(
        Request, on_delete=models.CASCADE, null=True, blank=True, related_name="stretch"
    )
    micro = models.CharField(max_length=40, blank=True)  # a slug from the library
    title = models.CharField(max_length=200)
    measure = models.CharField(max_length=100)
    started_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField()
    giver_review = models.TextField(max_length=800, blank=True)
    other_review = models.TextField(max_length=800, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["ends_on"]

    def __str__(self) -> str:
        return self.title


class StretchLog(models.Model):
    stretch = models.ForeignKey(Stretch, on_delete=models.CASCADE, related_name="logs")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.stretch} on {self.at:%Y-%m-%d}"


class Repair(models.Model):
    """A short repair: what happened; what it was like for the other (mirrored); next time."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="repairs")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    what_happened = models.TextField(max_length=800)
    what_it_was_like = models.TextField(max_length=800, blank=True)  # by the other partner
    mirror = models.TextField(max_length=800, blank=True)  # by the author
    next_time = models.TextField(max_length=800, blank=True)  # by the author
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Repair by {self.author} on {self.created_at:%Y-%m-%d}"
