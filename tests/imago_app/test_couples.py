from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from imago_app import services
from imago_app.models import Couple, Invite, Membership
from tests.factories import (
    expire,
    make_couple,
    make_link,
    make_partner,
    make_therapist,
    open_invite,
    text,
)
from tests.queries import page_queries

pytestmark = pytest.mark.django_db


def join(client, code):
    return client.post(reverse("join"), {"code": code})


def state():
    """Everything a join could change, to prove a refused join changed nothing."""
    return (
        list(Membership.objects.values_list("couple_id", "user_id", "left_at").order_by("pk")),
        list(
            Invite.objects.values_list("code", "used_at", "used_by", "withdrawn_at").order_by("pk")
        ),
        list(Couple.objects.values_list("ended_at").order_by("pk")),
    )


@pytest.fixture
def waiting(partner_a):
    """Alex has started a couple; Sam has not joined yet."""
    return services.couple_create(partner=partner_a)


def test_it_starts_a_couple_and_shows_the_code(client_a, partner_a):
    client_a.post(reverse("couple_create"))
    couple = Couple.objects.get()
    invite = open_invite(couple)
    page = text(client_a.get(reverse("home")))
    assert invite.display_code in page
    assert f"/join/{invite.display_code}/" in page
    assert invite.expires_at - invite.created_at == timedelta(hours=72)


def test_it_joins_with_a_valid_code(client_b, waiting, partner_a, partner_b):
    invite = open_invite(waiting)
    response = join(client_b, invite.display_code.lower())
    assert response.status_code == 302
    assert set(waiting.memberships.current().values_list("user", flat=True)) == {
        partner_a.pk,
        partner_b.pk,
    }
    invite.refresh_from_db()
    assert invite.used_by == partner_b
    assert "You and Alex" in text(client_b.get(reverse("home")))


def test_it_joins_through_the_link(client_b, waiting):
    invite = open_invite(waiting)
    page = client_b.get(reverse("join_with_code", args=[invite.display_code]))
    assert f'value="{invite.display_code}"' in text(page)


def test_the_join_link_asks_a_visitor_to_sign_in_first(client, waiting):
    url = reverse("join_with_code", args=[open_invite(waiting).display_code])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("hello", "doesn't look like an invite code"),
        ("7KQM2-XPD4U", "doesn't look like an invite code"),
        ("", "This field is required"),
        ("x" * 500, "at most 40 characters"),
        ("00000-00000", "couldn't find that code"),
    ],
)
def test_it_refuses_malformed_and_unknown_codes(client_b, waiting, typed, message):
    before = state()
    response = join(client_b, typed)
    assert response.status_code == 200
    assert message in text(response)
    assert state() == before


def test_it_refuses_an_expired_code(client_b, waiting):
    invite = open_invite(waiting)
    expire(invite)
    before = state()
    response = join(client_b, invite.code)
    assert "has expired" in text(response)
    assert state() == before


def test_it_refuses_a_used_code_to_a_third_person(client, waiting, partner_b):
    invite = open_invite(waiting)
    services.couple_join(partner=partner_b, code=invite.code)
    third = make_partner("Casey")
    client.force_login(third)
    before = state()
    response = join(client, invite.code)
    assert "already been used" in text(response)
    assert state() == before


def test_it_refuses_your_own_code(client_a, waiting):
    before = state()
    response = join(client_a, open_invite(waiting).code)
    assert "your own code" in text(response)
    assert state() == before


def test_it_refuses_a_partner_already_in_a_couple(client, waiting):
    taken = make_partner("Casey")
    make_couple(taken)
    client.force_login(taken)
    before = state()
    response = join(client, open_invite(waiting).code)
    assert "already in a couple" in text(response)
    assert state() == before


def test_it_refuses_a_replaced_code(client_a, client, waiting, partner_b):
    old = open_invite(waiting)
    client_a.post(reverse("invite_renew", args=[waiting.pk]))
    assert open_invite(waiting).code != old.code
    client.force_login(partner_b)
    before = state()
    response = join(client, old.code)
    assert "replaced or withdrawn" in text(response)
    assert state() == before


def test_it_refuses_a_therapist_code_to_a_partner(client, couple):
    services.therapist_invite_create(couple=couple, partner=couple.memberships.first().user)
    code = open_invite(couple, Invite.Kind.THERAPIST).code
    client.force_login(make_partner("Casey"))
    before = state()
    response = join(client, code)
    assert "for inviting a therapist" in text(response)
    assert state() == before


def test_a_therapist_cannot_join_as_a_partner(client, waiting):
    client.force_login(make_therapist())
    assert join(client, open_invite(waiting).code).status_code == 404
    assert waiting.memberships.count() == 1


def test_a_partner_cannot_start_a_second_couple(client_a, couple):
    client_a.post(reverse("couple_create"))
    assert Couple.objects.count() == 1


def test_leaving_explains_what_happens_then_closes_the_couple_for_both(client_a, couple, partner_b):
    page = text(client_a.get(reverse("couple_leave", args=[couple.pk])))
    assert "closes for both of you" in page and "therapist" in page
    client_a.post(reverse("couple_leave", args=[couple.pk]))
    couple.refresh_from_db()
    assert couple.ended_at is not None
    assert not Membership.objects.current().exists()
    # Both are free to start again.
    assert services.couple_create(partner=partner_b).is_active


def test_two_people_racing_for_one_code_leave_one_couple_of_two(waiting):
    code = open_invite(waiting).code
    first, second = make_partner(), make_partner()
    services.couple_join(partner=first, code=code)
    with pytest.raises(services.Refused):
        services.couple_join(partner=second, code=code)
    assert waiting.memberships.current().count() == 2


def test_the_home_page_costs_the_same_queries_however_much_data_there_is(client_a, couple):
    make_link(couple)

    def count() -> int:
        # page_queries GETs once first: on a busy machine making the data takes over a minute,
        # and the session's once-a-minute write would otherwise be counted.
        return page_queries(client_a, reverse("home"))

    before = count()
    for _ in range(15):
        make_link(make_couple())
        services.couple_create(partner=make_partner())
    assert count() == before


def test_invites_expire_after_72_hours(waiting):
    invite = open_invite(waiting)
    assert invite.is_open(now=invite.created_at + timedelta(hours=71, minutes=59))
    assert not invite.is_open(now=invite.created_at + timedelta(hours=72))
    assert invite.expires_at > timezone.now()
