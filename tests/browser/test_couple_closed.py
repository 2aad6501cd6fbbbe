"""Two phones: Sam leaves the couple; Alex is told kindly, opens an old bookmark, reads their own
words and downloads them. A real daphne and Debian's Chromium, at 390 by 844 (and a tablet)."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from exercises.caring.models import CaringItem
from tests.browser.conftest import PHONE, TABLET
from tests.browser.helpers import off_loop, sign_in, watch_console
from tests.factories import make_couple, make_exercises

pytestmark = pytest.mark.browser


def _history(alex, sam):
    couple = make_couple(alex, sam)
    make_exercises(couple, alex, sam)  # Alex's list, appreciation, request and repair
    CaringItem.objects.create(couple=couple, owner=sam, text="a walk after dinner, only Sam's")
    return couple


def test_when_sam_leaves_alex_is_told_and_keeps_their_words(
    browser, daphne_live, artifacts, partner_a, partner_b
):
    off_loop(_history, partner_a, partner_b)
    phone_a = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    phone_b = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    sign_in(phone_a, daphne_live.url, partner_a)
    sign_in(phone_b, daphne_live.url, partner_b)
    alex, sam = phone_a.new_page(), phone_b.new_page()
    problems = watch_console(alex) + watch_console(sam)

    alex.goto(daphne_live.url)
    expect(alex.get_by_role("heading", name="You and Sam")).to_be_visible()
    sam.goto(daphne_live.url)
    sam.get_by_role("link", name="Leave this couple").click()
    # Sam is shown, word for word, what Alex will see.
    preview = sam.locator("[data-preview=closed]")
    expect(preview).to_contain_text("Sam left your couple in the app")
    sam.screenshot(path=artifacts / "closed-01-leave-page-phone.png", full_page=True)
    sam.get_by_role("button", name="Yes, leave this couple").click()
    expect(sam.get_by_role("heading", name="Link up with your partner")).to_be_visible()

    # Alex's home says so by itself, kindly, and offers their words and their download.
    expect(alex.get_by_role("heading", name="Your couple has closed")).to_be_visible(timeout=10_000)
    expect(alex.locator("#home-panel")).to_contain_text(
        "Sam left your couple in the app, so it has closed for both of you."
    )
    alex.screenshot(path=artifacts / "closed-02-home-told-phone.png", full_page=True)

    # An old bookmark of the couple's caring page: a calm page, not a 404.
    alex.goto(f"{daphne_live.url}/exercises/caring/")
    expect(alex.get_by_role("heading", name="This couple has closed")).to_be_visible()
    alex.screenshot(path=artifacts / "closed-03-bookmark-phone.png", full_page=True)

    alex.get_by_role("link", name="Read what you wrote").click()
    expect(alex.get_by_role("heading", name="What you wrote", exact=True)).to_be_visible()
    words = alex.locator("main")
    expect(words).to_contain_text("tea in bed please")
    expect(words).to_contain_text("When you are late, I worry.")
    expect(words).not_to_contain_text("only Sam's")
    alex.screenshot(path=artifacts / "closed-04-your-words-phone.png", full_page=True)
    box = alex.get_by_role("link", name="Download my data").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44

    with alex.expect_download() as download:
        alex.get_by_role("link", name="Download my data").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert [i["text"] for i in data["caring_list"]] == ["tea in bed please"]
    assert "only Sam's" not in json.dumps(data)

    tablet = browser.new_context(viewport=TABLET)
    sign_in(tablet, daphne_live.url, partner_a)
    page = tablet.new_page()
    page.goto(daphne_live.url)
    expect(page.get_by_role("heading", name="Your couple has closed")).to_be_visible()
    page.screenshot(path=artifacts / "closed-05-home-told-tablet.png", full_page=True)
    page.get_by_role("link", name="Read what you wrote").click()
    page.screenshot(path=artifacts / "closed-06-your-words-tablet.png", full_page=True)
    assert problems == []
    for context in (phone_a, phone_b, tablet):
        context.close()
