"""Inner work in Debian's Chromium at 390x844: someone alone does the childhood picture in two
sittings, says how they protect themselves, prepares to speak; then links up with a partner,
who sees none of it until one item is shared, and then only that item."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, TABLET
from tests.browser.helpers import off_loop, sign_in, tap, watch_console
from tests.factories import make_partner, open_invite

pytestmark = pytest.mark.browser


def phone(browser, base_url, person, viewport=PHONE):
    context = browser.new_context(
        viewport=viewport, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    sign_in(context, base_url, person)
    return context.new_page()


def test_alone_then_linked_inner_work_stays_private_until_one_item_is_shared(
    browser, daphne_live, artifacts
):
    robin = make_partner("Robin")
    kim = make_partner("Kim")
    a = phone(browser, daphne_live.url, robin)
    problems = watch_console(a)
    shot = iter(range(1, 100))

    def snap(page, name, size="phone"):
        page.screenshot(
            path=artifacts / f"inner-{next(shot):02d}-{name}-{size}.png", full_page=True
        )

    # Alone: home says what they can do now.
    a.goto(daphne_live.url)
    expect(a.get_by_role("heading", name="What you can do on your own, now")).to_be_visible()
    snap(a, "home-alone")
    a.get_by_role("link", name="Inner work: for you alone").click()
    snap(a, "inner")
    a.get_by_role("link", name="Begin my childhood picture").click()
    a.get_by_role("link", name="Begin", exact=True).click()

    # First sitting: check in, settle, name two people, write about the first, stop.
    a.get_by_label("7", exact=True).check()
    snap(a, "check-in")
    tap(a, "Go on")
    expect(a.get_by_role("heading", name="A moment to settle")).to_be_visible()
    snap(a, "ground")
    tap(a, "Save and go on")
    a.get_by_label("The first person").fill("Mum")
    a.get_by_label("A second person (optional)").fill("Grandpa Joe")
    tap(a, "Save and go on")
    expect(a.get_by_role("heading", name="About Mum")).to_be_visible()
    a.get_by_label("What was good about Mum?").fill("warm, funny")
    a.get_by_label("What did you want from Mum and not get?").fill("time with just me")
    snap(a, "about-mum")
    tap(a, "Save and go on")
    expect(a.get_by_role("heading", name="About Grandpa Joe")).to_be_visible()
    tap(a, "Save and stop for now")

    # Back later, a new page load: the same place, after a new check-in.
    a.goto(daphne_live.url + "/exercises/inner/childhood/")
    expect(a.get_by_text("Next: About Grandpa Joe")).to_be_visible()
    snap(a, "resume")
    a.get_by_role("link", name="Carry on").click()
    # A new sitting begins with a new check-in.
    a.get_by_label("6", exact=True).check()
    tap(a, "Go on")
    expect(a.get_by_role("heading", name="About Grandpa Joe")).to_be_visible()
    a.get_by_label("What was hard about Grandpa Joe?").fill("strict")
    tap(a, "Save and go on")
    a.get_by_label("And what did you do when it happened?").fill("went quiet")
    tap(a, "Save and go on")
    summary = a.get_by_label("What I longed for was…")
    expect(summary).to_have_value("time with just me")  # proposed from Robin's own words
    snap(a, "summary")
    summary.fill("to be someone's first thought")
    tap(a, "Save my summary")
    expect(a.get_by_text("Right now only you can read it.")).to_be_visible()
    expect(a.get_by_text("When you link up with a partner")).to_be_visible()
    snap(a, "childhood-done")

    # How I protect myself.
    a.goto(daphne_live.url + "/exercises/inner/protection/")
    a.get_by_label("I go quiet and keep what I feel to myself.").check()
    a.get_by_label("I need to get away and be on my own for a while.").check()
    a.get_by_label("In my own words, what I do when I feel unsafe").fill("I go for a long walk")
    tap(a, "Save")
    expect(a.get_by_text("the one who pulls back")).to_be_visible()
    snap(a, "protection")

    # Preparing to speak, alone: it is kept.
    a.goto(daphne_live.url + "/exercises/inner/prepare/")
    a.get_by_label("What it's about, in one sentence").fill("How our evenings go")
    a.get_by_label("What I feel about it").fill("I feel that you never listen")
    tap(a, "Save")
    expect(a.get_by_role("alert")).to_contain_text("more like a story about them")
    snap(a, "prepare-hint")
    a.get_by_label("What I feel about it").fill("lonely")
    tap(a, "Save")
    expect(a.get_by_role("link", name="Keep it")).to_be_visible()
    snap(a, "prepared-alone")

    # Robin links up with Kim.
    from imago_app import services as core

    couple = off_loop(core.couple_create, partner=robin)
    code = off_loop(lambda: open_invite(couple).code)
    off_loop(core.couple_join, partner=kim, code=code)
    b = phone(browser, daphne_live.url, kim)
    problems += watch_console(b)
    b.goto(daphne_live.url + "/exercises/inner/from-partner/")
    expect(b.get_by_text("Nothing yet.")).to_be_visible()
    for private in ("someone's first thought", "long walk", "How our evenings go", "lonely"):
        assert private not in b.content()

    # Robin shares the childhood picture with Kim, and nothing else.
    a.goto(daphne_live.url + "/exercises/inner/childhood/")
    a.get_by_label("Let Kim read it").check()
    tap(a, "Save who can read it")
    expect(a.get_by_text("Besides you, Kim can read it now.").first).to_be_visible()
    snap(a, "shared")
    b.goto(daphne_live.url)
    expect(b.get_by_role("heading", name="Shared with you")).to_be_visible()
    b.get_by_role("link", name="Read what Robin shared").click()
    expect(b.get_by_text("to be someone's first thought")).to_be_visible()
    for private in ("long walk", "How our evenings go", "lonely", "time with just me"):
        assert private not in b.content()
    snap(b, "kim-reads")
    b.set_viewport_size(TABLET)
    snap(b, "kim-reads", "tablet")

    # Robin can now ask for a dialogue from the preparation, with only its topic.
    a.goto(daphne_live.url + "/exercises/inner/")
    a.get_by_role("link", name="How our evenings go").click()
    a.get_by_role("link", name="Ask for a dialogue about this").click()
    expect(a.get_by_label("What would you like to talk about? (optional)")).to_have_value(
        "How our evenings go"
    )
    assert "lonely" not in a.content()
    snap(a, "ask")
    a.set_viewport_size(TABLET)
    a.goto(daphne_live.url + "/exercises/inner/longings/")
    expect(a.get_by_text("time with just me")).to_be_visible()
    snap(a, "longings", "tablet")
    assert problems == []
