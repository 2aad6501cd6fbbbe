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


def end_url(couple, link):
    return reverse("therapist_end", args=[couple.pk, link.pk])


def test_ending_access_asks_once_and_says_what_the_therapist_keeps_and_loses(
    client, couple, partner_a, partner_b, therapist
):
    link = make_link(couple, therapist)
    client.force_login(partner_b)
    home = text(client.get(reverse("home")))
    # Home offers the question, not an instant end.
    assert f'<a class="button" href="{end_url(couple, link)}">End Dr Lee\'s access…</a>' in home
    assert f'action="{end_url(couple, link)}"' not in home
    page = text(client.get(end_url(couple, link)))
    assert "End Dr Lee's access?" in page
    for sentence in (
        "Dr Lee will no longer see anything of your couple, and what they wrote for you "
        "stays with you.",
        "Any view of your couple in the app: your dialogues, the transcripts and reflections "
        "you shared, your exercises and their charts. Your couple leaves Dr Lee's list "
        "straight away.",
        "Their private notes about you (they can't open them any more), and any way to write "
        "new notes or summaries for you or to set homework.",
        "Any private notes Dr Lee wrote stay stored but locked",
        "The summaries they shared with you and the homework they set stay on your home page",
        "The access log stays as it is, with every time Dr Lee looked and the moment you "
        "ended it. You and Alex can still read it.",
        "Alex sees on their home page that the access has ended",
        "Yes, end Dr Lee's access",
        "No, keep it as it is",
    ):
        assert sentence in page, sentence
    # Asking changed nothing.
    assert TherapistLink.objects.current().filter(pk=link.pk).exists()
    assert not AuditEntry.objects.filter(action="consent_ended").exists()


def test_what_the_confirmation_says_is_what_happens(
    client, couple, partner_a, partner_b, therapist
):
    from imago_app.models import Homework, PrivateNote

    link = make_link(couple, therapist)
    client.force_login(therapist)
    client.get(record_url(couple))
    client.post(
        reverse("therapist_note", args=[couple.pk, "private"]),
        {"private-appointment": "2026-11-20", "private-text": "therapist-only-thought"},
    )
    client.post(
        reverse("therapist_note", args=[couple.pk, "shared"]),
        {"shared-appointment": "2026-11-20", "shared-text": "Practise the mirror at dinner."},
    )
    client.post(
        reverse("therapist_homework", args=[couple.pk]),
        {"kind": "caring", "frequency": "one a day", "ends_on": "2099-01-01"},
    )
    entries = AuditEntry.objects.filter(couple=couple).count()

    client.force_login(partner_b)
    response = client.post(end_url(couple, link))
    assert response.status_code == 302
    assert "Dr Lee can no longer see anything of your couple." in text(client.get("/"))

    # Nothing of the couple for the therapist; their couple has left their list.
    client.force_login(therapist)
    assert client.get(record_url(couple)).status_code == 404
    assert "Alex" not in text(client.get(reverse("home")))
    assert client.post(reverse("therapist_homework", args=[couple.pk])).status_code == 404
    # Private notes: stored, read by nobody in the app.
    assert PrivateNote.objects.filter(couple=couple, therapist=therapist).count() == 1
    # Summaries and homework stay on the couple's home page; the access log stays whole.
    client.force_login(partner_a)
    home = text(client.get(reverse("home")))
    assert "Practise the mirror at dinner." in home and "Give a caring behaviour" in home
    assert "therapist-only-thought" not in home
    assert AuditEntry.objects.filter(couple=couple).count() == entries + 1  # the end, added
    log = text(client.get(reverse("access_log", args=[couple.pk])))
    assert "Dr Lee read your record" in log and "Sam ended a therapist's access." in log
    assert Homework.objects.filter(couple=couple).count() == 1

    # Invited again and agreed to again, they would see their earlier notes again.
    make_link(couple, therapist)
    client.force_login(therapist)
    assert "therapist-only-thought" in text(client.get(record_url(couple)))


def test_before_both_agree_the_confirmation_says_nothing_was_seen(
    client, couple, partner_a, therapist
):
    link = make_link(couple, therapist, consent=False)
    client.force_login(partner_a)
    page = text(client.get(end_url(couple, link)))
    assert "Dr Lee has not seen anything yet, because you both need to agree first." in page


def test_only_the_couples_partners_can_open_the_confirmation(client, couple, outsider, therapist):
    link = make_link(couple, therapist)
    for who in (outsider, therapist):
        client.force_login(who)
        assert client.get(end_url(couple, link)).status_code == 404
        assert client.post(end_url(couple, link)).status_code == 404
    assert TherapistLink.objects.current().filter(pk=link.pk).exists()


def test_a_couple_is_named_in_the_order_its_partners_joined(
    client, couple, partner_a, partner_b, therapist
):
    # PostgreSQL returns unordered rows as they lie on disk, and an updated row moves to the
    # end: without an order, the first to join could be named second.
    from imago_app.models import Membership

    make_link(couple, therapist)
    Membership.objects.filter(user=partner_a).update(left_at=None)
    client.force_login(therapist)
    assert "Alex &amp; Sam" in client.get(reverse("home")).content.decode()
