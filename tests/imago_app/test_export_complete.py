"""The download holds every piece of text a partner wrote anywhere in the app, and deleting the
account removes it, proved by walking every model of the project's own apps.

Each text field of each model is given an author rule below: who wrote it, or that nobody did
(a code, a hash, machine state). A model or field with text and no rule fails the test, so a
new model cannot slip past the export.
"""

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from dialogue import services as dialogue_services
from exercises.appreciation import services as appreciation_services
from exercises.caring import services as caring_services
from exercises.cycle import services as cycle_services
from exercises.inner import services as inner_services
from exercises.requests import services as request_services
from imago_app.models import Couple, Homework, OpenSocket, PrivateNote, SharedNote, User
from tests.factories import PASSWORD, make_dialogue, make_link

pytestmark = pytest.mark.django_db

Author = Callable[[models.Model], int | None]
SYSTEM: Author = lambda row: None  # noqa: E731 - written by the app, not by a person
THERAPIST: Author = lambda row: row.therapist_id  # noqa: E731 - not a partner's words
# A partner's fields that sign-up never asks for, so the fixture leaves them empty.
NEVER_ASKED = {"imago_app.User.first_name", "imago_app.User.last_name"}


def _other(couple_id: int, user_id: int | None) -> int | None:
    """The couple's other partner, who wrote back on `user_id`'s row."""
    ids = set(Couple.objects.get(pk=couple_id).memberships.values_list("user_id", flat=True)) - {
        user_id
    }
    return next(iter(ids), None)


def _by(field: str) -> Author:
    return lambda row: getattr(row, f"{field}_id")


# Who wrote each text field (CharField, TextField, JSONField) of each model, by model label.
AUTHORS: dict[str, dict[str, Author]] = {
    "imago_app.User": {
        "username": lambda row: row.pk,
        "display_name": lambda row: row.pk,
        "email": lambda row: row.pk,
        "first_name": lambda row: row.pk,
        "last_name": lambda row: row.pk,
        "time_zone": lambda row: row.pk,  # taken from their browser, or chosen
        "password": SYSTEM,  # a hash
    },
    "imago_app.Invite": {"code": SYSTEM},
    "imago_app.AuditEntry": {
        "username": SYSTEM,
        "ip": SYSTEM,
        "what": SYSTEM,
        "prev_hash": SYSTEM,
        "hash": SYSTEM,
    },
    "imago_app.OpenSocket": {"channel_name": SYSTEM},
    "imago_app.PrivateNote": {"text": THERAPIST},
    "imago_app.SharedNote": {"text": THERAPIST},
    "imago_app.Homework": {"micro": SYSTEM, "frequency": THERAPIST},
    "dialogue.Dialogue": {"topic": _by("requested_by"), "snapshot": SYSTEM},
    "dialogue.Event": {
        "kind": _by("actor"),
        "key": SYSTEM,
        "step": _by("actor"),
        "text": _by("actor"),
        "data": _by("actor"),
    },
    "dialogue.Reflection": {"text": _by("author")},
    "caring.CaringItem": {"text": _by("owner")},
    "appreciation.Appreciation": {
        "text": _by("author"),
        "mirror": lambda row: _other(row.couple_id, row.author_id),
        "felt": lambda row: _other(row.couple_id, row.author_id),
    },
    "requests.ChangeRequest": {
        "frustration": _by("sender"),
        "desire": _by("sender"),
        "echo": _by("sender"),
        "mirror": lambda row: _other(row.couple_id, row.sender_id),
    },
    "requests.Request": {
        "text": lambda row: row.change_request.sender_id,
        "measure": lambda row: row.change_request.sender_id,
    },
    "requests.Stretch": {
        "micro": SYSTEM,
        "title": _by("giver"),
        "measure": _by("giver"),
        "giver_review": _by("giver"),
        "other_review": lambda row: _other(row.couple_id, row.giver_id),
    },
    "requests.StretchLog": {"note": lambda row: row.stretch.giver_id},
    "requests.Repair": {
        "what_happened": _by("author"),
        "mirror": _by("author"),
        "next_time": _by("author"),
        "what_it_was_like": lambda row: _other(row.couple_id, row.author_id),
    },
    "inner.Workup": {
        "resume_at": SYSTEM,
        **{
            name: _by("author")
            for name in ("frustrations", "reactions", "drawn_to", "longed_for", "protected_by")
        },
    },
    "inner.Caretaker": {
        name: lambda row: row.workup.author_id
        for name in ("name", "positive", "negative", "enjoyed", "disliked", "wanted")
    },
    "inner.Protection": {name: _by("author") for name in ("chosen", "own_words", "hope")},
    "inner.Preparation": {
        name: _by("author") for name in ("issue", "feelings", "need", "i_statement")
    },
    "cycle.Cycle": {"name": SYSTEM},  # a name both partners see, like a topic; not private
    "cycle.Side": {name: _by("author") for name in ("trigger", "feel", "fear", "so_i", "long_for")},
}

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def project_models() -> list[type[models.Model]]:
    """Every concrete model of the apps in this repository (not Django's or a library's)."""
    root = Path(settings.BASE_DIR).resolve()
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if root not in path.parents or ".venv" in path.parts:
            continue
        found += [m for m in config.get_models() if not m._meta.abstract and not m._meta.proxy]
    return found


