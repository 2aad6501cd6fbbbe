"""The therapist's record on a laptop and a tablet, and what it prints; the couple's view of who
looked, and ending the therapist's access, on a phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dialogue import services as dialogue_services
from tests.browser.conftest import PHONE, TABLET
from tests.browser.helpers import off_loop, sign_in, tap, watch_console
from tests.factories import make_couple, make_dialogue, make_link, make_partner, make_therapist

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def history(couple, alex, sam):
    """Four weeks of a couple's life: dialogues with check-ins, a named need, appreciations,
    caring behaviours given and a stretch logged."""
    from dialogue.models import Dialogue, Reflection
    from exercises.appreciation.models import Appreciation
    from exercises.caring.models import CaringItem, Gift
    from exercises.requests import services as stretches

    now = timezone.now()
    for days_ago, a_level, s_level in ((20, 4, 6), (13, 5, 7), (6, 7, 6), (1, 8, 8)):
        dialogue = make_dialogue(couple, alex, topic="Sundays")
        for who, kind, fields in [
            (sam, "accept", {}),
            (alex, "check_in", {"level": a_level}),
            (sam, "check_in", {"level": s_level}),
            (alex, "send", {"text": "I felt alone on Sunday."}),
            (sam, "leave", {}),
        ]:
            dialogue_services.dialogue_move(
                dialogue_id=dialogue.pk,
                partner=who,
                kind=kind,
                key=f"{kind}-{who.pk}-{dialogue.pk}",
                **fields,
            )
        Dialogue.objects.filter(pk=dialogue.pk).update(created_at=now - timedelta(days=days_ago))
    Reflection.objects.create(
        dialogue=dialogue, author=sam, text="I want to be chosen.", unmet_need="chosen", shared=True
    )
    item = CaringItem.objects.create(couple=couple, owner=alex, text="tea in bed")
    for days_ago in (2, 3, 9, 10, 11, 18):
        gift = Gift.objects.create(item=item, giver=sam)
        Gift.objects.filter(pk=gift.pk).update(given_at=now - timedelta(days=days_ago))
    for days_ago in (1, 2, 4, 8, 15):
        Appreciation.objects.create(
            couple=couple,
            author=alex,
            about="kindness",
            text="the tea",
            mirror="You liked the tea.",
            created_at=now - timedelta(days=days_ago),
            mirrored_at=now - timedelta(days=days_ago),
        )
    stretch = stretches.micro_stretch_pick(couple=couple, giver=sam, slug="hug")
    stretches.stretch_log(stretch=stretch, giver=sam)


def keys_overlap(page, figure) -> bool:
    """Whether any two entries of a chart's key overlap on screen."""
    boxes = [li.bounding_box() for li in figure.locator(".chart-legend li").all()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                a["x"] < b["x"] + b["width"]
                and b["x"] < a["x"] + a["width"]
                and a["y"] < b["y"] + b["height"]
                and b["y"] < a["y"] + a["height"]
            ):
                return True
    return False


