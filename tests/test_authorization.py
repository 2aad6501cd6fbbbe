"""Every URL of the app, tried by every kind of visitor.

URLs are discovered from the URL configuration, so a new URL is covered automatically: it needs
only its parameters in OBJECT_PARAMS (or in PUBLIC / ACCOUNT) to be reached.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from dialogue import services as dialogue_services
from dialogue.models import Reflection
from exercises.cycle import services as cycle_services
from exercises.inner import services as inner_services
from imago_app import services as imago_services
from imago_app.models import PrivateNote
from tests.factories import (
    make_couple,
    make_dialogue,
    make_exercises,
    make_link,
    make_partner,
    make_therapist,
)

pytestmark = pytest.mark.django_db

# Reachable without signing in, or about one's own account: not about a couple.
# session_status tells a visitor only that they have no time left (0).
PUBLIC = {"home", "health", "signup", "login", "session_status", "support"}
ACCOUNT = {
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "account_time_zone",
}
# Private material, and the one visitor who may ever see it.
SECRETS = {
    "only-alex-reads-this-reflection": "partner",
    "only-alex-knows-this-echo": "partner",
    "only-the-therapist-reads-this-note": "therapist",
    "only-alex-knows-this-childhood": "partner",
    "only-alex-prepared-this": "partner",
    "only-alex-sees-this-side": "partner",
}


def named_patterns(patterns=None, namespace=""):
    """(name, parameter names) for every named URL, admin aside."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin" or entry.app_name == "admin":
                continue
            yield from named_patterns(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, sorted(getattr(entry.pattern, "converters", {}))


@pytest.fixture
def world(partner_a, partner_b):
    couple = make_couple(partner_a, partner_b)
    therapist = make_therapist("Dr Yes")
    link = make_link(couple, therapist)
    dialogue = make_dialogue(couple, partner_a, topic="Sunday")
    dialogue_services.dialogue_move(
        dialogue_id=dialogue.pk, partner=partner_b, kind="leave", key="leave-key-1"
    )
    Reflection.objects.create(
        dialogue=dialogue, author=partner_a, text="only-alex-reads-this-reflection"
    )
    PrivateNote.objects.create(
        couple=couple,
        therapist=therapist,
        appointment=timezone.localdate(),
        text="only-the-therapist-reads-this-note",
    )
    made = make_exercises(
        couple, partner_a, partner_b, echo="only-alex-knows-this-echo", appreciation_by=partner_b
    )

    # Inner work: Alex's own, shared with nobody.
    inner_services.save_people(user=partner_a, names=["Mum"])
    inner_services.save_person(user=partner_a, position=1, wanted="only-alex-knows-this-childhood")
    preparation = inner_services.save_preparation(
        user=partner_a,
        issue="Evenings",
        feelings="only-alex-prepared-this",
        need="",
        i_statement="",
        keep_as_written=True,
    )

    cycle = cycle_services.cycle_create(couple=couple, partner=partner_a, name="evenings")
    cycle_services.side_save(
        cycle=cycle, author=partner_a, keep_as_written=True, so_i="only-alex-sees-this-side"
    )

    # A therapist who was linked and then revoked, and one whose link awaits consent elsewhere.
    revoked = make_therapist("Dr Was")
    other_couple = make_couple(make_partner("Jo"), make_partner("Ri"))
    old = make_link(other_couple, revoked)
    imago_services.therapist_link_end(link=old, partner=other_couple.memberships.first().user)
    pending = make_therapist("Dr Maybe")
    make_link(other_couple, pending, consent=False)
    outsider = other_couple.memberships.first().user

    params = {
        "couple_id": couple.pk,
        "link_id": link.pk,
        "dialogue_id": dialogue.pk,
        "item_id": made["item"].pk,
        "gift_id": made["gift"].pk,
        "appreciation_id": made["appreciation"].pk,
        "change_id": made["change"].pk,
        "stretch_id": made["stretch"].pk,
        "repair_id": made["repair"].pk,
        "prep_id": preparation.pk,
        "cycle_id": cycle.pk,
        "step": "person-1",
        "code": "ABCDE-FGHJK",
        "kind": "shared",
    }
    people = {
        "anonymous": None,
        "partner": partner_a,
        "partner_b": partner_b,
        "other_couple": outsider,
        "therapist": therapist,
        "pending_therapist": pending,
        "revoked_therapist": revoked,
    }
    return params, people


# The therapist's pages about a couple: for the consenting therapist only.
THERAPIST_PAGES = {
    "therapist_couple",
    "therapist_note",
    "therapist_homework",
    "dialogue_parent_child",
}
# Pages about one partner's own thing: the other partner of the couple gets a 404 too.
OWNED_BY = {
    "caring_edit": "partner",
    "appreciation_edit": "partner_b",
    **{
        name: "partner"
        # (its share and delete take only POST: a GET is a 405 for anyone)
        for name in ("inner_prepared", "inner_prepare_edit")
    },
}
# Parameters that name no object of the couple (a code typed, a kind, a part of one's own work).
NOT_OBJECTS = ("code", "kind", "step")


def urls(params):
    """(name, url, names an object of the couple) for every URL under test."""
    for name, names in named_patterns():
        if name in ACCOUNT or name == "admin" or "uidb64" in names:
            continue
        object_params = [n for n in names if n not in NOT_OBJECTS]
        yield name, reverse(name, kwargs={n: params[n] for n in names}), bool(object_params)


def test_every_url_is_reached_by_the_matrix(world):
    params, _people = world
    names = {name for name, _url, _obj in urls(params)}
    assert {"dialogue", "caring_give", "change_request", "therapist_couple", "stretch"} <= names


@pytest.mark.parametrize(
    "who",
    [
        "anonymous",
        "partner",
        "partner_b",
        "other_couple",
        "therapist",
        "pending_therapist",
        "revoked_therapist",
    ],
)
def test_each_visitor_gets_exactly_what_they_should(client, world, who):
    params, people = world
    person = people[who]
    if person is not None:
        client.force_login(person)
    for name, url, names_object in urls(params):
        response = client.get(url)
        status = response.status_code
        body = response.content.decode() if status == 200 else ""
        for secret, reader in SECRETS.items():
            if who != reader:
                assert secret not in body, (who, name, secret)
        if name in PUBLIC:
            expected = {200, 302}
        elif who == "anonymous":
            expected = {302, 405}  # to sign in (or: this URL takes only POST)
        elif name in THERAPIST_PAGES:
            expected = {200, 405} if who == "therapist" else {404, 405}
        elif who in ("partner", "partner_b"):
            owner = OWNED_BY.get(name)
            expected = {404} if owner and owner != who else {200, 302, 405}
        elif who == "other_couple":
            # Their own "my couple" pages show their couple; this couple's objects are a 404.
            expected = {404, 405} if names_object else {200, 302, 405}
        else:  # therapists reach no partner page
            expected = {404, 405}
        assert status in expected, (who, name, url, status)
        if who == "anonymous" and status == 302 and name not in PUBLIC:
            assert "/accounts/login/" in response["Location"], (name, response["Location"])


@pytest.mark.parametrize(
    "who", ["anonymous", "other_couple", "therapist", "pending_therapist", "revoked_therapist"]
)
def test_nobody_outside_the_couple_can_post_to_its_objects(client, world, who):
    from django.apps import apps

    params, people = world
    if people[who] is not None:
        client.force_login(people[who])

    def snapshot():
        return {
            model.__name__: list(model.objects.order_by("pk").values())
            for model in apps.get_models()
            if model._meta.app_label
            in ("imago_app", "dialogue", "caring", "appreciation", "requests", "inner", "cycle")
            and model.__name__ not in ("OpenSocket", "AuditEntry")
        }

    before = snapshot()
    for name, url, names_object in urls(params):
        if not names_object or (name in THERAPIST_PAGES and who == "therapist"):
            continue
        status = client.post(url, {"text": "x", "code": "x", "mirror": "x"}).status_code
        assert status in ({302} if who == "anonymous" else {404, 405}), (who, name, status)
    assert snapshot() == before
