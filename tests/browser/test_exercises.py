"""Exercises on two phones in Debian's Chromium: a full request for change, and an
appreciation exchanged live."""

import pytest
from playwright.sync_api import expect

from exercises.requests.models import Stretch, StretchLog
from tests.browser.conftest import PHONE
from tests.browser.helpers import off_loop, sign_in, tap, watch_console
from tests.factories import make_couple, make_partner

pytestmark = pytest.mark.browser


@pytest.fixture
def phones(browser, daphne_live):
    alex, sam = make_partner("Alex"), make_partner("Sam")
    off_loop(make_couple, alex, sam)
    pages = []
    for person in (alex, sam):
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        sign_in(context, daphne_live.url, person)
        pages.append(context.new_page())
    yield pages
    for page in pages:
        page.context.close()


def test_a_full_request_for_change_from_frustration_to_a_logged_stretch(
    phones, daphne_live, artifacts
):
    a, b = phones
    problems = watch_console(a) + watch_console(b)
    base = daphne_live.url
    a.goto(base)
    a.get_by_role("link", name="Requests for change and stretches").click()
    a.get_by_role("link", name="Write a request").click()
    a.get_by_label("The frustration, in one sentence").fill(
        "When you come home late without calling, I worry."
    )
    a.get_by_label("What you long for underneath").fill(
        "to feel that I matter to you at the end of the day"
    )
    a.get_by_label("Does it echo something from your childhood? (optional, private)").fill(
        "Waiting by the window as a child."
    )
    for n, (request, measure) in enumerate(
        [
            ("text me when you leave work", "every weekday"),
            ("call me if you'll be more than half an hour late", "each time"),
            ("have dinner with me at the table", "three evenings a week"),
        ],
        start=1,
    ):
        a.get_by_label(f"Request {n}: would you be willing to…").fill(request)
        a.get_by_label(f"How often or how much (request {n})").fill(measure)
    a.screenshot(path=artifacts / "bcr-01-a-writes-phone.png", full_page=True)
    tap(a, "Save my request")
    expect(a.get_by_text("Saved.")).to_be_visible()
    expect(a.get_by_text("Waiting by the window as a child.")).to_be_visible()

    b.goto(f"{base}/exercises/requests/")
    b.get_by_role("link", name="When you come home late without calling, I worry.").click()
    expect(b.get_by_text("Waiting by the window")).to_have_count(0)
    b.get_by_label("Say back what you heard").fill(
        "What I heard you ask for is a text when I leave work, a call if I'm late, "
        "and dinner together."
    )
    b.screenshot(path=artifacts / "bcr-02-b-mirrors-phone.png", full_page=True)
    tap(b, "Send my mirror")
    b.get_by_label("text me when you leave work (every weekday)").check()
    b.screenshot(path=artifacts / "bcr-03-b-chooses-phone.png", full_page=True)
    tap(b, "Give this as a gift")
    expect(b.get_by_text("It's a gift; it starts today.")).to_be_visible()
    b.get_by_role("link", name="(given as a stretch)").click()
    b.get_by_label("A note (optional)").fill("from the station")
    tap(b, "I did it today")
    expect(b.get_by_text("from the station")).to_be_visible()
    b.screenshot(path=artifacts / "bcr-04-b-logs-phone.png", full_page=True)

    a.goto(f"{base}/exercises/requests/")
    expect(a.get_by_text("Sam gives it, every weekday")).to_be_visible()
    expect(a.get_by_text("Done 1 time so far.")).to_be_visible()
    a.screenshot(path=artifacts / "bcr-05-a-sees-stretch-phone.png", full_page=True)
    stretch = Stretch.objects.get()
    assert stretch.title == "text me when you leave work"
    assert StretchLog.objects.filter(stretch=stretch).count() == 1
    assert problems == []


def test_an_appreciation_arrives_and_is_mirrored_live(phones, daphne_live, artifacts):
    a, b = phones
    a_problems, b_problems = watch_console(a), watch_console(b)
    for page in (a, b):
        page.goto(f"{daphne_live.url}/exercises/appreciations/")
    a.get_by_label("Something you did").check()
    a.get_by_label("I appreciate…").fill("You made soup when I was ill.")
    tap(a, "Send my appreciation")
    expect(b.get_by_role("heading", name="Alex appreciates you")).to_be_visible(timeout=10_000)
    expect(b.locator("#announce")).to_have_text("A new appreciation has arrived.")
    b.screenshot(path=artifacts / "appreciation-01-b-arrives-live-phone.png", full_page=True)
    b.get_by_label("Say it back").fill("What I heard you appreciate is the soup I made.")
    b.get_by_label("How it felt to hear (optional)").fill("Warm, and a bit shy.")
    tap(b, "Send it back")
    expect(
        a.get_by_text("Mirrored: What I heard you appreciate is the soup I made.")
    ).to_be_visible(timeout=10_000)
    expect(a.get_by_text("1 day in a row, together.")).to_be_visible()
    a.screenshot(path=artifacts / "appreciation-02-a-mirrored-live-phone.png", full_page=True)
    assert a_problems == [] and b_problems == []
