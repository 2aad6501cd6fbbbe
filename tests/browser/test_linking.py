"""Two phones link two partners, with a real daphne and Debian's Chromium."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, TABLET
from tests.browser.helpers import watch_console
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_up(page: Page, base_url: str, name: str) -> None:
    page.goto(base_url)
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Name your partner sees").fill(name)
    page.get_by_label("Username").fill(name.lower())
    page.get_by_label("E-mail address").fill(f"{name.lower()}@example.org")
    page.get_by_label("Me, as one half of a couple").check()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name=f"Hello, {name}")).to_be_visible()


def test_two_phones_link_a_couple_with_a_code_read_from_one_screen(browser, daphne_live, artifacts):
    phone_a = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    phone_b = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    alex, sam = phone_a.new_page(), phone_b.new_page()
    problems = watch_console(alex) + watch_console(sam)
    alex_problems, sam_problems = watch_console(alex), watch_console(sam)

    alex.goto(daphne_live.url)
    alex.screenshot(path=artifacts / "link-01-welcome-phone.png", full_page=True)
    sign_up(alex, daphne_live.url, "Alex")
    alex.screenshot(path=artifacts / "link-02-home-no-couple-phone.png", full_page=True)
    alex.get_by_role("button", name="Start our couple").click()
    code = alex.locator("#partner-code").inner_text().strip()
    assert len(code) == 11
    alex.screenshot(path=artifacts / "link-03-code-phone.png", full_page=True)

    sign_up(sam, daphne_live.url, "Sam")
    # Typed as someone would from hearing it: lower case, a space instead of the dash.
    sam.get_by_label("Invite code").fill(code.lower().replace("-", " "))
    sam.screenshot(path=artifacts / "link-04-typing-code-phone.png", full_page=True)
    sam.get_by_role("button", name="Join my partner").click()
    expect(sam.get_by_role("heading", name="You and Alex")).to_be_visible()
    sam.screenshot(path=artifacts / "link-05-linked-b-phone.png", full_page=True)

    # Alex's phone changes by itself, without a reload.
    expect(alex.get_by_role("heading", name="You and Sam")).to_be_visible(timeout=10_000)
    expect(alex.locator("#announce")).to_have_text("Your partner has joined. You're linked now.")
    alex.screenshot(path=artifacts / "link-06-linked-a-live-phone.png", full_page=True)

    # The forms that arrived over the socket post like the page's own (CSRF token included).
    alex.get_by_role("button", name="Make a code for our therapist").click()
    expect(alex.locator("#therapist-code")).to_be_visible()
    expect(sam.locator("#therapist-code")).to_be_visible(timeout=10_000)

    tablet = browser.new_context(viewport=TABLET)
    tablet_page = tablet.new_page()
    tablet_page.goto(daphne_live.url)
    tablet_page.screenshot(path=artifacts / "link-07-welcome-tablet.png", full_page=True)

    assert alex_problems == [] and sam_problems == [], problems
    for context in (phone_a, phone_b, tablet):
        context.close()


def test_a_wrong_code_gets_a_clear_message_on_the_phone(browser, daphne_live, artifacts):
    phone = browser.new_context(viewport=PHONE)
    page = phone.new_page()
    sign_up(page, daphne_live.url, "Casey")
    page.get_by_label("Invite code").fill("ABCDE-FGHJK")
    page.get_by_role("button", name="Join my partner").click()
    expect(page.get_by_role("alert")).to_contain_text("We couldn't find that code")
    page.screenshot(path=artifacts / "link-08-wrong-code-phone.png", full_page=True)
    phone.close()