def text_fields(model) -> list[models.Field]:
    """Its fields that can hold a person's words (a field with fixed choices cannot)."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, TEXT_FIELDS) and not f.choices and not f.primary_key
    ]


def strings(value) -> list[str]:
    """The non-empty strings in a value (a JSON field's nested lists and dicts included)."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return []


def written_by() -> dict[int, dict[str, set[str]]]:
    """Every non-empty string in the database by author id, then by "model.field"."""
    missing = []
    found: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for model in project_models():
        label = model._meta.label
        fields = text_fields(model)
        rules = AUTHORS.get(label, {})
        for field in fields:
            if field.name not in rules:
                missing.append(f"{label}.{field.name}")
        if missing:
            continue
        for row in model.objects.all():
            for field in fields:
                author = rules[field.name](row)
                if author is not None:
                    found[author][f"{label}.{field.name}"] |= set(
                        strings(getattr(row, field.attname))
                    )
    assert not missing, (
        "These text fields have no author rule, so nothing proves the data download holds "
        f"them: {missing}. Say who writes each in AUTHORS (tests/imago_app/test_export_complete"
        ".py), and put what a partner writes in its practice's `export`."
    )
    return found


def export_strings(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("account_export"))
    assert response.status_code == 200
    return set(strings(json.loads(response.content)))


def _moves(dialogue, moves):
    for who, kind, fields in moves:
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"{kind}-{who.pk}", **fields
        )


@pytest.fixture
def everything(couple, partner_a, partner_b, therapist):
    """One of every kind of thing, made through the services, by both partners (and the
    therapist's notes and homework, which are not a partner's)."""
    today = timezone.localdate()
    for me, you in [(partner_a, partner_b), (partner_b, partner_a)]:
        n, y = me.display_name.lower(), you.display_name.lower()  # each word starts with its writer
        dialogue = make_dialogue(couple, me, topic=f"{n}-topic")
        _moves(
            dialogue,
            [
                (you, "offer_time", {"later_minutes": 30}),
                (me, "begin", {}),
                (me, "check_in", {"level": 6}),
                (you, "check_in", {"level": 7}),
                (me, "send", {"text": f"{n}-sent"}),
                (you, "mirror", {"text": f"{y}-mirrors-{n}"}),
                (me, "leave", {}),
            ],
        )
        dialogue.refresh_from_db()
        for who in (me, you):
            dialogue_services.reflection_save(
                dialogue=dialogue,
                partner=who,
                text=f"{who.display_name.lower()}-reflects-on-{n}",
                unmet_need="",
                shared=False,
            )
        item = caring_services.caring_item_save(
            couple=couple,
            owner=me,
            text=f"{n} loves a cup of tea in the morning",
            when="now",
            importance=2,
            keep_as_written=True,
        )
        gift = caring_services.caring_give(item=item, giver=you)
        caring_services.caring_thank(gift=gift, receiver=me)
        appreciation = appreciation_services.appreciation_offer(
            couple=couple, author=me, about="action", text=f"{n}-appreciates"
        )
        appreciation_services.appreciation_mirror(
            appreciation=appreciation, partner=you, mirror=f"{y}-heard-{n}", felt=f"{y}-felt-warm"
        )
        change = request_services.change_request_create(
            couple=couple,
            sender=me,
            frustration=f"{n}-frustration",
            desire=f"{n}-desire",
            echo=f"{n}-echo",
            echo_shared=False,
            requests=[
                {"position": p, "text": f"{n}-asks-{p}", "measure": f"{n}-{p}-weekly"}
                | {"ends_on": today}
                for p in (1, 2, 3)
            ],
        )
        request_services.change_request_mirror(
            change=change, receiver=you, mirror=f"{y}-mirrors-request-of-{n}"
        )
        (stretch,) = request_services.stretches_choose(
            change=change, giver=you, request_ids=[change.requests.get(position=1).pk]
        )
        request_services.stretch_log(stretch=stretch, giver=you, note=f"{y}-sat-on-the-balcony")
        request_services.stretch_review(stretch=stretch, partner=you, review=f"{y}-giver-review")
        request_services.stretch_review(stretch=stretch, partner=me, review=f"{n}-other-review")
        micro = request_services.micro_stretch_pick(couple=couple, giver=me, slug="hug")
        request_services.stretch_log(stretch=micro, giver=me, note=f"{n}-hug-note")
        repair = request_services.repair_start(
            couple=couple, author=me, what_happened=f"{n}-what-happened"
        )
        request_services.repair_feeling(
            repair=repair, partner=you, what_it_was_like=f"{y}-what-it-was-like"
        )
        request_services.repair_finish(
            repair=repair, author=me, mirror=f"{n}-repair-said-back", next_time=f"{n}-next-time"
        )
        OpenSocket.objects.create(user=me, channel_name=f"{n}-socket")
        me.time_zone = "Europe/Berlin"
        me.save(update_fields=["time_zone"])
        cycle = cycle_services.cycle_create(couple=couple, partner=me, name=f"{n}-cycle")
        cycle_services.side_save(
            cycle=cycle,
            author=me,
            keep_as_written=True,
            **{f: f"{n}-{f}" for f in ("trigger", "feel", "fear", "so_i", "long_for")},
        )
        inner_services.save_people(user=me, names=[f"{n}-mum"])
        inner_services.save_person(
            user=me,
            position=1,
            **{f: f"{n}-{f}" for f in ("positive", "negative", "enjoyed", "disliked", "wanted")},
        )
        inner_services.save_frustrations(
            user=me, frustrations=f"{n}-frustrations", reactions=f"{n}-reactions"
        )
        inner_services.save_summary(
            user=me, drawn_to=f"{n}-drawn", longed_for=f"{n}-longed", protected_by=f"{n}-hid"
        )
        inner_services.save_protection(
            user=me, chosen=["quiet"], own_words=f"{n}-own-words", hope=f"{n}-hope"
        )
        inner_services.save_preparation(
            user=me,
            issue=f"{n}-issue",
            feelings=f"{n}-feelings",
            need=f"{n}-need",
            i_statement=f"{n}-i-statement",
            keep_as_written=True,
        )
    make_link(couple, therapist)
    PrivateNote.objects.create(couple=couple, therapist=therapist, appointment=today, text="pn")
    SharedNote.objects.create(couple=couple, therapist=therapist, appointment=today, text="sn")
    Homework.objects.create(
        couple=couple, therapist=therapist, kind="caring", frequency="daily", ends_on=today
    )
    return couple


