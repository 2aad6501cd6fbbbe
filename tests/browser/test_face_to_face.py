"""One shared tablet as the room the couple sit in, in Debian's Chromium: two halves face to
face (the far one turned to face the far partner), each with its own partner's role, prompt and
controls; a private check-in at one screen; pause and stop from both halves; begun from home
with one tap for "we agree now is a good time". A phone keeps its hand-over screens."""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from dialogue.models import Dialogue, Event
from tests.browser.conftest import PHONE, TABLET
from tests.browser.helpers import off_loop, sign_in, watch_console
from tests.factories import make_couple, make_partner

pytestmark = pytest.mark.browser

LANDSCAPE = {"width": 1180, "height": 820}
ORIENTATIONS = {"portrait": TABLET, "landscape": LANDSCAPE}
WAIT = 10_000


@pytest.fixture
def couple_people(daphne_live):
    alex, sam = make_partner("Alex"), make_partner("Sam")
    off_loop(make_couple, alex, sam)
    return alex, sam


def open_screen(browser, base_url, user, viewport, init_script: str = "") -> Page:
    context = browser.new_context(viewport=viewport, has_touch=True)
    if init_script:
        context.add_init_script(init_script)
    sign_in(context, base_url, user)
    return context.new_page()


def half(page: Page, name: str) -> Locator:
    """The half of the screen that belongs to `name`."""
    return page.get_by_role("region", name=f"{name}'s side", exact=True)


def press(where: Locator, name: str) -> None:
    where.get_by_role("button", name=name, exact=True).click()


def turned(locator: Locator) -> tuple[float, float]:
    """The (a, d) of an element's computed transform matrix: (-1, -1) is turned 180°."""
    return locator.evaluate(
        """el => {
            const t = getComputedStyle(el).transform;
            if (t === 'none') return [1, 1];
            const m = new DOMMatrixReadOnly(t);
            return [m.a, m.d];
        }"""
    )


def assert_turned(locator: Locator) -> None:
    a, d = turned(locator)
    assert round(a, 3) == -1 and round(d, 3) == -1, (a, d)


def assert_upright(locator: Locator) -> None:
    a, d = turned(locator)
    assert round(a, 3) == 1 and round(d, 3) == 1, (a, d)


def leads(page: Page, name: str, other: str) -> None:
    """`name`'s half leads (its "Your turn" line), and `other`'s does not."""
    expect(half(page, name)).to_have_class(re.compile(r"\bleads\b"), timeout=WAIT)
    expect(half(page, other)).not_to_have_class(re.compile(r"\bleads\b"))
    expect(half(page, name).locator(".your-turn")).to_be_visible()
    expect(half(page, other).locator(".your-turn")).to_have_count(0)


def only_in(page: Page, name: str, other: str, button: str) -> Locator:
    """The button is in `name`'s half, and not in `other`'s; returns it."""
    mine = half(page, name).get_by_role("button", name=button, exact=True)
    expect(mine).to_be_visible(timeout=WAIT)
    expect(half(page, other).get_by_role("button", name=button, exact=True)).to_have_count(0)
    return mine


def says(where: Locator, text: str) -> None:
    expect(where).to_contain_text(text, timeout=WAIT)


def begin_together(page: Page, base_url: str, mode_label: str, snap=None) -> None:
    page.goto(base_url)
    page.get_by_role("button", name="We're together on this screen").click()
    together = page.locator("#start-together")
    together.get_by_label(mode_label).check()
    if snap:
        snap("home-together")
    together.get_by_role("button", name="Begin together").click()


def check_in_privately(page: Page, snap) -> None:
    """Alex (the speaker) checks in first while Sam's half asks Sam to look away; then Sam."""
    alex, sam = half(page, "Alex"), half(page, "Sam")
    leads(page, "Alex", "Sam")
    says(alex, "Alex, how settled do you feel right now?")
    says(alex, "Sam is asked to look away, but is at this screen and could see the number.")
    says(sam, "Please look away from the screen for a moment.")
    expect(sam.get_by_role("radio")).to_have_count(0)
    alex.get_by_role("radio", name="6", exact=True).check()
    snap("alex-checks-in-sam-looks-away")
    press(alex, "Check in")
    leads(page, "Sam", "Alex")
    says(alex, "You've checked in.")
    expect(alex.get_by_role("radio")).to_have_count(0)
    expect(page.locator("input[name=level]:checked")).to_have_count(0)  # Alex's 6 is gone
    snap("sam-checks-in-alex-looks-away")
    sam.get_by_role("radio", name="7", exact=True).check()
    press(sam, "Check in")
    says(alex, "Alex, you're speaking.")
    # Nothing of either number stays on the screen.
    expect(page.locator("input[name=level]")).to_have_count(0)
    text = page.locator("body").inner_text()
    assert "6 out of 10" not in text and "7 out of 10" not in text


