import pytest
from django.urls import reverse

from imago_app import services
from imago_app.models import AuditEntry, Consent, Invite, TherapistLink
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


def record_url(couple):
    return reverse("therapist_couple", args=[couple.pk])


def test_it_links_a_therapist_by_code_and_shows_nothing_until_both_agree(
    client, couple, partner_a, partner_b, therapist
):
    services.therapist_invite_create(couple=couple, partner=partner_a)
    code = open_invite(couple, Invite.Kind.THERAPIST).display_code
    client.force_login(therapist)
    client.post(reverse("therapist_join"), {"code": code})
    link = TherapistLink.objects.get()
    home = text(client.get(reverse("home")))
    assert "Sam" not in home and "Alex" not in home
    assert "1 couple still to agree" in home
    assert client.get(record_url(couple)).status_code == 404

    # Alex made the code, so Alex has agreed; Sam is asked.
    client.force_login(partner_b)
    assert "I agree" in text(client.get(reverse("home")))
    client.post(reverse("therapist_consent", args=[couple.pk, link.pk]))

    client.force_login(therapist)
    assert "Alex & Sam" in text(client.get(reverse("home")))
    assert client.get(record_url(couple)).status_code == 200


def test_every_therapist_read_is_logged(client, couple, therapist):
    make_link(couple, therapist)
    client.force_login(therapist)
    client.get(record_url(couple))
    entry = AuditEntry.objects.get(action="record_read")
    assert (entry.couple, entry.actor) == (couple, therapist)


def test_revoking_ends_access_at_once(client, couple, partner_b, therapist):
    link = make_link(couple, therapist)
    client.force_login(therapist)
    assert client.get(record_url(couple)).status_code == 200
    client.force_login(partner_b)
    client.post(reverse("therapist_end", args=[couple.pk, link.pk]))
    client.force_login(therapist)
    assert client.get(record_url(couple)).status_code == 404
    assert "No couples yet" in text(client.get(reverse("home")))


def test_leaving_the_couple_ends_the_therapists_access(client, couple, partner_a, therapist):
    make_link(couple, therapist)
    services.couple_leave(couple=couple, partner=partner_a)
    client.force_login(therapist)
    assert client.get(record_url(couple)).status_code == 404


def test_a_therapist_sees_only_their_own_couples(client, couple, therapist):
    make_link(couple, therapist)
    other_couple = make_couple()
    make_link(other_couple)
    client.force_login(therapist)
    assert client.get(record_url(other_couple)).status_code == 404


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("expired", "has expired"),
        ("used", "already been used"),
        ("partner_code", "for a partner to join"),
        ("unknown", "couldn't find that code"),
        ("malformed", "doesn't look like an invite code"),
    ],
)
def test_it_refuses_bad_therapist_codes_and_changes_nothing(
    client, couple, partner_a, case, message
):
    services.therapist_invite_create(couple=couple, partner=partner_a)
    invite = open_invite(couple, Invite.Kind.THERAPIST)
    code = invite.code
    if case == "expired":
        expire(invite)
    elif case == "used":
        services.therapist_link_join(therapist=make_therapist(), code=code)
    elif case == "partner_code":
        code = services.couple_create(partner=make_partner()).invites.get().code
    elif case == "unknown":
        code = "00000-00000"
    elif case == "malformed":
        code = "help me"
    links_before = list(TherapistLink.objects.values_list("pk", "therapist"))
    client.force_login(make_therapist())
    response = client.post(reverse("therapist_join"), {"code": code})
    assert message in text(response)
    assert list(TherapistLink.objects.values_list("pk", "therapist")) == links_before


def test_a_couple_needs_both_partners_before_inviting_a_therapist(client, partner_a):
    couple = services.couple_create(partner=partner_a)
    client.force_login(partner_a)
    client.post(reverse("therapist_invite", args=[couple.pk]))
    assert not Invite.objects.filter(kind=Invite.Kind.THERAPIST).exists()


def test_consent_is_recorded_once_per_partner(couple, partner_a, partner_b):
    link = make_link(couple, consent=False)
    services.therapist_consent_give(link=link, partner=partner_b)
    services.therapist_consent_give(link=link, partner=partner_b)
    assert Consent.objects.filter(link=link).count() == 2


def test_the_therapist_home_costs_the_same_queries_with_more_couples(client, therapist):
    make_link(make_couple(), therapist)
    client.force_login(therapist)

    def count() -> int:
        return page_queries(client, reverse("home"))  # steady state: see tests/queries.py

    before = count()
    for _ in range(10):
        make_link(make_couple(), therapist)
    make_link(make_couple(), therapist, consent=False)
    assert count() == before
    assert text(client.get(reverse("home"))).count("/therapist/couples/") == 11
