"""The parent-child dialogue in Debian's Chromium: the therapist opens it (a third browser),
and on two phones (390x844) Alex speaks as the child and Sam listens as Mum, through the three
questions, a pause and a correction, to what Sam can give now."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import heading, off_loop, sign_in, tap, watch_console
from tests.factories import make_couple, make_link, make_partner

pytestmark = pytest.mark.browser


def context_for(browser, base_url, person, viewport):
    context = browser.new_context(viewport=viewport, is_mobile=viewport == PHONE, has_touch=True)
    sign_in(context, base_url, person)
    return context.new_page()


def test_a_parent_child_dialogue_the_therapist_opened(browser, daphne_live, artifacts):
    alex, sam = make_partner("Alex"), make_partner("Sam")
    couple = off_loop(make_couple, alex, sam)
    link = off_loop(make_link, couple)
    t = context_for(browser, daphne_live.url, link.therapist, {"width": 1280, "height": 800})
    a = context_for(browser, daphne_live.url, alex, PHONE)
    b = context_for(browser, daphne_live.url, sam, PHONE)
    problems = watch_console(a) + watch_console(b) + watch_console(t)
    shot = iter(range(1, 80))

    def snap(page, name):
        page.screenshot(
            path=artifacts / f"parent-child-{next(shot):02d}-{name}.png", full_page=True
        )

    # Not offered until the therapist opens it.
    a.goto(daphne_live.url)
    expect(a.get_by_role("button", name="Ask Sam for a dialogue")).to_be_visible()
    assert "Ask for a parent-child dialogue" not in a.content()
    t.goto(f"{daphne_live.url}/therapist/couples/{couple.pk}/")
    tap(t, "Open the parent-child dialogue for them")
    expect(t.get_by_text("The parent-child dialogue is open to them now.")).to_be_visible()
    snap(t, "therapist-opened")

    a.reload()
    a.get_by_role("button", name="Ask for a parent-child dialogue").click()
    a.get_by_label("Whom will your partner speak as?").fill("Mum")
    snap(a, "alex-asks")
    a.locator("#start-parent-child").get_by_role("button", name="Send the request").click()
    b.goto(daphne_live.url)
    b.get_by_role("link", name="Answer Alex").click()
    expect(b.get_by_text("You would listen as")).to_be_visible()
    expect(b.get_by_role("button", name="No, not this one")).to_be_visible()
    snap(b, "sam-answers")
    tap(b, "Yes, now is good")
    for page, level in ((a, "7"), (b, "8")):
        page.get_by_role("radio", name=level, exact=True).check()
        tap(page, "Check in")

    for number in range(3):
        heading(a, "Alex, you're speaking.")
        expect(a.get_by_text("Sam, as Mum, asks you")).to_be_visible()
        expect(b.locator("q.asked")).to_be_visible()
        if number == 0:
            expect(a.locator("q.asked")).to_contain_text(
                "What was it like for you, living with me?"
            )
            snap(a, "alex-asked")
            snap(b, "sam-asks")
        tap(a, "Done, I've said it")
        heading(b, "Sam, you're listening.")
        tap(b, "Done, I've said it")
        if number == 1:  # a correction, and a pause from the listener's phone
            tap(a, "Not quite")
            heading(b, "Sam, you're listening.")
            b.get_by_role("button", name="Pause").first.click()
            expect(a.get_by_text("Paused. Take a breath.")).to_be_visible(timeout=10_000)
            for page in (a, b):
                page.locator(".pause-layer").get_by_role(
                    "button", name="I'm ready to go on"
                ).click()
            heading(b, "Sam, you're listening.")
            tap(b, "Done, I've said it")
        tap(a, "Yes, that's it")
        tap(a, "No, that's all for now")
        heading(b, "Sam, you're listening.")
        tap(b, "Done, I've said it")  # validate
        tap(a, "Yes, that's it")
        heading(b, "Sam, you're listening.")
        tap(b, "Done, I've said it")  # empathize
        tap(a, "Yes, that's it")

    heading(b, "Sam, as yourself again.")
    expect(b.locator("#stage-head")).to_contain_text("Put the role of Mum down")
    snap(b, "sam-gives")
    tap(b, "Done, I've said it")
    heading(a, "Thank you both. End here when you're ready.")
    assert a.get_by_role("button", name="Switch roles: Sam speaks").count() == 0
    snap(a, "close")
    a.get_by_role("button", name="End here").click()
    heading(b, "This dialogue has ended.")

    t.reload()
    expect(t.get_by_text("parent-child dialogue, with Mum")).to_be_visible()
    assert problems == []
