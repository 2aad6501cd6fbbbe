"""Every couple URL, tried by someone it does not belong to."""

import pytest
from django.urls import reverse

from imago_app.models import Couple, Invite, Membership, TherapistLink
from tests.factories import make_link, make_therapist

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(couple):
    return make_link(couple, consent=False)


def couple_urls(couple, link):
    return [
        ("post", reverse("invite_renew", args=[couple.pk])),
        ("get", reverse("couple_leave", args=[couple.pk])),
        ("post", reverse("couple_leave", args=[couple.pk])),
        ("post", reverse("therapist_invite", args=[couple.pk])),
        ("post", reverse("therapist_consent", args=[couple.pk, link.pk])),
        ("get", reverse("therapist_end", args=[couple.pk, link.pk])),
        ("post", reverse("therapist_end", args=[couple.pk, link.pk])),
        ("get", reverse("therapist_couple", args=[couple.pk])),
    ]


def snapshot():
    return (
        list(Couple.objects.values_list("pk", "ended_at").order_by("pk")),
        list(Membership.objects.values_list("pk", "left_at").order_by("pk")),
        list(Invite.objects.values_list("pk", "withdrawn_at", "used_at").order_by("pk")),
        list(TherapistLink.objects.values_list("pk", "ended_at").order_by("pk")),
    )


def test_a_partner_of_another_couple_gets_404_everywhere(client, couple, link, outsider):
    client.force_login(outsider)
    before = snapshot()
    for method, url in couple_urls(couple, link):
        assert getattr(client, method)(url).status_code == 404, (method, url)
    assert snapshot() == before


def test_an_unconsented_or_other_therapist_gets_404_everywhere(client, couple, link):
    for who in (link.therapist, make_therapist()):
        client.force_login(who)
        before = snapshot()
        for method, url in couple_urls(couple, link):
            assert getattr(client, method)(url).status_code == 404, (who, method, url)
        assert snapshot() == before


def test_a_visitor_is_sent_to_sign_in_everywhere(client, couple, link):
    before = snapshot()
    for method, url in couple_urls(couple, link):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login"))
    assert snapshot() == before


def test_a_partner_cannot_use_another_couples_link_id(client, couple, link, outsider):
    """The link id of one couple under the couple id of another is still a 404."""
    other_couple = Couple.objects.get(memberships__user=outsider)
    client.force_login(outsider)
    before = snapshot()
    for name in ("therapist_consent", "therapist_end"):
        response = client.post(reverse(name, args=[other_couple.pk, link.pk]))
        assert response.status_code == 404
    assert snapshot() == before


def test_a_missing_couple_is_a_404_not_an_error(client_a):
    assert client_a.get(reverse("couple_leave", args=[999999])).status_code == 404
