from django.conf import settings
from django.db import models
from django.utils import timezone

from imago_app.models import Couple


class Appreciation(models.Model):
    """One partner appreciates the other; the other mirrors it and may say how it felt."""

    class About(models.TextChoices):
        TRAIT = "trait", "Something about who you are"
        ACTION = "action", "Something you did"
        RELATIONSHIP = "relationship", "Something about us"

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="appreciations")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    about = models.CharField(max_length=15, choices=About.choices, default=About.ACTION)
    text = models.TextField(max_length=600)
    created_at = models.DateTimeField(default=timezone.now)
    mirror = models.TextField(max_length=600, blank=True)
    felt = models.TextField(max_length=600, blank=True)
    mirrored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["couple", "-created_at"])]

    def __str__(self) -> str:
        return f"Appreciation by {self.author} on {self.created_at:%Y-%m-%d}"
