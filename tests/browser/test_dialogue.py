"""The live dialogue in Debian's Chromium: two phones, and one shared tablet."""

import pytest
from playwright.sync_api import expect

from dialogue.models import Dialogue, Event
from tests.browser.conftest import PHONE
from tests.browser.helpers import heading, off_loop, sign_in, tap, watch_console
from tests.factories import make_couple, make_partner

pytestmark = pytest.mark.browser


@pytest.fixture
def couple_people(daphne_live):
    alex, sam = make_partner("Alex"), make_partner("Sam")
    off_loop(make_couple, alex, sam)
    return alex, sam


def phones(browser, base_url, alex, sam):
    pages = []
    for person in (alex, sam):
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        )
        sign_in(context, base_url, person)
        pages.append(context.new_page())
    return pages


def test_two_phones_hold_a_written_round_with_a_correction_more_and_a_pause(
    browser, daphne_live, couple_people, artifacts
):
    alex, sam = couple_people
    a, b = phones(browser, daphne_live.url, alex, sam)
    problems = watch_console(a) + watch_console(b)
    a_problems, b_problems = watch_console(a), watch_console(b)
    shot = iter(range(1, 100))

    def snap(page, name):
        page.screenshot(path=artifacts / f"dialogue-{next(shot):02d}-{name}.png", full_page=True)

    # Appointment: Alex asks, Sam's home shows it live and Sam says yes.
    b.goto(daphne_live.url)
    a.goto(daphne_live.url)
    a.get_by_text("Ask Sam for a dialogue").click()
    a.get_by_label("What would you like to talk about? (optional)").fill("Sunday afternoon")
    snap(a, "a-asks")
    tap(a, "Send the request")
    heading(a, "Waiting for Sam to answer.")
    expect(b.get_by_text("Alex would like a dialogue")).to_be_visible(timeout=10_000)
    snap(b, "b-home-request-live")
    b.get_by_role("link", name="Answer Alex").click()
    heading(b, "Alex would like a dialogue.")
    snap(b, "b-answers")
    tap(b, "Yes, now is good")

    # Check-in, privately.
    heading(a, "Alex, how settled do you feel right now?")
    heading(b, "Sam, how settled do you feel right now?")
    a.get_by_role("radio", name="7", exact=True).check()
    snap(a, "a-check-in")
    tap(a, "Check in")
    heading(a, "Waiting for Sam to check in.")
    b.get_by_role("radio", name="8", exact=True).check()
    tap(b, "Check in")

    # Alex shares; Sam mirrors; Alex corrects; Sam mirrors again; Alex confirms.
    heading(a, "Alex, you're speaking.")
    heading(b, "Alex is finding the words")
    a.get_by_label("What would you like your partner to hear?").fill(
        "I felt alone on Sunday when you were on your phone all afternoon."
    )
    snap(a, "a-send")
    tap(a, "Send")
    heading(b, "Mirror back what Alex said")
    expect(b.locator(".piece")).to_contain_text("I felt alone on Sunday")
    heading(a, "Sam is mirroring what you said.")
    b.get_by_label("In your words").fill("If I got it, you said you felt alone on Sunday.")
    snap(b, "b-mirror")
    tap(b, "Send")
    heading(a, "Did Sam get it?")
    expect(a.locator(".reflection")).to_contain_text("you felt alone on Sunday")
    snap(a, "a-check-mirror")
    a.get_by_label("Not quite. Here's what I meant: (optional)").fill(
        "Alone all afternoon, while you were on your phone."
    )
    tap(a, "Not quite")
    expect(b.locator(".correction")).to_contain_text("Alone all afternoon", timeout=10_000)
    snap(b, "b-mirror-again")
    b.get_by_label("In your words").fill(
        "If I got it, you felt alone all afternoon while I was on my phone."
    )
    tap(b, "Send")
    heading(a, "Did Sam get it?")
    tap(a, "Yes, that's it")

    # A pause from Sam's phone shows on Alex's; both say ready to go on.
    heading(a, "Is there more?")
    tap(b, "Pause")
    expect(a.locator(".pause-layer")).to_be_visible(timeout=10_000)
    snap(a, "a-paused-by-b")
    tap(a, "I'm ready to go on")
    expect(a.get_by_text("Waiting for your partner to be ready too.")).to_be_visible()
    tap(b, "I'm ready to go on")
    expect(a.locator(".pause-layer")).to_have_count(0, timeout=10_000)
    expect(b.locator(".pause-layer")).to_have_count(0, timeout=10_000)

    # There is more: a second piece, mirrored and confirmed; then that's all.
    tap(a, "Yes, there's more")
    a.get_by_label("What more would you like to say?").fill("And I missed you.")
    tap(a, "Send")
    heading(b, "Mirror back what Alex said")
    b.get_by_label("In your words").fill("If I got it, you missed me.")
    tap(b, "Send")
    heading(a, "Did Sam get it?")
    tap(a, "Yes, that's it")
    heading(a, "Is there more?")
    snap(a, "a-more")
    tap(a, "No, that's all for now")

    # Summary, validation and empathy, each confirmed.
    heading(b, "Sum up everything Alex shared.")
    expect(b.locator(".piece")).to_have_count(2)
    snap(b, "b-summary")
    b.get_by_label("In your words").fill(
        "Let me see if I got all of it: you felt alone, and you missed me."
    )
    tap(b, "Send")
    heading(a, "Did Sam get all of it?")
    tap(a, "Yes, that's it")
    heading(b, "Say how it makes sense")
    b.get_by_label("In your words").fill("You make sense: I was on my phone all afternoon.")
    snap(b, "b-validate")
    tap(b, "Send")
    heading(a, "understands how it looks from your side?")
    tap(a, "Yes, that's it")
    heading(b, "Imagine how Alex feels")
    b.get_by_role("button", name="Hurt").click()  # feelings come in groups, opened one by one
    b.get_by_role("checkbox", name="lonely", exact=True).check()
    b.get_by_role("button", name="Angry").click()
    b.get_by_role("checkbox", name="let down", exact=True).check()
    expect(b.locator("#feelings-chosen")).to_have_text("You chose: lonely, let down.")
    snap(b, "b-empathize")
    tap(b, "Send")
    heading(a, "Is that how you feel?")
    expect(a.locator(".feelings-named")).to_contain_text("lonely, let down")
    snap(a, "a-check-empathy")
    tap(a, "Yes, that's it")

    # Close: thanks, then end.
    heading(a, "Thank you both.")
    heading(b, "Thank you both.")
    tap(a, "Say thank you")
    expect(b.get_by_text("Alex says thank you.")).to_be_visible(timeout=10_000)
    snap(b, "b-close")
    tap(b, "End here")
    heading(a, "This dialogue has ended.")
    heading(b, "This dialogue has ended.")
    snap(a, "a-ended")

    # The transcript, and a private reflection.
    a.get_by_role("link", name="Read it back and reflect").click()
    expect(a.get_by_text("Alone all afternoon, while you were on your phone.")).to_be_visible()
    expect(a.get_by_text("You checked in at 7 out of 10.")).to_be_visible()
    expect(a.get_by_text("checked in at 8")).to_have_count(0)
    a.get_by_label("What stays with you from this dialogue?").fill("I felt heard.")
    a.get_by_label("What need might lie under the frustration?").select_option("chosen")
    tap(a, "Save my reflection")
    expect(a.get_by_text("Your reflection is saved.")).to_be_visible()
    snap(a, "a-transcript")

    dialogue = Dialogue.objects.get()
    assert dialogue.ended_at is not None
    kinds = list(Event.objects.filter(dialogue=dialogue).values_list("kind", flat=True))
    assert kinds.count("correct") == 1 and kinds.count("more") == 1 and kinds.count("send") == 2
    assert a_problems == [] and b_problems == [], problems


