"""Our cycle: each partner's side of the loop two protections make together.

A side is private to its author until they show it to their partner (`shown`), and, separately,
to the couple's consenting therapist (`for_therapist`). The loop is drawn only when both sides
are shown; the therapist sees a cycle only when both authors let them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from imago_app.models import Couple

SIDE_FIELDS = ("trigger", "feel", "fear", "so_i", "long_for")


class Cycle(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="cycles")
    name = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    working_on = models.BooleanField(default=False)

    class Meta:
        ordering = ["-working_on", "-created_at"]

    def __str__(self) -> str:
        return self.name


class Side(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="sides")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=300, blank=True)  # when you…
    feel = models.CharField(max_length=300, blank=True)  # I feel…
    fear = models.CharField(max_length=300, blank=True)  # and I fear it means…
    so_i = models.CharField(max_length=300, blank=True)  # so I…
    long_for = models.CharField(max_length=300, blank=True)  # what I long for is…
    kept_as_written = models.BooleanField(default=False)
    shown = models.BooleanField(default=False)
    for_therapist = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "author"], name="one_side_each")]

    def __str__(self) -> str:
        return f"{self.author}'s side of {self.cycle}"

    @property
    def complete(self) -> bool:
        return bool(self.trigger and self.feel and self.so_i)
