from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from imago_app import codes, practices


class User(AbstractUser):
    class Kind(models.TextChoices):
        PARTNER = "partner", "Partner"
        THERAPIST = "therapist", "Therapist"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PARTNER)
    display_name = models.CharField(
        "name your partner sees", max_length=40, help_text="A first name or a nickname."
    )
    email = models.EmailField("e-mail address")
    # An IANA name ("America/Los_Angeles"), from the browser at sign-up and sign-in or chosen on
    # the time zone page; empty until known, which means the server's TIME_ZONE (zones.py).
    time_zone = models.CharField("time zone", max_length=64, blank=True, default="")

    @property
    def is_partner(self) -> bool:
        return self.kind == self.Kind.PARTNER

    @property
    def is_therapist(self) -> bool:
        return self.kind == self.Kind.THERAPIST

    def __str__(self) -> str:
        return self.display_name or self.username


class Couple(models.Model):
    """Two partners, linked by an invite code. Ended when either partner leaves (or deletes
    their account); the partner who remains is told which, and nothing more."""

    class EndReason(models.TextChoices):
        LEFT = "left", "left the couple"
        ACCOUNT_DELETED = "account_deleted", "deleted their account"

    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Who closed it (none once their account is deleted), and how.
    ended_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    def __str__(self) -> str:
        return f"Couple {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_at__isnull=True)


class Membership(models.Model):
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        # The partners are always named in the same order (who joined first): unordered,
        # PostgreSQL may return them either way, and a couple read "Sam & Alex" one day and
        # "Alex & Sam" the next.
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(left_at__isnull=True),
                name="one_current_couple_per_partner",
            ),
            models.UniqueConstraint(fields=["couple", "user"], name="one_membership_per_couple"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.couple}"


class Invite(models.Model):
    """A single-use, expiring code: for the second partner, or for a therapist."""

    class Kind(models.TextChoices):
        PARTNER = "partner", "Partner"
        THERAPIST = "therapist", "Therapist"

    code = models.CharField(max_length=codes.LENGTH, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="invites")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set when a newer code replaces this one or the couple ends.
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} invite for {self.couple}"

    @property
    def display_code(self) -> str:
        return codes.display(self.code)

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.withdrawn_at is None and self.expires_at > now


class TherapistLinkQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_at__isnull=True, couple__ended_at__isnull=True)

    def consented(self):
        """Links the therapist may use: current, and agreed to by both partners."""
        return (
            self.current()
            .annotate(consent_count=Count("consents", distinct=True))
            .filter(consent_count=2)
        )


class TherapistLink(models.Model):
    """A therapist joined by the couple's code. Seen only with both partners' consent."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="therapist_links")
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="therapist_links")
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TherapistLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["couple"],
                condition=Q(ended_at__isnull=True),
                name="one_current_therapist_per_couple",
            )
        ]

    def __str__(self) -> str:
        return f"{self.therapist} for {self.couple}"


class Consent(models.Model):
    """One partner's agreement that the linked therapist may see what the couple shares."""

    link = models.ForeignKey(TherapistLink, on_delete=models.CASCADE, related_name="consents")
    partner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "partner"], name="one_consent_per_partner")
        ]

    def __str__(self) -> str:
        return f"{self.partner} agrees to {self.link}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One line of the security log: append-only, each line holding the hash of the one before.

    It records every therapist read of a couple's record (both partners can read those), and
    sign-ins, sign-outs, failed sign-ins, consent changes and refused access. Who and which
    couple are kept as plain ids, never cascaded, so deleting an account changes no line, and
    `manage.py audit_verify` can recompute the chain (imago_app/audit.py).
    """

    class Action(models.TextChoices):
        RECORD_READ = "record_read", "read the couple's record"
        SIGNED_IN = "signed_in", "signed in"
        SIGNED_OUT = "signed_out", "signed out"
        SIGN_IN_FAILED = "sign_in_failed", "failed to sign in"
        CONSENT_GIVEN = "consent_given", "agreed to a therapist seeing what is shared"
        CONSENT_ENDED = "consent_ended", "ended a therapist's access"
        DENIED = "denied", "was refused access"
        # A therapist opens (or closes) something for the couple; `what` says what.
        OPENED = "opened", "opened for the couple"
        CLOSED = "closed", "closed for the couple"

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField()
    action = models.CharField(max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    couple = models.ForeignKey(
        Couple, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)  # as typed, for failed sign-ins
    ip = models.CharField(max_length=45, blank=True)  # text, so no database reformats it
    what = models.CharField(max_length=200, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["couple", "action", "-at"]),
            models.Index(fields=["action", "username", "at"]),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")


class OpenSocket(models.Model):
    """A WebSocket a user has open now. A dialogue request goes by e-mail when there is none."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="open_sockets")
    channel_name = models.CharField(max_length=200, unique=True)
    opened_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} on {self.channel_name}"


class PrivateNote(models.Model):
    """A therapist's own note on an appointment: never shown to the couple."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    appointment = models.DateField()
    text = models.TextField(max_length=4000)
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-appointment", "-written_at"]

    def __str__(self) -> str:
        return f"Private note on {self.appointment}"


class SharedNote(models.Model):
    """A short summary of an appointment that the couple can read. Stored apart from the
    therapist's private notes, so one can never leak into the other."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="shared_notes")
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    appointment = models.DateField()
    text = models.TextField(max_length=2000)
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-appointment", "-written_at"]

    def __str__(self) -> str:
        return f"Shared note on {self.appointment}"


class Homework(models.Model):
    """An exercise the therapist suggests, with a rhythm and an end date. Its kinds are the
    practices' (`Practice.homework_kinds`); `micro` is the kind's detail, when it has one.
    Follow-through counts from `created_at`, the moment it was set (`practices.done_in_window`);
    `starts_on` is the day that was for the therapist."""

    couple = models.ForeignKey(Couple, on_delete=models.CASCADE, related_name="homework")
    therapist = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=15, choices=practices.homework_choices)
    micro = models.CharField(max_length=40, blank=True)  # the kind's detail (a library slug)
    frequency = models.CharField(max_length=100)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ends_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.frequency})"
