"""Our cycle on two phones (390x844): both write their sides, show them, and see the loop
appear live; one edits, the other sees it redraw; a dialogue starts from it."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET
from tests.browser.helpers import off_loop, sign_in, tap, watch_console
from tests.factories import make_couple, make_partner

pytestmark = pytest.mark.browser


def phone(browser, base_url, person):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(context, base_url, person)
    return context.new_page()


def fill_side(page, when, feel, fear, so_i, long_for):
    page.get_by_label("When you…").fill(when)
    page.get_by_label("I feel…").fill(feel)
    page.get_by_label("And I fear it means…").fill(fear)
    page.get_by_label("So I…").fill(so_i)
    page.get_by_label("What I long for is…").fill(long_for)
    tap(page, "Save my side")


def test_two_phones_map_a_cycle_and_see_the_loop_live(browser, daphne_live, artifacts):
    alex, sam = make_partner("Alex"), make_partner("Sam")
    off_loop(make_couple, alex, sam)
    a, b = phone(browser, daphne_live.url, alex), phone(browser, daphne_live.url, sam)
    problems = watch_console(a) + watch_console(b)
    shot = iter(range(1, 50))

    def snap(page, name, size="phone"):
        page.screenshot(
            path=artifacts / f"cycle-{next(shot):02d}-{name}-{size}.png", full_page=True
        )

    a.goto(daphne_live.url + "/exercises/cycle/")
    snap(a, "list-empty")
    a.get_by_label("What is this one about?").fill("the evenings")
    tap(a, "Start mapping it")
    fill_side(
        a,
        "you look at your phone while I talk",
        "alone",
        "that I bore you",
        "get louder and follow you round",
        "your eyes on me for a minute",
    )
    expect(a.get_by_text("Only you can see it until you show it.")).to_be_visible()
    url = a.url

    b.goto(url)
    expect(b.get_by_text("Alex hasn't shown their side yet.")).to_be_visible()
    assert "follow you round" not in b.content()
    fill_side(
        b,
        "you get louder",
        "scared",
        "that I have failed again",
        "go quiet and look at my phone",
        "a softer start",
    )
    snap(b, "sam-side")

    # Alex shows; Sam's page says so live. Then Sam shows, and the loop appears for Alex live.
    a.get_by_label("Show my side to Sam").check()
    tap(a, "Save who sees it")
    expect(b.get_by_text("Alex has shown their side.")).to_be_visible(timeout=10_000)
    b.get_by_label("Show my side to Alex").check()
    tap(b, "Save who sees it")
    expect(a.locator("#cycle-panel").get_by_text("Round the loop")).to_be_visible(timeout=10_000)
    expect(a.locator("#cycle-panel svg[role=img]")).to_be_visible()
    expect(a.locator(".loop-steps")).to_contain_text("So Sam: go quiet and look at my phone")
    snap(a, "loop")
    a.set_viewport_size(TABLET)
    snap(a, "loop", "tablet")
    a.set_viewport_size(PHONE)

    # Sam changes their move; Alex's loop redraws by itself.
    b.get_by_label("So I…").fill("leave the room")
    tap(b, "Save my side")
    expect(a.locator(".loop-steps")).to_contain_text("So Sam: leave the room", timeout=10_000)

    # From the loop, a dialogue about it.
    a.locator("#cycle-panel").get_by_role("link", name="Hold a dialogue about this").click()
    expect(a.get_by_label("What would you like to talk about? (optional)")).to_have_value(
        "the evenings"
    )
    snap(a, "ask")
    assert problems == []
