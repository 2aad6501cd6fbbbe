"""The exercises on a phone (390 by 844), as a tired couple meets them: touch targets, the caring
page, the long request form's errors, and news of each other arriving live."""

import pytest
from playwright.sync_api import expect

from exercises.caring.models import CaringItem
from tests.browser.conftest import PHONE, TABLET
from tests.browser.helpers import off_loop, sign_in, tap, watch_console
from tests.factories import make_couple, make_exercises, make_partner

pytestmark = pytest.mark.browser

# Every control a finger taps: links, buttons, submit inputs, disclosure summaries. A link inside
# running prose (text beside it in the same block) is excluded: WCAG 2.5.8 exempts inline links,
# and lifting them would break the line. The skip link sits off screen until focused.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'a, button, input[type=submit], summary'
  )).filter((el) => {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right < 0 || el.classList.contains('skip')) {
      return false;  // not shown
    }
    const inProse = Array.from(el.parentElement.childNodes).some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.replace(/[\\s·]/g, '') !== '');
    return !inProse && (box.height < 44 || box.width < 44);
  }).map((el) => {
    const box = el.getBoundingClientRect();
    return `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" `
      + `${Math.round(box.width)}x${Math.round(box.height)}`;
  })"""


def phone(browser, base_url, user):
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    sign_in(context, base_url, user)
    return context.new_page()


@pytest.fixture
def couple_with_exercises(daphne_live):
    alex, sam = make_partner("Alex"), make_partner("Sam")

    def make():
        couple = make_couple(alex, sam)
        made = make_exercises(couple, alex, sam)
        for when, words in (
            ("now", "hold my hand on our walk to the shops"),
            ("used_to", "leave a note in my coat pocket"),
            ("wished", "take me dancing on my birthday"),
        ):
            CaringItem.objects.create(couple=couple, owner=sam, text=words, when=when)
        CaringItem.objects.create(couple=couple, owner=alex, text="sing while you cook")
        return couple, made

    couple, made = off_loop(make)
    return alex, sam, couple, made


def test_every_tapped_control_is_at_least_44_px_on_a_phone(
    browser, daphne_live, couple_with_exercises, artifacts
):
    alex, _sam, _couple, made = couple_with_exercises
    page = phone(browser, daphne_live.url, alex)
    problems = watch_console(page)
    pages = {
        "home": "/",
        "exercises": "/exercises/",
        "caring": "/exercises/caring/",
        "appreciation": "/exercises/appreciations/",
        "requests": "/exercises/requests/",
        "library": "/exercises/requests/stretches/library/",
        "request": f"/exercises/requests/{made['change'].pk}/",
    }
    small = {}
    for name, path in pages.items():
        page.goto(daphne_live.url + path)
        page.screenshot(path=artifacts / f"targets-{name}-phone.png", full_page=True)
        # Open every fold, so what hides behind a heading is measured too.
        folded = page.locator(".fold-toggle[aria-expanded=false]")
        while folded.count():
            folded.first.click()
        found = page.evaluate(SMALL_TARGETS)
        if found:
            small[name] = found
    assert small == {}
    assert problems == []
    page.context.close()


# WCAG contrast of every element that shows text: its colour (with the opacity of it and its
# ancestors) over the first opaque background behind it. 4.5:1, or 3:1 for large text.
LOW_CONTRAST = """() => {
  const rgba = (s) => {
    const m = s.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const found = [];
  for (const el of document.querySelectorAll('main *')) {
    const own = Array.from(el.childNodes).some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || el.closest('.visually-hidden')) continue;
    let opacity = 1, bg = null;
    for (let a = el; a; a = a.parentElement) {
      const st = getComputedStyle(a);
      opacity *= Number(st.opacity);
      const b = rgba(st.backgroundColor);
      if (!bg && b[3] === 1) bg = b;
    }
    bg = bg || [255, 255, 255, 1];
    const st = getComputedStyle(el);
    const fg = rgba(st.color);
    const alpha = fg[3] * opacity;
    const seen = [0, 1, 2].map((i) => fg[i] * alpha + bg[i] * (1 - alpha));
    const [l1, l2] = [lum(seen), lum(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) found.push(`"${el.textContent.trim().slice(0, 40)}" ${ratio.toFixed(2)}`);
  }
  return found;
}"""


def test_the_caring_page_folds_reads_clearly_and_a_gift_is_one_choice(
    browser, daphne_live, couple_with_exercises, artifacts
):
    alex, sam, _couple, made = couple_with_exercises
    page = phone(browser, daphne_live.url, alex)
    problems = watch_console(page)
    page.goto(f"{daphne_live.url}/exercises/caring/")
    # Not ready for one: it says so in words, and stays readable.
    page.get_by_role("button", name="Not ready for this one yet").first.click()
    expect(page.get_by_text("Not ready yet:")).to_be_visible()
    expect(page.get_by_role("button", name="I'm ready for this one now")).to_be_visible()
    assert page.evaluate(LOW_CONTRAST) == []
    # Folded by kind: "used to" and "one day" open at their headings, and close again.
    used_to = page.get_by_role("button", name="Things you used to do (1)")
    expect(used_to).to_have_attribute("aria-expanded", "false")
    expect(
        page.locator("#theirs-used_to").get_by_text("leave a note in my coat pocket")
    ).to_be_hidden()
    used_to.click()
    expect(used_to).to_have_attribute("aria-expanded", "true")
    expect(
        page.locator("#theirs-used_to").get_by_text("leave a note in my coat pocket")
    ).to_be_visible()
    assert page.evaluate(LOW_CONTRAST) == []
    page.screenshot(path=artifacts / "caring-folds-phone.png", full_page=True)
    used_to.click()
    expect(
        page.locator("#theirs-used_to").get_by_text("leave a note in my coat pocket")
    ).to_be_hidden()
    # Your own list is folded away until asked for; the page stays about two screens long.
    expect(page.get_by_text("sing while you cook")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollHeight") < 2 * PHONE["height"] + 700
    page.get_by_role("button", name="Your list: I feel loved and cared about when you… (2)").click()
    expect(page.get_by_text("sing while you cook")).to_be_visible()
    for size, name in ((PHONE, "phone"), (TABLET, "tablet")):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"caring-page-{name}.png", full_page=True)
    page.set_viewport_size(PHONE)

    # Choosing a request to give: radio buttons, one choice, and the words say one.
    b = phone(browser, daphne_live.url, sam)
    change = made["change"]
    b.goto(f"{daphne_live.url}/exercises/requests/{change.pk}/")
    b.get_by_label("Say back what you heard").fill("What I heard is that you worry.")
    tap(b, "Send my mirror")
    expect(b.get_by_role("heading", name="Choose one to give as a gift")).to_be_visible()
    choices = b.get_by_role("radio")
    expect(choices).to_have_count(change.requests.count())
    expect(b.get_by_role("checkbox")).to_have_count(0)
    choices.nth(0).check()
    choices.nth(1).check()
    expect(choices.nth(0)).not_to_be_checked()
    b.screenshot(path=artifacts / "request-choose-one-phone.png", full_page=True)
    tap(b, "Give this as a gift")
    expect(b.get_by_text("It's a gift; it starts today.")).to_be_visible()
    assert problems == []
    page.context.close()
    b.context.close()


def test_the_long_request_form_shows_its_errors_where_a_phone_can_see_them(
    browser, daphne_live, couple_with_exercises, artifacts
):
    alex, _sam, _couple, _made = couple_with_exercises
    page = phone(browser, daphne_live.url, alex)
    problems = watch_console(page)
    page.goto(f"{daphne_live.url}/exercises/requests/new/")
    # Sent empty: our own words, not only the browser's bubble.
    tap(page, "Save my request")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Start with the frustration")
    page.screenshot(path=artifacts / "request-empty-phone.png")

    page.get_by_label("The frustration, in one sentence").fill(
        "When you work late without telling me, I feel alone."
    )
    page.get_by_label("What you long for underneath").fill("to feel that our evenings matter")
    for n, (request, measure) in enumerate(
        [
            ("text me when you leave work", "every weekday"),
            ("eat dinner with me at the table", "three evenings a week"),
            ("stop working late", "sometimes"),
        ],
        start=1,
    ):
        page.get_by_label(f"Request {n}: would you be willing to…").fill(request)
        page.get_by_label(f"How often or how much (request {n})").fill(measure)
    tap(page, "Save my request")

    # Focus is on the summary at the top, in view, and it names what needs another look.
    expect(summary).to_be_focused()
    box = summary.bounding_box()
    assert 0 <= box["y"] < PHONE["height"]
    for size, name in ((PHONE, "phone"), (TABLET, "tablet")):
        page.set_viewport_size(size)
        page.screenshot(path=artifacts / f"request-errors-summary-{name}.png")
    page.set_viewport_size(PHONE)
    measure_link = summary.locator('a[href="#id_measure_3"]')
    expect(measure_link).to_contain_text("numbers or a rhythm")
    expect(summary.locator('a[href="#id_request_3"]')).to_be_visible()
    expect(summary.locator('a[href="#id_request_1"]')).to_have_count(0)

    # Each error sits under its own field: the measure's under the measure.
    measure_field = page.locator(".field", has=page.locator("#id_measure_3"))
    expect(measure_field.locator(".error")).to_contain_text("numbers or a rhythm")
    request_field = page.locator(".field", has=page.locator("#id_request_3"))
    expect(request_field.locator(".error")).not_to_contain_text("numbers or a rhythm")
    expect(request_field.locator(".error").first).to_be_attached()

    # The link takes you (and focus) to the field.
    measure_link.click()
    expect(page.locator("#id_measure_3")).to_be_focused()
    field_box = page.locator("#id_measure_3").bounding_box()
    assert 0 <= field_box["y"] < PHONE["height"]
    page.screenshot(path=artifacts / "request-errors-field-phone.png")
    assert problems == []
    page.context.close()


def test_a_gift_reaches_the_receiver_and_the_thanks_reach_the_giver_live(
    browser, daphne_live, couple_with_exercises, artifacts
):
    alex, sam, _couple, _made = couple_with_exercises
    base = daphne_live.url
    giver = phone(browser, base, alex)
    sam_home = phone(browser, base, sam)
    sam_caring = sam_home.context.new_page()
    giver_home = giver.context.new_page()
    problems = [*map(watch_console, (giver, sam_home, sam_caring, giver_home))]
    sam_home.goto(base)
    sam_caring.goto(f"{base}/exercises/caring/")
    giver_home.goto(base)
    giver.goto(f"{base}/exercises/caring/")
    expect(sam_caring.get_by_text("hold my hand on our walk to the shops")).to_have_count(1)

    giver.locator("#theirs-now").get_by_role("button", name="I gave this today").click()
    expect(giver.get_by_text("Noted. Thank you for giving it.")).to_be_visible()

    # Sam sees it on home and on the caring page, without a reload.
    expect(
        sam_home.get_by_text("Alex gave you this: hold my hand on our walk to the shops")
    ).to_be_visible(timeout=10_000)
    expect(sam_home.locator("#announce")).to_have_text("Your partner gave you a caring behaviour.")
    given = sam_caring.locator("#caring-giving")
    expect(given.get_by_text("Alex: hold my hand on our walk to the shops")).to_be_visible(
        timeout=10_000
    )
    for page, name in ((sam_home, "home"), (sam_caring, "caring")):
        page.screenshot(path=artifacts / f"live-gift-arrives-{name}-phone.png", full_page=True)

    # Sam thanks from the pushed panel; Alex sees the thanks, live, on both pages.
    given.locator("li", has_text="hold my hand").get_by_role("button", name="Say thank you").click()
    expect(sam_caring.locator("#caring-giving li", has_text="hold my hand")).to_contain_text(
        "You said thank you."
    )
    expect(giver.locator("#caring-giving")).to_contain_text("Sam said thank you.", timeout=10_000)
    expect(giver.locator("#announce")).to_have_text(
        "Your partner said thank you for what you gave."
    )
    expect(
        giver_home.get_by_text("Sam said thank you for: hold my hand on our walk to the shops")
    ).to_be_visible(timeout=10_000)
    giver.screenshot(path=artifacts / "live-thanks-arrive-caring-phone.png", full_page=True)
    giver_home.screenshot(path=artifacts / "live-thanks-arrive-home-phone.png", full_page=True)
    giver_home.set_viewport_size(TABLET)
    giver_home.screenshot(path=artifacts / "live-thanks-arrive-home-tablet.png", full_page=True)
    assert [p for found in problems for p in found] == []
    giver.context.close()
    sam_home.context.close()
