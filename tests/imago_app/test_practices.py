"""A practice plugs in through `imago_app.practices` alone: a throwaway one (tests/throwaway),
installed only here, appears on every page that composes practices, no core file touched."""

import json
from datetime import timedelta

import pytest
from django.test.utils import modify_settings
from django.urls import reverse
from django.utils import timezone

from imago_app import practices
from imago_app.forms import HomeworkForm
from imago_app.models import Homework
from imago_app.pages.home import announcements
from tests.factories import PASSWORD, make_link, text
from tests.throwaway.practice import Breathing

pytestmark = pytest.mark.django_db


@pytest.fixture
def breathing():
    practices.reset()
    with modify_settings(INSTALLED_APPS={"append": "tests.throwaway"}):
        yield practices.get("breathing")
    practices.reset()


def test_the_installed_practices_are_found_in_installed_apps_order():
    slugs = [p.slug for p in practices.all()]
    assert slugs == ["dialogue", "caring", "appreciation", "requests", "inner", "cycle"]


def test_a_new_practice_is_found_through_the_app_registry(breathing):
    assert isinstance(breathing, Breathing)
    assert practices.all()[-1] is breathing


def test_it_appears_on_the_partner_home_page(breathing, client, couple, partner_a):
    client.force_login(partner_a)
    home = client.get(reverse("home")).content.decode()
    assert "3 breaths, side by side." in home
    assert "Breathe together" in home
    # Its card comes first (position 5), before the dialogue's; its link after the library's.
    assert home.index("breathing-heading") < home.index("dialogue-heading")
    assert home.index("Micro-stretches") < home.index("Breathe together") < home.index("Repair")
    page = text(client.get(reverse("exercises")))
    assert "A minute of breathing, side by side." in page
    assert page.index("Requests for change") < page.index("A minute of breathing")
    assert announcements()["breath_taken"] == "Your partner took a breath with you."


def test_it_counts_as_last_activity_on_the_dashboard(breathing, client, couple):
    link = make_link(couple)
    client.force_login(link.therapist)
    dashboard = text(client.get(reverse("home")))
    assert "last active" in dashboard and "nothing yet" not in dashboard
    assert "new since you last looked" in dashboard


def test_it_has_its_section_chart_and_follow_through_in_the_record(breathing, client, couple):
    link = make_link(couple)
    client.force_login(link.therapist)
    record = text(client.get(reverse("therapist_couple", args=[couple.pk])))
    assert "Breaths in the record" in record and "3 breaths shared." in record
    assert "Breaths taken" in record and "No breaths charted yet." in record
    assert "Breaths together" in record  # a column of the week-by-week table


def test_its_homework_kind_can_be_set_and_is_counted(breathing, client, couple, partner_a):
    assert ("breathing", "Breathe together for a minute") in HomeworkForm().fields["kind"].choices
    link = make_link(couple)
    client.force_login(link.therapist)
    ends = (timezone.localdate() + timedelta(days=7)).isoformat()
    client.post(
        reverse("therapist_homework", args=[couple.pk]),
        {"kind": "breathing", "frequency": "each evening", "ends_on": ends},
    )
    assert Homework.objects.get().kind == "breathing"
    client.force_login(partner_a)
    home = text(client.get(reverse("home")))
    assert "Breathe together for a minute" in home and "Done 4 times so far." in home


def test_it_has_its_part_of_the_export_and_of_deleting(breathing, client, partner_a):
    client.force_login(partner_a)
    data = json.loads(client.get(reverse("account_export")).content)
    assert data["breaths"] == [{"by": partner_a.username, "count": 3}]
    assert "dialogue_turns" in data and "repairs" in data
    page = text(client.get(reverse("account_data")))
    assert "your sides of your cycles and your breaths." in page
    pk = partner_a.pk
    client.post(reverse("account_delete"), {"password": PASSWORD})
    assert pk in Breathing.deleted


def test_the_data_page_names_what_each_practice_keeps(client, partner_a):
    client.force_login(partner_a)
    page = text(client.get(reverse("account_data")))
    kept = (
        "your turns in dialogues, your reflections, your lists, appreciations, requests, "
        "stretches, repairs, your childhood picture, how you protect yourself, your "
        "preparations and your sides of your cycles"
    )
    assert f"in one file you can keep: {kept}." in page
    assert f"Everything you wrote is deleted: {kept}, and what" in page


def test_without_it_nothing_of_it_shows(client, couple, partner_a):
    client.force_login(partner_a)
    assert "Breathe together" not in text(client.get(reverse("home")))
    assert ("breathing", "Breathe together for a minute") not in HomeworkForm().fields[
        "kind"
    ].choices