def test_every_text_field_of_every_project_model_has_an_author_rule():
    # A rule for a field that no longer exists would hide a renamed one.
    labels = {m._meta.label: m for m in project_models()}
    for label, rules in AUTHORS.items():
        assert label in labels, f"AUTHORS names {label}, which is not a model any more"
        names = {f.name for f in text_fields(labels[label])}
        assert set(rules) <= names, f"{label}: no text fields {set(rules) - names}"


def test_each_partner_downloads_every_piece_of_text_they_wrote(
    client, everything, partner_a, partner_b
):
    found = written_by()
    for partner in (partner_a, partner_b):
        mine = found[partner.pk]
        # Every field a partner writes was filled in above, so none is checked vacuously.
        partner_fields = {
            f"{label}.{name}"
            for label, rules in AUTHORS.items()
            for name, rule in rules.items()
            if rule is not SYSTEM and rule is not THERAPIST
        } - NEVER_ASKED
        empty = sorted(f for f in partner_fields if not mine.get(f))
        assert not empty, f"the fixture writes nothing for {partner} in {empty}"
        exported = export_strings(client, partner)
        left_out = {
            field: sorted(values - exported) for field, values in mine.items() if values - exported
        }
        assert not left_out, f"{partner}'s download leaves out what they wrote: {left_out}"


def test_deleting_an_account_leaves_none_of_their_words_anywhere(
    client, everything, partner_a, partner_b
):
    sam = written_by()[partner_b.pk]
    sams_words = {
        value
        for field, values in sam.items()
        # Their account row goes; a title copied from Alex's request stays Alex's words.
        if not field.startswith("imago_app.User.") and field != "requests.Stretch.title"
        for value in values
        if value.startswith("sam-")
    }
    # What Sam wrote back on Alex's rows is among them.
    assert {"sam-heard-alex", "sam-mirrors-request-of-alex", "sam-what-it-was-like"} <= sams_words
    client.force_login(partner_b)
    client.post(reverse("account_delete"), {"password": PASSWORD})
    assert not User.objects.filter(pk=partner_b.pk).exists()
    everywhere = {v for values in written_by()[partner_a.pk].values() for v in values}
    everywhere |= {
        s
        for model in project_models()
        for row in model.objects.all()
        for field in text_fields(model)
        for s in strings(getattr(row, field.attname))
    }
    assert not (sams_words & everywhere), sorted(sams_words & everywhere)
