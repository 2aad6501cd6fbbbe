"""A dropped connection: the page says so, comes back by itself, and shows the current state."""

import pytest
from playwright.sync_api import expect

from dialogue import services
from tests.browser.conftest import PHONE
from tests.browser.helpers import heading, off_loop, sign_in
from tests.conftest import Daphne
from tests.factories import make_couple, make_dialogue, make_partner

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("how", ["crash", "restart"])
def test_the_page_reconnects_after_the_server_goes_away(
    browser, transactional_db, tmp_path, artifacts, how
):
    alex, sam = make_partner("Alex"), make_partner("Sam")
    dialogue = off_loop(lambda: make_dialogue(make_couple(alex, sam), alex))
    server = Daphne(tmp_path / "before.log").start()
    context = browser.new_context(viewport=PHONE)
    sign_in(context, server.url, alex)
    page = context.new_page()
    page.goto(f"{server.url}/dialogue/{dialogue.pk}/")
    expect(page.locator("#dialogue-presence")).to_contain_text("Sam isn't here right now")

    if how == "crash":
        server.proc.kill()  # the socket drops without a close frame (1006)
    server.stop()  # a clean stop closes the socket with a code the extension ignores
    expect(page.get_by_text("Connection lost. Trying again…")).to_be_visible(timeout=10_000)
    page.screenshot(path=artifacts / f"reconnect-{how}-phone.png", full_page=True)

    # While Alex's phone is away, Sam answers.
    off_loop(
        services.dialogue_move,
        dialogue_id=dialogue.pk,
        partner=sam,
        kind="accept",
        key=f"accept-while-away-{how}",
    )
    again = Daphne(tmp_path / "after.log", port=server.port).start()
    try:
        heading(page, "Alex, how settled do you feel right now?", timeout=20_000)
        expect(page.get_by_text("Connection lost")).to_have_count(0)
    finally:
        context.close()
        again.stop()
