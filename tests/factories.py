"""Plain factories for tests: each makes one thing, with what it needs, in the database."""

import html
import itertools
from datetime import timedelta

from django.utils import timezone

from imago_app import services
from imago_app.models import Couple, Invite, TherapistLink, User

PASSWORD = "a calm river at dawn 42"
_counter = itertools.count(1)


def make_user(*, kind: str = User.Kind.PARTNER, name: str | None = None, **extra) -> User:
    n = next(_counter)
    name = name or f"Person{n}"
    user = User(
        username=extra.pop("username", f"{name.lower()}{n}"),
        display_name=name,
        email=extra.pop("email", f"{name.lower()}{n}@example.org"),
        kind=kind,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_partner(name: str | None = None, **extra) -> User:
    return make_user(kind=User.Kind.PARTNER, name=name, **extra)


def make_therapist(name: str | None = None, **extra) -> User:
    return make_user(kind=User.Kind.THERAPIST, name=name, **extra)


def open_invite(couple: Couple, kind: str = Invite.Kind.PARTNER) -> Invite:
    return Invite.objects.get(couple=couple, kind=kind, used_at=None, withdrawn_at=None)


def make_couple(a: User | None = None, b: User | None = None) -> Couple:
    """A linked couple of two partners, made the way users make one."""
    a = a or make_partner()
    b = b or make_partner()
    couple = services.couple_create(partner=a)
    services.couple_join(partner=b, code=open_invite(couple).code)
    return couple


def make_link(
    couple: Couple, therapist: User | None = None, *, consent: bool = True
) -> TherapistLink:
    """A therapist linked to the couple; with `consent`, both partners have agreed."""
    therapist = therapist or make_therapist()
    a, b = (m.user for m in couple.memberships.current().order_by("joined_at"))
    services.therapist_invite_create(couple=couple, partner=a)
    link = services.therapist_link_join(
        therapist=therapist, code=open_invite(couple, Invite.Kind.THERAPIST).code
    )
    if consent:
        services.therapist_consent_give(link=link, partner=b)
    return link


def expire(invite: Invite) -> None:
    invite.expires_at = timezone.now() - timedelta(minutes=1)
    invite.save(update_fields=["expires_at"])


def text(response) -> str:
    """A response's HTML with entities decoded, to compare with the sentences people read."""
    return html.unescape(response.content.decode())


def make_dialogue(couple, requester, **options):
    """A dialogue request, made the way a partner makes one."""
    from dialogue import services as dialogue_services

    return dialogue_services.dialogue_request(
        couple=couple,
        partner=requester,
        mode=options.pop("mode", "written"),
        device=options.pop("device", "two_devices"),
        key=f"request-{next(_counter)}",
        **options,
    )


def make_change_request(couple, sender, *, echo: str = "", frustration: str = "f", **extra):
    """A request for change with three simple requests, ending in nine days."""
    from exercises.requests import services as request_services

    ends_on = timezone.localdate() + timedelta(days=9)
    return request_services.change_request_create(
        couple=couple,
        sender=sender,
        frustration=frustration,
        desire="d",
        echo=echo,
        echo_shared=extra.pop("echo_shared", False),
        requests=[
            {"position": n, "text": "t", "measure": "daily", "ends_on": ends_on} for n in (1, 2, 3)
        ],
        **extra,
    )


def make_exercises(couple, a, b, *, echo: str = "", appreciation_by=None) -> dict:
    """One of each exercise object in a couple: a's caring item given by b, an appreciation,
    a's request for change, b's micro-stretch and a's repair."""
    from exercises.appreciation import services as appreciation_services
    from exercises.caring.models import CaringItem, Gift
    from exercises.requests import services as request_services

    item = CaringItem.objects.create(couple=couple, owner=a, text="tea in bed please")
    return {
        "item": item,
        "gift": Gift.objects.create(item=item, giver=b),
        "appreciation": appreciation_services.appreciation_offer(
            couple=couple, author=appreciation_by or a, about="action", text="soup"
        ),
        "change": make_change_request(
            couple, a, echo=echo, frustration="When you are late, I worry."
        ),
        "stretch": request_services.micro_stretch_pick(couple=couple, giver=b, slug="hug"),
        "repair": request_services.repair_start(couple=couple, author=a, what_happened="w"),
    }
