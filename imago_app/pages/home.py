"""What the home page shows each kind of user: one function serves the page and its live pushes.

The practices contribute through `imago_app.practices`: their cards and exercise links on a
partner's home, their last activity on the therapist's dashboard (annotations of its one query),
their live announcements.
"""

from datetime import timedelta

from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from imago_app import access, practices
from imago_app.forms import CodeForm
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
from imago_app.pages.homework import with_progress as homework_progress

PARTNER_PANEL = "imago_app/home.html#partner-panel"
THERAPIST_PANEL = "imago_app/home.html#therapist-panel"

# How far back the "From your partner" card looks, and how much it shows.
NEWS_DAYS = 3
NEWS_MAX = 5

# Said to screen readers (and shown) when a live change arrives.
ANNOUNCEMENTS = {
    "partner_joined": "Your partner has joined. You're linked now.",
    "couple_ended": "This couple has been closed.",
    "therapist_joined": "Your therapist has joined with your code.",
    "therapist_consented": "Consent for your therapist was updated.",
    "therapist_ended": "The therapist link has ended.",
}


def announcements() -> dict[str, str]:
    """The core's announcements and every practice's."""
    found = dict(ANNOUNCEMENTS)
    for practice in practices.all():
        found |= practice.announcements()
    return found


def partner_context(user: User) -> dict:
    couple = access.current_couple(user)
    context = {
        "couple": couple,
        "other": None,
        "partner_invite": None,
        "link": None,
        "cards": [],
        "exercise_links": practices.collect(lambda p: p.exercise_links()),
    }
    if couple is None:
        # The latest couple they were in, if it closed: what happened, and their words.
        context["closed"] = next(iter(access.closed_couples(user)), None)
        return context
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
    context["cards"] = practices.collect(lambda p: p.home_cards(user, couple, context))
    if context["other"] is not None:
        since = timezone.now() - timedelta(days=NEWS_DAYS)
        news = practices.collect(lambda p: p.news(user, context["other"], since))
        context["news"] = sorted(news, key=lambda n: n.at, reverse=True)[:NEWS_MAX]
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
    couple = OuterRef("couple")
    activity = {
        f"last_activity_{n}": subquery
        for n, subquery in enumerate(practices.collect(lambda p: p.last_activity(couple)))
    }
    links = (
        TherapistLink.objects.consented()
        .filter(therapist=user)
        .annotate(
            **activity,
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
        stamps = [getattr(link, name) for name in activity]
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
    # A card's `unkeyed` part (a form with a fresh key) is not part of what the panel shows.
    cards = context.get("cards", [])
    context["panel_key"] = screen_key(
        {**context, "cards": [(card.template, card.context) for card in cards]}
    )
    if user.is_partner:
        context["join_url_base"] = request.build_absolute_uri(reverse("join"))
    context["code_form"] = CodeForm()
    return template, context
