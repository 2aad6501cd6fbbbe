from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from imago_app.models import Couple


class CaringItem(models.Model):
    """One line of a partner's list: "I feel loved and cared about when you…"."""

    class When(models.TextChoices):
        NOW = "now", "You do this now"
        USED_TO = "used_to", "You used to do this"
        WISHED = "wished", "I'd love this, one day"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="caring_items")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="caring_items"
    )
    text = models.CharField(max_length=200)
    when = models.CharField(max_length=10, choices=When.choices, default=When.NOW)
    importance = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 matters most, 5 least.",
    )
    kept_as_written = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["importance", "created_at"]

    def __str__(self) -> str:
        return self.text


class NotReady(models.Model):
    """The giver is not ready to give this item yet. Never shown to the list's owner."""

    item = models.ForeignKey(CaringItem, on_delete=models.CASCADE, related_name="not_ready")
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "giver"], name="not_ready_once")]

    def __str__(self) -> str:
        return f"not ready: {self.item}"


class Gift(models.Model):
    """One time a partner gave a caring behaviour from the other's list."""

    item = models.ForeignKey(CaringItem, on_delete=models.CASCADE, related_name="gifts")
    giver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)
    thanked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.giver} gave {self.item}"