def pause_and_resume_from_the_far_half(page: Page, snap) -> None:
    far = page.locator(".half.far")
    expect(far).to_have_attribute("aria-label", "Sam's side")
    press(far, "Pause")
    layer = page.locator(".pause-layer")
    expect(layer).to_be_visible(timeout=WAIT)
    far_pause = layer.get_by_role("group", name="Sam's side")
    near_pause = layer.get_by_role("group", name="Alex's side")
    assert_turned(far_pause)
    assert_upright(near_pause)
    expect(near_pause.get_by_role("button", name="We're ready to go on")).to_be_visible()
    expect(near_pause.get_by_role("button", name="I need to stop")).to_be_visible()
    snap("paused-from-far-half")
    # "I need to stop" from the far half opens the stop dialog turned to face Sam.
    press(far_pause, "I need to stop")
    dialog = page.get_by_role("dialog", name="Stop the dialogue?")
    expect(dialog).to_be_visible()
    assert_turned(dialog)
    snap("stop-dialog-turned-to-far-half")
    press(dialog, "Go back to the dialogue")
    press(far_pause, "We're ready to go on")
    expect(layer).to_have_count(0, timeout=WAIT)


def assert_face_layout(page: Page) -> None:
    expect(page.locator(".face")).to_be_visible()
    expect(page.locator("#dialogue-stage")).to_be_hidden()
    assert_turned(page.locator(".half.far"))
    assert_upright(page.locator(".half.near"))
    # Both halves sit fully on the screen, far above near.
    far_box = page.locator(".half.far").bounding_box()
    near_box = page.locator(".half.near").bounding_box()
    size = page.viewport_size
    assert far_box["y"] >= -1 and near_box["y"] + near_box["height"] <= size["height"] + 1
    assert far_box["y"] + far_box["height"] <= near_box["y"] + 1
    # Pause and "I need to stop" in reach of both.
    for side in (".half.far", ".half.near"):
        for name in ("Pause", "I need to stop"):
            button = page.locator(side).get_by_role("button", name=name, exact=True)
            expect(button).to_be_visible()
            box = button.bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, (side, name, box)


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_a_spoken_round_face_to_face_on_one_tablet(
    browser, daphne_live, couple_people, artifacts, orientation
):
    alex, _sam = couple_people
    page = open_screen(browser, daphne_live.url, alex, ORIENTATIONS[orientation])
    problems = watch_console(page)
    shot = iter(range(1, 100))

    def snap(name):
        path = artifacts / f"face-{orientation}-spoken-{next(shot):02d}-{name}.png"
        page.screenshot(path=path)

    begin_together(page, daphne_live.url, "Out loud: the app shows what to say, nobody types", snap)
    alex_half, sam_half = half(page, "Alex"), half(page, "Sam")
    says(alex_half, "Is now a good time for you both?")
    says(sam_half, "Is now a good time for you both?")
    assert_face_layout(page)
    expect(page.get_by_role("button", name="I'm Sam. Show me.")).to_have_count(0)  # no hand-over
    # Who sits where: Alex (who began) is near; they swap, and swap back.
    expect(page.locator(".half.far")).to_have_attribute("aria-label", "Sam's side")
    says(alex_half.locator(".half-edge"), "Alex")
    snap("who-sits-where")
    press(sam_half, "Swap sides")
    expect(page.locator(".half.far")).to_have_attribute("aria-label", "Alex's side", timeout=WAIT)
    snap("swapped")
    press(alex_half, "Swap sides")
    expect(page.locator(".half.far")).to_have_attribute("aria-label", "Sam's side", timeout=WAIT)
    press(sam_half, "We agree now is a good time")

    check_in_privately(page, snap)

    # Alex speaks: large stems on Alex's half; Sam's half says how to mirror.
    leads(page, "Alex", "Sam")
    says(alex_half, "I felt… when… What I needed was…")
    says(sam_half, "Listen to Alex without interrupting.")
    says(sam_half, "If I got it, you said…")
    done = only_in(page, "Alex", "Sam", "Done, I've said it")
    snap("alex-speaks")
    done.click()

    # Sam mirrors; Alex corrects once; Sam mirrors again; Alex confirms.
    leads(page, "Sam", "Alex")
    says(sam_half, "Mirror back what Alex said")
    says(alex_half, "Listen to Sam: is it what you meant?")
    snap("sam-mirrors")
    only_in(page, "Sam", "Alex", "Done, I've said it").click()
    says(alex_half, "Did Sam get it?")
    snap("alex-checks")
    only_in(page, "Alex", "Sam", "Not quite").click()
    says(sam_half, "Not quite yet.")
    snap("sam-mirrors-again")
    only_in(page, "Sam", "Alex", "Done, I've said it").click()
    only_in(page, "Alex", "Sam", "Yes, that's it").click()

    # A pause, and going on again, from the far half.
    says(alex_half, "Is there more?")
    pause_and_resume_from_the_far_half(page, snap)
    only_in(page, "Alex", "Sam", "No, that's all for now").click()

    for step in ("Sum up everything", "Say how it makes sense", "Imagine how Alex feels"):
        says(sam_half, step)
        leads(page, "Sam", "Alex")
        if step.startswith("Imagine"):
            snap("sam-empathizes")
        only_in(page, "Sam", "Alex", "Done, I've said it").click()
        only_in(page, "Alex", "Sam", "Yes, that's it").click()

    # Close: each thanks from their own half; either ends.
    says(alex_half, "Thank you both.")
    for name in ("Alex", "Sam"):  # each half has its own partner's thanks, once
        expect(half(page, name).get_by_role("button", name="Say thank you")).to_have_count(1)
    press(sam_half, "Say thank you")
    expect(sam_half.get_by_role("button", name="Say thank you")).to_have_count(0, timeout=WAIT)
    says(alex_half, "Sam says thank you.")
    press(alex_half, "Say thank you")
    snap("close")
    press(sam_half, "End here")
    says(alex_half, "This dialogue has ended.")
    snap("ended")

    dialogue = Dialogue.objects.get()
    assert dialogue.ended_at is not None
    kinds = list(Event.objects.filter(dialogue=dialogue).values_list("kind", flat=True))
    assert kinds.count("agree_now") == 1 and "accept" not in kinds
    assert kinds.count("correct") == 1 and kinds.count("swap_sides") == 2
    senders = set(
        Event.objects.filter(dialogue=dialogue, kind="send").values_list("actor", flat=True)
    )
    assert senders == {alex.pk}
    assert dialogue.snapshot["agreed"] == sorted([alex.pk, _sam.pk])
    assert problems == []


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_a_written_round_face_to_face_on_one_tablet(
    browser, daphne_live, couple_people, artifacts, orientation
):
    alex, sam = couple_people
    page = open_screen(browser, daphne_live.url, alex, ORIENTATIONS[orientation])
    problems = watch_console(page)
    shot = iter(range(1, 100))

    def snap(name):
        path = artifacts / f"face-{orientation}-written-{next(shot):02d}-{name}.png"
        page.screenshot(path=path)

    begin_together(page, daphne_live.url, "Typed: each of you writes your own turn")
    alex_half, sam_half = half(page, "Alex"), half(page, "Sam")
    assert_face_layout(page)
    press(alex_half, "We agree now is a good time")
    check_in_privately(page, snap)

    leads(page, "Alex", "Sam")
    alex_half.get_by_label("What would you like your partner to hear?").fill(
        "I felt alone on Sunday when you were on your phone all afternoon."
    )
    expect(sam_half.get_by_role("textbox")).to_have_count(0)
    snap("alex-writes")
    only_in(page, "Alex", "Sam", "Send").click()

    leads(page, "Sam", "Alex")
    says(sam_half.locator(".piece"), "I felt alone on Sunday")
    sam_half.get_by_label("In your words").fill("If I got it, you said you felt alone on Sunday.")
    snap("sam-mirrors")
    only_in(page, "Sam", "Alex", "Send").click()
    says(alex_half, "Did Sam get it?")
    says(alex_half.locator(".reflection"), "you felt alone on Sunday")
    alex_half.get_by_label("Not quite. Here's what I meant: (optional)").fill(
        "Alone all afternoon, while you were on your phone."
    )
    snap("alex-corrects")
    only_in(page, "Alex", "Sam", "Not quite").click()
    says(sam_half.locator(".correction"), "Alone all afternoon")
    sam_half.get_by_label("In your words").fill(
        "If I got it, you felt alone all afternoon while I was on my phone."
    )
    only_in(page, "Sam", "Alex", "Send").click()
    only_in(page, "Alex", "Sam", "Yes, that's it").click()

    says(alex_half, "Is there more?")
    pause_and_resume_from_the_far_half(page, snap)
    only_in(page, "Alex", "Sam", "No, that's all for now").click()

    says(sam_half, "Sum up everything Alex shared.")
    sam_half.get_by_label("In your words").fill(
        "Let me see if I got all of it: you felt alone all afternoon."
    )
    only_in(page, "Sam", "Alex", "Send").click()
    only_in(page, "Alex", "Sam", "Yes, that's it").click()
    says(sam_half, "Say how it makes sense")
    sam_half.get_by_label("In your words").fill("You make sense: I was on my phone all day.")
    only_in(page, "Sam", "Alex", "Send").click()
    only_in(page, "Alex", "Sam", "Yes, that's it").click()
    says(sam_half, "Imagine how Alex feels")
    sam_half.get_by_role("button", name="Hurt").click()
    sam_half.get_by_role("checkbox", name="lonely", exact=True).check()
    says(sam_half.locator(".chosen"), "You chose: lonely.")
    snap("sam-empathizes")
    only_in(page, "Sam", "Alex", "Send").click()
    says(alex_half.locator(".feelings-named"), "lonely")
    snap("alex-checks-empathy")
    only_in(page, "Alex", "Sam", "Yes, that's it").click()

    says(sam_half, "Thank you both.")
    press(sam_half, "Say thank you")
    press(alex_half, "Say thank you")
    says(sam_half, "Alex says thank you.")
    press(alex_half, "End here")
    says(sam_half, "This dialogue has ended.")
    snap("ended")

    # Read back at the same screen, the transcript shows no check-in number either.
    alex_half.get_by_role("link", name="Read it back and reflect").click()
    expect(page.get_by_text("Alone all afternoon, while you were on your phone.")).to_be_visible()
    expect(page.get_by_text("You both agreed that now was a good time.")).to_be_visible()
    expect(page.get_by_text("Sam checked in.")).to_be_visible()
    assert "out of 10" not in page.locator("body").inner_text()
    dialogue = Dialogue.objects.get()
    senders = set(
        Event.objects.filter(dialogue=dialogue, kind__in=["send", "correct"]).values_list(
            "actor", flat=True
        )
    )
    mirrors = set(
        Event.objects.filter(dialogue=dialogue, kind="mirror").values_list("actor", flat=True)
    )
    assert senders == {alex.pk} and mirrors == {sam.pk}
    assert problems == []


