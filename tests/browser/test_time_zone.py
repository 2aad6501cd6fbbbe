"""The browser's own time zone is sent at sign-up and sign-in and stored; it can be changed."""

import pytest
from playwright.sync_api import expect

from imago_app.models import User
from tests.browser.conftest import PHONE, TABLET
from tests.browser.helpers import watch_console
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def zone_field_value(page) -> str:
    return page.evaluate(
        "() => document.querySelector('input[name=time_zone][data-browser-zone]').value"
    )


def test_sign_up_and_sign_in_store_the_browsers_zone(browser, daphne_live, artifacts):
    auckland = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, timezone_id="Pacific/Auckland"
    )
    page = auckland.new_page()
    problems = watch_console(page)
    page.goto(f"{daphne_live.url}/accounts/signup/")
    assert zone_field_value(page) == "Pacific/Auckland"
    page.get_by_label("Name your partner sees").fill("Alex")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("E-mail address").fill("alex@example.org")
    page.get_by_label("Me, as one half of a couple").check()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    assert User.objects.get(username="alex").time_zone == "Pacific/Auckland"

    # The account menu leads to the time zone page, which shows the zone chosen.
    page.get_by_role("button", name="Account").click()
    page.get_by_role("link", name="Time zone").click()
    select = page.get_by_label("Your time zone")
    expect(select).to_have_value("Pacific/Auckland")
    page.screenshot(path=artifacts / "time-zone-01-account-phone.png", full_page=True)
    select.select_option("Europe/Berlin")
    page.get_by_role("button", name="Save my time zone").click()
    expect(page.get_by_text("Your time zone is now Europe/Berlin.")).to_be_visible()
    assert User.objects.get(username="alex").time_zone == "Europe/Berlin"
    page.screenshot(path=artifacts / "time-zone-02-changed-phone.png", full_page=True)
    assert problems == []
    auckland.close()

    # Later, signing in from a phone in California: the zone follows the browser.
    california = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, timezone_id="America/Los_Angeles"
    )
    page = california.new_page()
    problems = watch_console(page)
    page.goto(f"{daphne_live.url}/accounts/login/")
    assert zone_field_value(page) == "America/Los_Angeles"
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    assert User.objects.get(username="alex").time_zone == "America/Los_Angeles"
    assert problems == []
    california.close()

    tablet = browser.new_context(viewport=TABLET, timezone_id="America/Los_Angeles")
    page = tablet.new_page()
    page.goto(f"{daphne_live.url}/accounts/login/")
    page.get_by_label("Username").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    page.goto(f"{daphne_live.url}/accounts/time-zone/")
    expect(page.get_by_label("Your time zone")).to_have_value("America/Los_Angeles")
    page.screenshot(path=artifacts / "time-zone-03-account-tablet.png", full_page=True)
    tablet.close()
