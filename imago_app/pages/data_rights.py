"""A partner's own data: everything they wrote, to download; and deleting their account.

The core's part is the account and couples; each practice adds its own (`Practice.export`,
`Practice.delete_account`).
"""

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest

from imago_app import access, practices, services
from imago_app.models import Couple, Membership, User
from imago_app.practices import iso


def what_is_kept() -> str:
    """What a partner wrote, in words, from every practice: "your turns in dialogues, …, and
    repairs"."""
    words = [w for practice in practices.all() for w in practice.your_data]
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def export(user: User) -> dict:
    """What this partner wrote and did, in a plain structure for JSON. Their partner's words
    are not included, apart from what the partner wrote to them to mirror."""
    data = {
        "account": {
            "username": user.username,
            "name": user.display_name,
            "email": user.email,
            "kind": user.kind,
            "time_zone": user.time_zone,
            "joined": iso(user.date_joined),
        },
        "couples": [
            {"couple": m.couple_id, "joined": iso(m.joined_at), "left": iso(m.left_at)}
            for m in Membership.objects.filter(user=user)
        ],
    }
    for practice in practices.all():
        data |= practice.export(user)
    return data


@transaction.atomic
def delete_account(request: HttpRequest, user: User) -> None:
    """Close the partner's couple (as leaving does), let each practice remove or blank what they
    wrote, then delete the account itself, and sign them out."""
    couple = access.current_couple(user)
    if couple is not None:
        services.couple_leave(couple=couple, partner=user, reason=Couple.EndReason.ACCOUNT_DELETED)
    for practice in practices.all():
        practice.delete_account(user)
    logout(request)
    user.delete()  # cascades to their lists, reflections, requests, stretches, consents
