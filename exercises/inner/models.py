"""Inner work: one person's own material. Private to its author unless they share an item.

An item is shared with the partner of a couple (`partner_couple`: the author's couple at the
moment of sharing) and, separately, with that couple's consenting therapist
(`therapist_couple`). Sharing follows the couple, not the person: if the author later leaves
that couple, nobody of it reads the item any more.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from imago_app.models import Couple


class Shareable(models.Model):
    partner_couple = models.ForeignKey(
        Couple, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    therapist_couple = models.ForeignKey(
        Couple, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class Workup(Shareable):
    """My childhood picture: the caretakers, the frustrations, and the summary I made."""

    author = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workup"
    )
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The part to come back to (a step of `exercises.inner.steps`).
    resume_at = models.CharField(max_length=20, default="ground")
    frustrations = models.TextField(max_length=2000, blank=True)
    reactions = models.TextField(max_length=2000, blank=True)
    drawn_to = models.TextField(max_length=1000, blank=True)
    longed_for = models.TextField(max_length=1000, blank=True)
    protected_by = models.TextField(max_length=1000, blank=True)
    summary_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Childhood picture of {self.author}"


class Caretaker(models.Model):
    workup = models.ForeignKey(Workup, on_delete=models.CASCADE, related_name="caretakers")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    positive = models.TextField(max_length=1000, blank=True)
    negative = models.TextField(max_length=1000, blank=True)
    enjoyed = models.TextField(max_length=1000, blank=True)
    disliked = models.TextField(max_length=1000, blank=True)
    wanted = models.TextField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["workup", "position"], name="one_caretaker_per_slot")
        ]

    def __str__(self) -> str:
        return self.name


class Sitting(models.Model):
    """One sitting with the childhood picture, begun with a check-in (0 to 10)."""

    workup = models.ForeignKey(Workup, on_delete=models.CASCADE, related_name="sittings")
    at = models.DateTimeField(default=timezone.now)
    level = models.PositiveSmallIntegerField()
    # Set when the person saves and stops: the next part begins a new sitting.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Sitting at {self.at:%Y-%m-%d %H:%M}"


class Protection(Shareable):
    """How I protect myself: the statements I recognised, and my own words."""

    author = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="protection"
    )
    chosen = models.JSONField(default=list)  # slugs of `exercises.inner.protection.STATEMENTS`
    own_words = models.TextField(max_length=1500, blank=True)
    hope = models.TextField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Protection of {self.author}"


class Preparation(Shareable):
    """Getting clear before asking for a dialogue."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preparations"
    )
    created_at = models.DateTimeField(default=timezone.now)
    issue = models.CharField(max_length=200)
    feelings = models.TextField(max_length=1000, blank=True)
    need = models.TextField(max_length=1000, blank=True)
    i_statement = models.TextField(max_length=600, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.issue
