"""The parent-child dialogue: only while the couple's consenting therapist has it open, held
on the same machine, logged when opened and closed."""

import pytest
from django.urls import reverse

from dialogue import machine, services
from dialogue.models import Dialogue, ParentChildOpening
from imago_app.models import AuditEntry
from imago_app.services import Refused
from tests.factories import make_link, text

pytestmark = pytest.mark.django_db

# One question of the parent-child dialogue: (whether the speaker moves, the move).
QUESTION_MOVES = [
    (True, "send"),
    (False, "mirror"),
    (True, "confirm"),
    (True, "no_more"),
    (False, "validate"),
    (True, "confirm"),
    (False, "empathize"),
    (True, "confirm"),
]


def ask(couple, partner, key="pc-1", **extra):
    return services.dialogue_request(
        couple=couple,
        partner=partner,
        mode="spoken",
        device="two_devices",
        key=key,
        variant=machine.Variant.PARENT_CHILD,
        caretaker="Mum",
        **extra,
    )


def test_it_cannot_be_started_until_the_therapist_opens_it(couple, partner_a):
    with pytest.raises(Refused, match="when your therapist opens it"):
        ask(couple, partner_a)
    link = make_link(couple, consent=False)
    ParentChildOpening.objects.create(couple=couple, therapist=link.therapist)
    with pytest.raises(Refused):  # opened, but not both partners agreed to this therapist
        ask(couple, partner_a)
    assert not Dialogue.objects.exists()


def test_the_therapist_opens_it_logged_and_the_couple_can_hold_it(
    client, couple, partner_a, partner_b
):
    therapist = make_link(couple).therapist
    client.force_login(therapist)
    record = text(client.get(reverse("therapist_couple", args=[couple.pk])))
    assert "Open the parent-child dialogue for them" in record
    client.post(reverse("dialogue_parent_child", args=[couple.pk]), {"open": "1"})
    assert AuditEntry.objects.filter(action="opened", couple=couple, actor=therapist).exists()
    client.force_login(partner_a)
    home = text(client.get(reverse("home")))
    assert "Ask for a parent-child dialogue" in home and "best held with your therapist" in home
    log = text(client.get(reverse("access_log", args=[couple.pk])))
    assert "opened the parent-child dialogue for you" in log
    dialogue = ask(couple, partner_a)
    assert dialogue.variant == machine.Variant.PARENT_CHILD
    client.force_login(partner_b)
    page = text(client.get(reverse("dialogue", args=[dialogue.pk])))
    assert "You would listen as <strong>Mum</strong>" in page and "No, not this one" in page


def test_the_therapist_closes_it_and_new_ones_are_refused(client, couple, partner_a):
    therapist = make_link(couple).therapist
    services.parent_child_set(couple=couple, therapist=therapist, open_=True)
    services.parent_child_set(couple=couple, therapist=therapist, open_=False)
    assert AuditEntry.objects.filter(action="closed", couple=couple).exists()
    with pytest.raises(Refused):
        ask(couple, partner_a)
    client.force_login(partner_a)
    assert "Ask for a parent-child dialogue" not in text(client.get(reverse("home")))


def test_only_the_consenting_therapist_can_open_it(client, couple, partner_a):
    make_link(couple, consent=False)
    for person in (partner_a, couple.memberships.exclude(user=partner_a).get().user):
        client.force_login(person)
        assert (
            client.post(
                reverse("dialogue_parent_child", args=[couple.pk]), {"open": "1"}
            ).status_code
            == 404
        )
    assert not ParentChildOpening.objects.exists()


def test_either_partner_may_decline_it(couple, partner_a, partner_b):
    therapist = make_link(couple).therapist
    services.parent_child_set(couple=couple, therapist=therapist, open_=True)
    dialogue = ask(couple, partner_a)
    services.dialogue_move(dialogue_id=dialogue.pk, partner=partner_b, kind="leave", key="no")
    dialogue.refresh_from_db()
    assert dialogue.ended_at is not None


def test_a_whole_parent_child_dialogue_through_the_service(client, couple, partner_a, partner_b):
    therapist = make_link(couple).therapist
    services.parent_child_set(couple=couple, therapist=therapist, open_=True)
    dialogue = ask(couple, partner_a)
    keys = iter(range(1000))

    def move(who, kind, **fields):
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"k{next(keys)}", **fields
        )

    move(partner_b, "accept")
    move(partner_a, "check_in", level=7)
    move(partner_b, "check_in", level=7)
    client.force_login(partner_a)
    page = text(client.get(reverse("dialogue", args=[dialogue.pk])))
    assert "Sam, as Mum, asks you" in page
    assert "I'm Mum. What was it like for you, living with me?" in page
    for _question in range(machine.PARENT_CHILD_QUESTIONS):
        for speaks, kind in QUESTION_MOVES:
            move(partner_a if speaks else partner_b, kind)
    client.force_login(partner_b)
    page = text(client.get(reverse("dialogue", args=[dialogue.pk])))
    assert "Put the role of Mum down" in page
    move(partner_b, "give")
    page = text(client.get(reverse("dialogue", args=[dialogue.pk])))
    assert "End here" in page and "Switch roles" not in page
    move(partner_b, "end")
    dialogue.refresh_from_db()
    assert dialogue.ended_at is not None
    client.force_login(therapist)
    record = text(client.get(reverse("therapist_couple", args=[couple.pk])))
    assert "parent-child dialogue, with Mum" in record


@pytest.mark.parametrize("mode", ["spoken", "written"])
def test_it_runs_on_one_shared_tablet_with_a_half_for_each(
    client, couple, partner_a, partner_b, mode
):
    therapist = make_link(couple).therapist
    services.parent_child_set(couple=couple, therapist=therapist, open_=True)
    dialogue = services.dialogue_request(
        couple=couple,
        partner=partner_a,
        mode=mode,
        device="shared_device",
        key="pc-shared",
        variant=machine.Variant.PARENT_CHILD,
        caretaker="Grandpa Joe",
    )
    keys = iter(range(1000))
    client.force_login(partner_a)

    def move(who, kind, **fields):
        services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"s{next(keys)}", **fields
        )
        page = text(client.get(reverse("dialogue", args=[dialogue.pk])))
        assert 'id="dialogue-face"' in page
        return page

    move(partner_a, "agree_now")
    move(partner_a, "check_in", level=7)
    page = move(partner_b, "check_in", level=7)
    assert "Sam, as Grandpa Joe, asks you" in page
    for _question in range(machine.PARENT_CHILD_QUESTIONS):
        for speaks, kind in QUESTION_MOVES:
            who = partner_a if speaks else partner_b
            page = move(who, kind, text="words", feelings=("sad",) if kind == "empathize" else ())
    assert "Put the role of Grandpa Joe down" in page
    page = move(partner_b, "give", text="Time, every Sunday.")
    assert "End here" in page and "Switch roles" not in page
