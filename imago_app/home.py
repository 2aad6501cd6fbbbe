"""What the home page shows each kind of user: one function serves the page and its live pushes."""

import secrets

from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from dialogue.forms import StartForm
from imago_app import access
from imago_app.forms import CodeForm
from imago_app.homework import with_progress as homework_progress
from imago_app.keys import screen_key
from imago_app.models import (
    AuditEntry,
    Homework,
    Invite,
    Membership,
    SharedNote,
    TherapistLink,
    User,
)

PARTNER_PANEL = "imago_app/home.html#partner-panel"
THERAPIST_PANEL = "imago_app/home.html#therapist-panel"

# Said to screen readers (and shown) when a live change arrives.
ANNOUNCEMENTS = {
    "partner_joined": "Your partner has joined. You're linked now.",
    "couple_ended": "This couple has been closed.",
    "therapist_joined": "Your therapist has joined with your code.",
    "therapist_consented": "Consent for your therapist was updated.",
    "therapist_ended": "The therapist link has ended.",
    "dialogue_requested": "Your partner would like a dialogue.",
    "dialogue_ended": "The dialogue has ended.",
}


def partner_context(user: User) -> dict:
    couple = access.current_couple(user)
    context = {
        "couple": couple,
        "other": None,
        "partner_invite": None,
        "link": None,
        "open_dialogue": None,
    }
    if couple is None:
        return context
    dialogue = couple.dialogues.filter(ended_at__isnull=True).first()
    context["open_dialogue"] = dialogue
    # A request not yet answered, waiting for this partner.
    context["dialogue_asks_me"] = bool(
        dialogue and dialogue.seq == 1 and dialogue.requested_by_id != user.pk
    )
    members = [
        m.user for m in Membership.objects.current().filter(couple=couple).select_related("user")
    ]
    context["other"] = next((m for m in members if m.pk != user.pk), None)
    open_invites = {
        invite.kind: invite
        for invite in Invite.objects.filter(
            couple=couple, used_at__isnull=True, withdrawn_at__isnull=True
        )
        if invite.is_open()
    }
    context["partner_invite"] = open_invites.get(Invite.Kind.PARTNER)
    context["therapist_invite"] = open_invites.get(Invite.Kind.THERAPIST)
    link = (
        TherapistLink.objects.current()
        .filter(couple=couple)
        .select_related("therapist")
        .prefetch_related("consents")
        .first()
    )
    if link is not None:
        consenting = {consent.partner_id for consent in link.consents.all()}
        context["link"] = link
        context["i_consented"] = user.pk in consenting
        context["other_consented"] = context["other"] is not None and (
            context["other"].pk in consenting
        )
    # What the therapist has shared with the couple: summaries and homework.
    context["shared_notes"] = list(SharedNote.objects.filter(couple=couple)[:3])
    context["homework"] = homework_progress(
        couple, list(Homework.objects.filter(couple=couple, ends_on__gte=timezone.localdate()))
    )
    return context


def _latest(queryset, field: str):
    """A subquery: the latest `field` of `queryset` (already filtered on OuterRef("couple"))."""
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def therapist_context(user: User) -> dict:
    from dialogue.models import Event
    from exercises.appreciation.models import Appreciation
    from exercises.caring.models import Gift
    from exercises.requests.models import ChangeRequest, StretchLog

    couple = OuterRef("couple")
    links = (
        TherapistLink.objects.consented()
        .filter(therapist=user)
        .annotate(
            last_event=_latest(Event.objects.filter(dialogue__couple=couple), "at"),
            last_appreciation=_latest(Appreciation.objects.filter(couple=couple), "created_at"),
            last_gift=_latest(Gift.objects.filter(item__couple=couple), "given_at"),
            last_log=_latest(StretchLog.objects.filter(stretch__couple=couple), "at"),
            last_request=_latest(ChangeRequest.objects.filter(couple=couple), "created_at"),
            last_looked=_latest(
                AuditEntry.objects.filter(
                    couple=couple, actor=user, action=AuditEntry.Action.RECORD_READ
                ),
                "at",
            ),
        )
        .select_related("couple")
        .prefetch_related(
            Prefetch(
                "couple__memberships",
                queryset=Membership.objects.current().select_related("user"),
                to_attr="current_memberships",
            )
        )
        .order_by("-created_at")
    )
    couples = []
    for link in links:
        stamps = [
            link.last_event,
            link.last_appreciation,
            link.last_gift,
            link.last_log,
            link.last_request,
        ]
        last_activity = max((s for s in stamps if s is not None), default=None)
        couples.append(
            {
                "couple": link.couple,
                "partners": [m.user for m in link.couple.current_memberships],
                "last_activity": last_activity,
                "new": last_activity is not None
                and (link.last_looked is None or last_activity > link.last_looked),
            }
        )
    waiting = TherapistLink.objects.current().filter(therapist=user).count() - len(couples)
    return {"couples": couples, "waiting": waiting}


def panel_for(request: HttpRequest) -> tuple[str, dict]:
    """The panel template and its context for the request's user (a page or a socket push).

    The context carries `panel_key`, which changes exactly when what the panel shows changes.
    """
    user = request.user
    if user.is_therapist:
        template, context = THERAPIST_PANEL, therapist_context(user)
    else:
        template, context = PARTNER_PANEL, partner_context(user)
    context["panel_key"] = screen_key(context)
    if user.is_partner:
        context["join_url_base"] = request.build_absolute_uri(reverse("join"))
    context["code_form"] = CodeForm()
    if user.is_partner:
        context["start_form"] = start_form(context)
    return template, context


def start_form(context: dict) -> StartForm:
    """The request form, saying truly who will see its topic."""
    form = StartForm(initial={"key": secrets.token_urlsafe(16)})
    link = context.get("link")
    if link is not None:
        name = link.therapist.display_name
        if context.get("i_consented") and context.get("other_consented"):
            sees = f"{name}, your therapist, will see the topic in the dialogue's outline."
        else:
            sees = f"If you both agree to {name}'s access, they will see the topic in the outline."
        form.fields["topic"].help_text = f"{form.fields['topic'].help_text} {sees}"
    return form
