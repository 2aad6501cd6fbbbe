"""Writes for accounts, couples and therapist links.

Each function is one transaction, takes keyword arguments, and raises `Refused` with a sentence a
person can read when the action is not allowed; a refused action changes nothing. Open pages are
told after commit.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from imago_app import audit, codes
from imago_app.models import Consent, Couple, Invite, Membership, TherapistLink, User
from imago_app.notify import home_changed_after_commit

CODE_SHAPE = "A code has ten letters and numbers, like 7KQM2-XPD4R."


class Refused(Exception):
    """An action that is not allowed. The message is shown to the person who tried it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _partner_ids(couple: Couple) -> list[int]:
    return list(couple.memberships.current().values_list("user_id", flat=True))


def _new_invite(*, couple: Couple, kind: str, created_by: User) -> Invite:
    now = timezone.now()
    Invite.objects.filter(couple=couple, kind=kind, used_at__isnull=True).update(withdrawn_at=now)
    # 50 random bits: a clash is vanishingly rare, but the unique index would catch it.
    return Invite.objects.create(
        code=codes.new_code(),
        kind=kind,
        couple=couple,
        created_by=created_by,
        created_at=now,
        expires_at=now + settings.INVITE_LIFETIME,
    )


def _open_invite(*, typed_code: str, kind: str) -> Invite:
    """The invite for a typed code, locked for this transaction, or Refused with the reason."""
    code = codes.normalize(typed_code)
    if code is None:
        raise Refused(f"That doesn't look like an invite code. {CODE_SHAPE}")
    invite = Invite.objects.select_for_update().filter(code=code).select_related("couple").first()
    if invite is None:
        raise Refused(
            f"We couldn't find that code. Check it again with whoever gave it to you. {CODE_SHAPE}"
        )
    if invite.kind != kind:
        if kind == Invite.Kind.PARTNER:
            raise Refused("This code is for inviting a therapist, so it can't link two partners.")
        raise Refused(
            "This code is for a partner to join a couple. Ask the couple for the "
            "code they made for their therapist."
        )
    if invite.used_at is not None:
        raise Refused(
            "This code has already been used. Each code works once, so ask for a new one."
        )
    if invite.withdrawn_at is not None or not invite.couple.is_active:
        raise Refused("This code was replaced or withdrawn. Ask for the newest code.")
    if invite.expires_at <= timezone.now():
        raise Refused("This code has expired: codes last three days. Ask for a new one.")
    return invite


@transaction.atomic
def couple_create(*, partner: User) -> Couple:
    """Start a couple with this partner in it, and make the code for the other partner."""
    if not partner.is_partner:
        raise Refused("Therapist accounts can't start a couple.")
    if Membership.objects.current().filter(user=partner).exists():
        raise Refused("You're already in a couple.")
    couple = Couple.objects.create()
    try:
        with transaction.atomic():
            Membership.objects.create(couple=couple, user=partner)
    except IntegrityError:
        raise Refused("You're already in a couple.") from None
    _new_invite(couple=couple, kind=Invite.Kind.PARTNER, created_by=partner)
    home_changed_after_commit([partner.pk], "couple_created")
    return couple


@transaction.atomic
def partner_invite_renew(*, couple: Couple, partner: User) -> Invite:
    """A fresh code for the second partner; any earlier unused code stops working."""
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    if couple.memberships.current().count() >= 2:
        raise Refused("You're both here already, so there is no one left to invite.")
    invite = _new_invite(couple=couple, kind=Invite.Kind.PARTNER, created_by=partner)
    home_changed_after_commit([partner.pk], "invite_renewed")
    return invite


@transaction.atomic
def couple_join(*, partner: User, code: str) -> Couple:
    """Join the couple whose partner code this is. The code is used up."""
    if not partner.is_partner:
        raise Refused(
            "This is a therapist account. Therapists join a couple with the code the "
            "couple made for them, from the therapist home page."
        )
    invite = _open_invite(typed_code=code, kind=Invite.Kind.PARTNER)
    couple = Couple.objects.select_for_update().get(pk=invite.couple_id)
    members = _partner_ids(couple)
    if partner.pk in members:
        raise Refused("This is your own code. It's for your partner to type on their phone.")
    if Membership.objects.current().filter(user=partner).exists():
        raise Refused(
            "You're already in a couple. To join another, leave your current couple "
            "first, from your home page."
        )
    if len(members) >= 2:
        raise Refused("This couple already has two partners.")
    try:
        with transaction.atomic():
            Membership.objects.create(couple=couple, user=partner)
    except IntegrityError:
        raise Refused("You're already in a couple.") from None
    invite.used_at = timezone.now()
    invite.used_by = partner
    invite.save(update_fields=["used_at", "used_by"])
    home_changed_after_commit([*members, partner.pk], "partner_joined")
    return couple


