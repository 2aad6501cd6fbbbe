"""A therapist between appointments, on a laptop: reads, notes, sets homework."""

import re

import pytest
from playwright.sync_api import expect

from dialogue import services as dialogue_services
from tests.browser.conftest import PHONE
from tests.browser.helpers import off_loop, sign_in, tap, watch_console
from tests.factories import make_couple, make_dialogue, make_link, make_partner, make_therapist

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def shared_dialogue(couple, alex, sam):
    dialogue = make_dialogue(couple, alex, topic="Sunday")
    for who, kind, fields in [
        (sam, "accept", {}),
        (alex, "check_in", {"level": 5}),
        (sam, "check_in", {"level": 7}),
        (alex, "send", {"text": "I felt alone on Sunday."}),
        (sam, "leave", {}),
    ]:
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk, partner=who, kind=kind, key=f"{kind}-{who.pk}", **fields
        )
    for who in (alex, sam):
        dialogue_services.transcript_share(dialogue=dialogue, partner=who, shared=True)


def test_a_therapist_reads_notes_and_sets_homework_and_the_couple_sees_only_what_is_shared(
    browser, daphne_live, artifacts
):
    alex, sam, lee = make_partner("Alex"), make_partner("Sam"), make_therapist("Dr Lee")

    def setup():
        couple = make_couple(alex, sam)
        make_link(couple, lee)  # Alex made the code, Sam agreed: both consent
        shared_dialogue(couple, alex, sam)
        return couple

    couple = off_loop(setup)
    laptop = browser.new_context(viewport=LAPTOP)
    sign_in(laptop, daphne_live.url, lee)
    page = laptop.new_page()
    problems = watch_console(page)
    page.goto(daphne_live.url)
    expect(page.get_by_text("new since you last looked")).to_be_visible()
    page.get_by_role("link", name="Alex & Sam").click()
    page.get_by_text("Transcript (both partners shared it)").click()
    expect(page.get_by_text("I felt alone on Sunday.")).to_be_visible()
    expect(page.get_by_text("Alex 5/10, Sam 7/10")).to_be_visible()

    private = page.locator(".note-private")
    private.get_by_label("Appointment date").fill("2026-11-20")
    private.get_by_label("Note").fill("Sam withdraws when Alex raises Sundays.")
    tap(page, "Save private note")
    expect(page.get_by_text("Private note saved: only you can read it.")).to_be_visible()
    shared = page.locator(".note-shared")
    shared.get_by_label("Appointment date").fill("2026-11-20")
    shared.get_by_label("Note").fill("Practise one mirror at dinner this week.")
    tap(page, "Save and share with the couple")
    page.get_by_label("Exercise", exact=True).select_option("appreciation")
    page.get_by_label("How often").fill("every evening")
    page.get_by_label("Until").fill("2026-12-10")
    tap(page, "Set homework")
    expect(page.get_by_text("Homework set.")).to_be_visible()
    page.screenshot(path=artifacts / "therapist-01-record-laptop.png", full_page=True)

    phone = browser.new_context(viewport=PHONE)
    sign_in(phone, daphne_live.url, alex)
    home = phone.new_page()
    home.goto(daphne_live.url)
    expect(home.get_by_text("Practise one mirror at dinner this week.")).to_be_visible()
    expect(home.get_by_text("Exchange an appreciation")).to_be_visible()
    expect(home.get_by_text("Sam withdraws")).to_have_count(0)
    home.screenshot(path=artifacts / "therapist-02-couple-home-phone.png", full_page=True)
    home.get_by_role("link", name="See when they looked").click()
    expect(
        home.get_by_text(re.compile(r"Dr Lee read your record( \d+ times)?\.")).first
    ).to_be_visible()
    assert problems == []
    laptop.close()
    phone.close()
    assert couple.pk