def test_the_screen_is_kept_awake_where_it_can_be_and_nothing_breaks_where_it_cannot(
    browser, daphne_live, couple_people, artifacts
):
    alex, _sam = couple_people
    page = open_screen(browser, daphne_live.url, alex, TABLET)
    problems = watch_console(page)
    begin_together(page, daphne_live.url, "Out loud: the app shows what to say, nobody types")
    dialogue = page.locator(".dialogue.shared")
    expect(dialogue).to_have_attribute("data-wake-lock", "on", timeout=WAIT)
    expect(page.locator(".face-middle").get_by_role("button", name="Full screen")).to_be_visible()

    # A browser without the Wake Lock API: the page says nothing and breaks nothing.
    bare = open_screen(
        browser,
        daphne_live.url,
        alex,
        TABLET,
        init_script="delete Navigator.prototype.wakeLock;",
    )
    bare_problems = watch_console(bare)
    bare.goto(page.url)
    expect(bare.locator(".dialogue.shared")).to_have_attribute(
        "data-wake-lock", "unavailable", timeout=WAIT
    )
    press(half(bare, "Sam"), "We agree now is a good time")
    expect(half(bare, "Alex")).to_contain_text("how settled", timeout=WAIT)
    assert problems == [] and bare_problems == []


def test_on_a_phone_the_same_dialogue_keeps_hand_over_screens(
    browser, daphne_live, couple_people, artifacts
):
    alex, _sam = couple_people
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    sign_in(context, daphne_live.url, alex)
    page = context.new_page()
    problems = watch_console(page)
    shot = iter(range(1, 100))

    def snap(name):
        path = artifacts / f"face-phone-{next(shot):02d}-{name}.png"
        page.screenshot(path=path, full_page=True)

    def hand_to(name, doing):
        expect(page.locator("#stage-head")).to_contain_text(
            f"{name}, it's your turn {doing}.", timeout=WAIT
        )
        page.get_by_role("button", name=f"I'm {name}. Show me.").click()

    begin_together(page, daphne_live.url, "Out loud: the app shows what to say, nobody types", snap)
    expect(page.locator(".face")).to_be_hidden()
    expect(page.locator("#dialogue-stage")).to_be_visible()
    expect(page.locator("#stage-head")).to_contain_text("Is now a good time for you both?")
    snap("agree")
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="We agree now is a good time").click()
    hand_to("Alex", "to check in, privately")
    page.get_by_role("radio", name="6", exact=True).check()
    page.get_by_role("button", name="Check in", exact=True).click()
    hand_to("Sam", "to check in, privately")
    snap("hand-over-check-in")
    page.get_by_role("radio", name="7", exact=True).check()
    page.get_by_role("button", name="Check in", exact=True).click()
    hand_to("Alex", "to share")
    page.get_by_role("button", name="Done, I've said it").click()
    hand_to("Sam", "to mirror")
    snap("sam-mirrors")
    expect(page.locator(".face")).to_be_hidden()
    assert problems == []