@transaction.atomic
def couple_leave(*, couple: Couple, partner: User, reason: str = Couple.EndReason.LEFT) -> None:
    """Close the couple for both partners, noting who closed it and how (`reason`: they left,
    or are deleting their account), which is what the other partner is told. Any therapist's
    access ends with it."""
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    if not couple.is_active:
        return
    now = timezone.now()
    members = _partner_ids(couple)
    therapist_ids = list(
        TherapistLink.objects.current().filter(couple=couple).values_list("therapist_id", flat=True)
    )
    couple.ended_at, couple.ended_by, couple.end_reason = now, partner, reason
    couple.save(update_fields=["ended_at", "ended_by", "end_reason"])
    couple.memberships.current().update(left_at=now)
    couple.invites.filter(used_at__isnull=True, withdrawn_at__isnull=True).update(withdrawn_at=now)
    ending = TherapistLink.objects.filter(couple=couple, ended_at__isnull=True)
    for _link in ending:
        audit.record(audit.Action.CONSENT_ENDED, actor=partner, couple=couple, what="couple closed")
    ending.update(ended_at=now, ended_by=partner)
    home_changed_after_commit([*members, *therapist_ids], "couple_ended")


@transaction.atomic
def therapist_invite_create(*, couple: Couple, partner: User) -> Invite:
    """A code the couple gives their therapist. Making it counts as this partner's consent."""
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    members = _partner_ids(couple)
    if len(members) < 2:
        raise Refused("Invite your partner first: a therapist is linked to the two of you.")
    if TherapistLink.objects.current().filter(couple=couple).exists():
        raise Refused(
            "You already have a therapist linked. End that link first to invite someone else."
        )
    invite = _new_invite(couple=couple, kind=Invite.Kind.THERAPIST, created_by=partner)
    home_changed_after_commit(members, "therapist_invited")
    return invite


@transaction.atomic
def therapist_link_join(*, therapist: User, code: str) -> TherapistLink:
    """Link a therapist to the couple whose therapist code this is.

    The partner who made the code has consented; the other partner is asked.
    """
    if not therapist.is_therapist:
        raise Refused("This code is for a therapist account.")
    invite = _open_invite(typed_code=code, kind=Invite.Kind.THERAPIST)
    couple = Couple.objects.select_for_update().get(pk=invite.couple_id)
    if TherapistLink.objects.current().filter(couple=couple).exists():
        raise Refused("This couple already has a therapist linked.")
    link = TherapistLink.objects.create(couple=couple, therapist=therapist)
    if invite.created_by_id in _partner_ids(couple):
        Consent.objects.create(link=link, partner_id=invite.created_by_id)
        audit.record(audit.Action.CONSENT_GIVEN, actor=invite.created_by_id, couple=couple)
    invite.used_at = timezone.now()
    invite.used_by = therapist
    invite.save(update_fields=["used_at", "used_by"])
    home_changed_after_commit([*_partner_ids(couple), therapist.pk], "therapist_joined")
    return link


@transaction.atomic
def therapist_consent_give(*, link: TherapistLink, partner: User) -> None:
    """This partner agrees that the linked therapist may see what the couple shares."""
    link = TherapistLink.objects.select_for_update().get(pk=link.pk)
    if link.ended_at is not None:
        raise Refused("This therapist link has already ended.")
    _consent, created = Consent.objects.get_or_create(link=link, partner=partner)
    if created:
        audit.record(audit.Action.CONSENT_GIVEN, actor=partner, couple=link.couple_id)
        home_changed_after_commit(
            [*_partner_ids(link.couple), link.therapist_id], "therapist_consented"
        )


@transaction.atomic
def therapist_link_end(*, link: TherapistLink, partner: User) -> None:
    """End the therapist's access now. Either partner may do this at any time."""
    link = TherapistLink.objects.select_for_update().get(pk=link.pk)
    if link.ended_at is not None:
        return
    link.ended_at = timezone.now()
    link.ended_by = partner
    link.save(update_fields=["ended_at", "ended_by"])
    audit.record(audit.Action.CONSENT_ENDED, actor=partner, couple=link.couple_id)
    home_changed_after_commit([*_partner_ids(link.couple), link.therapist_id], "therapist_ended")