def test_one_shared_phone_holds_a_spoken_round_with_hand_overs(
    browser, daphne_live, couple_people, artifacts
):
    # A screen too small to split keeps hand-overs (a tablet shows two halves instead:
    # tests/browser/test_face_to_face.py).
    alex, _sam = couple_people
    context = browser.new_context(viewport=PHONE, has_touch=True)
    sign_in(context, daphne_live.url, alex)
    page = context.new_page()
    problems = watch_console(page)
    shot = iter(range(1, 100))

    def snap(name):
        path = artifacts / f"shared-phone-{next(shot):02d}-{name}.png"
        page.screenshot(path=path, full_page=True)

    def hand_to(name, doing):
        heading(page, f"{name}, it's your turn {doing}.")
        tap(page, f"I'm {name}. Show me.")

    page.goto(daphne_live.url)
    tap(page, "We're together on this screen")
    page.get_by_label("Out loud: the app shows what to say, nobody types").check()
    tap(page, "Begin together")

    # Both are here: no request to answer, one tap for "we agree now is a good time".
    heading(page, "Is now a good time for you both?")
    snap("agree-together")
    tap(page, "We agree now is a good time")
    hand_to("Alex", "to check in, privately")
    page.get_by_role("radio", name="6", exact=True).check()
    tap(page, "Check in")
    snap("check-in-handover")
    hand_to("Sam", "to check in, privately")
    page.get_by_role("radio", name="7", exact=True).check()
    tap(page, "Check in")
    hand_to("Alex", "to share")
    snap("alex-speaks")
    tap(page, "Done, I've said it")
    hand_to("Sam", "to mirror")
    snap("sam-mirrors")
    tap(page, "Done, I've said it")
    hand_to("Alex", "to check what they heard")
    tap(page, "Yes, that's it")
    heading(page, "Is there more?")
    tap(page, "No, that's all for now")
    for doing in ("to sum up", "to validate", "to empathize"):
        hand_to("Sam", doing)
        if doing == "to empathize":
            snap("sam-empathizes")
        tap(page, "Done, I've said it")
        hand_to("Alex", "to check what they heard")
        tap(page, "Yes, that's it")
    heading(page, "Thank you both.")
    tap(page, "Alex: say thank you")
    tap(page, "Sam: say thank you")
    snap("close")
    tap(page, "End here")
    heading(page, "This dialogue has ended.")
    snap("ended")
    assert Dialogue.objects.get().ended_at is not None
    assert problems == []
