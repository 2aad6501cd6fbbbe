"""A partner's own data: everything they wrote, to download; and deleting their account."""

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest

from dialogue.models import Event, Reflection
from exercises.appreciation.models import Appreciation
from exercises.caring.models import CaringItem, Gift
from exercises.requests.models import ChangeRequest, Repair, Stretch
from imago_app import access, services
from imago_app.models import Membership, User


def _iso(value):
    return value.isoformat() if value else None


def export(user: User) -> dict:
    """What this partner wrote and did, in a plain structure for JSON. Their partner's words
    are not included, apart from what the partner wrote to them to mirror."""
    return {
        "account": {
            "username": user.username,
            "name": user.display_name,
            "email": user.email,
            "kind": user.kind,
            "joined": _iso(user.date_joined),
        },
        "couples": [
            {"couple": m.couple_id, "joined": _iso(m.joined_at), "left": _iso(m.left_at)}
            for m in Membership.objects.filter(user=user)
        ],
        "dialogue_turns": [
            {
                "dialogue": e.dialogue_id,
                "topic": e.dialogue.topic,
                "round": e.round,
                "step": e.step,
                "move": e.kind,
                "text": e.text,
                "details": e.data,
                "at": _iso(e.at),
            }
            for e in Event.objects.filter(actor=user).select_related("dialogue").order_by("at")
        ],
        "reflections": [
            {
                "dialogue": r.dialogue_id,
                "text": r.text,
                "unmet_need": r.unmet_need,
                "shared_with_therapist": r.shared,
                "written": _iso(r.created_at),
            }
            for r in Reflection.objects.filter(author=user)
        ],
        "caring_list": [
            {"text": i.text, "when": i.when, "importance": i.importance}
            for i in CaringItem.objects.filter(owner=user)
        ],
        "caring_given": [
            {"item": g.item.text, "at": _iso(g.given_at)}
            for g in Gift.objects.filter(giver=user).select_related("item")
        ],
        "appreciations_given": [
            {"about": a.about, "text": a.text, "at": _iso(a.created_at)}
            for a in Appreciation.objects.filter(author=user)
        ],
        "appreciations_mirrored": [
            {"appreciation": a.text, "your_mirror": a.mirror, "how_it_felt": a.felt}
            for a in Appreciation.objects.filter(
                couple__memberships__user=user, mirrored_at__isnull=False
            )
            .exclude(author=user)
            .distinct()
        ],
        "requests_for_change": [
            {
                "frustration": c.frustration,
                "desire": c.desire,
                "childhood_echo": c.echo,
                "echo_shared_with_therapist": c.echo_shared,
                "requests": [
                    {"text": r.text, "measure": r.measure, "until": _iso(r.ends_on)}
                    for r in c.requests.all()
                ],
            }
            for c in ChangeRequest.objects.filter(sender=user).prefetch_related("requests")
        ],
        "stretches_given": [
            {
                "title": s.title,
                "measure": s.measure,
                "until": _iso(s.ends_on),
                "times": [_iso(log.at) for log in s.logs.all()],
                "your_review": s.giver_review,
            }
            for s in Stretch.objects.filter(giver=user).prefetch_related("logs")
        ],
        "repairs": [
            {"what_happened": r.what_happened, "said_back": r.mirror, "next_time": r.next_time}
            for r in Repair.objects.filter(author=user)
        ],
    }


@transaction.atomic
def delete_account(request: HttpRequest, user: User) -> None:
    """Close the partner's couple (as leaving does), remove everything they wrote, then the
    account itself, and sign them out."""
    couple = access.current_couple(user)
    if couple is not None:
        services.couple_leave(couple=couple, partner=user)
    # Their turns leave the dialogues; what their partner wrote stays with the partner.
    Event.objects.filter(actor=user).delete()
    # What they wrote on their partner's things.
    Appreciation.objects.filter(couple__memberships__user=user).exclude(author=user).update(
        mirror="", felt=""
    )
    Repair.objects.filter(couple__memberships__user=user).exclude(author=user).update(
        what_it_was_like=""
    )
    logout(request)
    user.delete()  # cascades to their lists, reflections, requests, stretches, consents
