"""When a sign-in ends, a page left open clears itself: nothing private stays on screen."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import off_loop, sign_in, watch_console
from tests.conftest import Daphne
from tests.factories import make_couple, make_dialogue, make_partner

pytestmark = pytest.mark.browser


def test_signing_out_on_one_tab_clears_the_dialogue_on_another(
    browser, transactional_db, tmp_path, artifacts
):
    alex, sam = make_partner("Alex"), make_partner("Sam")
    dialogue = off_loop(
        lambda: make_dialogue(make_couple(alex, sam), alex, topic="The holiday plans")
    )
    server = Daphne(tmp_path / "daphne.log").start()
    context = browser.new_context(viewport=PHONE)
    try:
        sign_in(context, server.url, alex)
        left_open = context.new_page()
        problems = watch_console(left_open)
        left_open.goto(f"{server.url}/dialogue/{dialogue.pk}/")
        expect(left_open.get_by_text("The holiday plans").first).to_be_visible()
        expect(left_open.locator("#dialogue-presence")).to_contain_text("Sam isn't here")

        other_tab = context.new_page()
        other_tab.goto(f"{server.url}/")
        other_tab.get_by_text("Account").click()
        other_tab.get_by_role("button", name="Sign out").click()

        expect(left_open.get_by_role("heading", name="You were signed out")).to_be_visible(
            timeout=10_000
        )
        expect(left_open.get_by_text("The holiday plans")).to_have_count(0)
        expect(left_open.locator("#stage-head")).to_have_count(0)
        expect(left_open.get_by_text("Account")).to_have_count(0)
        left_open.screenshot(path=artifacts / "signed-out-phone.png", full_page=True)
        assert problems == []
    finally:
        context.close()
        server.stop()