def test_the_record_reads_on_a_laptop_and_a_tablet_and_prints_what_the_therapist_chose(
    browser, daphne_live, artifacts
):
    alex, sam, lee = make_partner("Alex"), make_partner("Sam"), make_therapist("Dr Lee")

    def setup():
        couple = make_couple(alex, sam)
        make_link(couple, lee)
        history(couple, alex, sam)
        return couple

    couple = off_loop(setup)
    url = f"{daphne_live.url}/therapist/couples/{couple.pk}/"
    for name, size in (("laptop", LAPTOP), ("tablet", TABLET)):
        context = browser.new_context(viewport=size)
        sign_in(context, daphne_live.url, lee)
        page = context.new_page()
        problems = watch_console(page)
        page.goto(url)
        figures = page.locator(".chart-figure")
        expect(figures).to_have_count(3)
        for n in range(3):
            figure = figures.nth(n)
            expect(figure.locator("svg.chart")).to_be_visible()
            assert figure.locator(".chart-legend li").count() >= 2
            assert not keys_overlap(page, figure), f"chart {n}'s key overlaps at {name}"
        follow = figures.nth(2)
        expect(
            follow.locator(".chart-legend").get_by_text("Days with an appreciation")
        ).to_be_visible()
        expect(follow.locator("svg.chart text", has_text="Times in the week")).to_be_visible()
        follow.get_by_text("Show as a table").click()
        table = follow.get_by_role("table", name="Exercise follow-through, week by week")
        expect(table).to_be_visible()
        expect(table.get_by_role("columnheader", name="Caring behaviours given")).to_be_visible()
        if name == "laptop":
            private = page.locator(".note-private")
            private.get_by_label("Appointment date").fill("2026-11-20")
            private.get_by_label("Note").fill("Sam withdraws when Alex raises Sundays.")
            tap(page, "Save private note")
            expect(page.get_by_text("Private note saved")).to_be_visible()
        page.screenshot(path=artifacts / f"record-01-charts-{name}.png", full_page=True)
        assert problems == []
        context.close()

    # The printout: the couple, the period, when it was printed; notes only when chosen.
    context = browser.new_context(viewport=LAPTOP)
    sign_in(context, daphne_live.url, lee)
    page = context.new_page()
    page.goto(url)
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="Alex & Sam")).to_be_visible()
    expect(page.get_by_text("Period: everything the couple has shared so far.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Printed on .+ by Dr Lee\.$"))).to_be_visible()
    expect(page.get_by_text("Sam withdraws when Alex raises Sundays.")).to_be_hidden()
    page.screenshot(path=artifacts / "record-02-print-without-notes-laptop.png", full_page=True)
    page.emulate_media(media="screen")
    expect(page.get_by_text(re.compile(r"^Printed on"))).to_be_hidden()
    page.get_by_label("Include my private notes in the printout").check()
    page.emulate_media(media="print")
    expect(page.get_by_text("Sam withdraws when Alex raises Sundays.")).to_be_visible()
    expect(page.get_by_label("Include my private notes in the printout")).to_be_hidden()

    # A period with nothing in it prints its kind empty sentences, and says its dates.
    page.emulate_media(media="screen")
    page.goto(f"{url}?start=2020-01-01&end=2020-01-31")
    page.emulate_media(media="print")
    expect(page.get_by_text("Period: from 1 January 2020 to 31 January 2020.")).to_be_visible()
    expect(page.get_by_text("No check-ins yet.", exact=False)).to_be_visible()
    expect(page.get_by_text("No needs named in shared reflections yet.")).to_be_visible()
    expect(page.get_by_text("No exercises done in these four weeks.")).to_be_visible()
    page.screenshot(path=artifacts / "record-03-print-empty-period-laptop.png", full_page=True)
    context.close()


def test_the_couple_sees_reads_grouped_and_is_asked_once_before_ending_access(
    browser, daphne_live, artifacts
):
    alex, sam, lee = make_partner("Alex"), make_partner("Sam"), make_therapist("Dr Lee")

    def setup():
        couple = make_couple(alex, sam)
        make_link(couple, lee)
        return couple

    couple = off_loop(setup)
    laptop = browser.new_context(viewport=LAPTOP)
    sign_in(laptop, daphne_live.url, lee)
    record = laptop.new_page()
    for _ in range(5):  # paging back and forth through the record
        record.goto(f"{daphne_live.url}/therapist/couples/{couple.pk}/")
    expect(record.get_by_role("heading", name="Alex & Sam")).to_be_visible()

    phone = browser.new_context(viewport=PHONE)
    sign_in(phone, daphne_live.url, sam)
    page = phone.new_page()
    problems = watch_console(page)
    page.goto(daphne_live.url)
    page.get_by_role("link", name="See when they looked").click()
    expect(page.get_by_text(re.compile(r"Dr Lee read your record 5 times\."))).to_be_visible()
    expect(page.locator(".access-log li", has_text="read your record")).to_have_count(1)
    page.screenshot(path=artifacts / "access-01-log-grouped-phone.png", full_page=True)

    page.get_by_role("link", name="Back to your home page").click()
    page.get_by_role("link", name="End Dr Lee's access…").click()
    expect(page.get_by_role("heading", name="End Dr Lee's access?")).to_be_visible()
    expect(
        page.get_by_text("Any private notes Dr Lee wrote stay stored but locked")
    ).to_be_visible()
    page.screenshot(path=artifacts / "access-02-end-confirm-phone.png", full_page=True)
    box = page.get_by_role("button", name="Yes, end Dr Lee's access").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    tap(page, "Yes, end Dr Lee's access")
    expect(page.get_by_text("Dr Lee can no longer see anything of your couple.")).to_be_visible()
    page.screenshot(path=artifacts / "access-03-ended-phone.png", full_page=True)
    record.reload()
    expect(record.get_by_role("heading", name="Alex & Sam")).to_have_count(0)
    assert problems == []
    laptop.close()
    phone.close()
