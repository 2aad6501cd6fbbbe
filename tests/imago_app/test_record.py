"""The therapist's record of a couple: outlines always, words only when both partners shared."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dialogue import services as dialogue_services
from dialogue.models import Reflection
from imago_app import audit
from imago_app.models import AuditEntry
from tests.factories import (
    make_change_request,
    make_couple,
    make_dialogue,
    make_link,
    make_therapist,
    text,
)
from tests.queries import page_queries

pytestmark = pytest.mark.django_db


def finished(couple, a, b, words="I felt alone on Sunday."):
    dialogue = make_dialogue(couple, a, topic="Sunday")
    for who, kind, fields in [
        (b, "accept", {}),
        (a, "check_in", {"level": 6}),
        (b, "check_in", {"level": 8}),
        (a, "send", {"text": words}),
        (b, "leave", {}),
    ]:
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk,
            partner=who,
            kind=kind,
            key=f"{kind}-{who.pk}-{dialogue.pk}",
            **fields,
        )
    return dialogue


@pytest.fixture
def record(client, couple, partner_a, partner_b, therapist):
    make_link(couple, therapist)
    client.force_login(therapist)
    return lambda: text(client.get(reverse("therapist_couple", args=[couple.pk])))


def test_the_outline_shows_but_the_words_need_both_partners(record, couple, partner_a, partner_b):
    dialogue = finished(couple, partner_a, partner_b)
    page = record()
    assert "Sunday" in page and "Alex 6/10" in page and "Sam 8/10" in page
    assert "stopped early" in page
    assert "I felt alone on Sunday." not in page
    dialogue_services.transcript_share(dialogue=dialogue, partner=partner_a, shared=True)
    assert "I felt alone on Sunday." not in record()
    dialogue_services.transcript_share(dialogue=dialogue, partner=partner_b, shared=True)
    assert "I felt alone on Sunday." in record()
    dialogue_services.transcript_share(dialogue=dialogue, partner=partner_b, shared=False)
    assert "I felt alone on Sunday." not in record()


def test_only_shared_reflections_and_echoes_reach_the_therapist(
    record, couple, partner_a, partner_b
):
    dialogue = finished(couple, partner_a, partner_b)
    Reflection.objects.create(
        dialogue=dialogue, author=partner_a, text="shared-thought", unmet_need="chosen", shared=True
    )
    Reflection.objects.create(
        dialogue=dialogue, author=partner_b, text="private-thought", shared=False
    )

    make_change_request(couple, partner_a, echo="shared-echo", echo_shared=True)
    make_change_request(couple, partner_a, echo="private-echo")
    page = record()
    assert "shared-thought" in page and "need: to feel chosen" in page
    assert "shared-echo" in page
    assert "private-thought" not in page and "private-echo" not in page


def test_each_read_is_logged_once_and_the_partners_can_read_the_log(
    client, record, couple, partner_a, therapist
):
    record()
    record()
    reads = AuditEntry.objects.filter(couple=couple, actor=therapist, action="record_read")
    assert reads.count() == 2
    # The therapist has no way to the log, let alone to change it.
    assert client.get(reverse("access_log", args=[couple.pk])).status_code == 404
    client.force_login(partner_a)
    page = text(client.get(reverse("access_log", args=[couple.pk])))
    assert "Dr Lee read your record 2 times." in page  # close together: told as one line


def test_the_record_costs_the_same_queries_with_5_or_100_dialogues(
    client, couple, partner_a, partner_b, therapist
):
    make_link(couple, therapist)
    client.force_login(therapist)
    url = reverse("therapist_couple", args=[couple.pk])

    def grow_to(count):
        from dialogue.models import Dialogue

        while Dialogue.objects.filter(couple=couple).count() < count:
            dialogue = finished(couple, partner_a, partner_b)
            Reflection.objects.create(dialogue=dialogue, author=partner_a, text="t", shared=True)
            for who in (partner_a, partner_b):
                dialogue_services.transcript_share(dialogue=dialogue, partner=who, shared=True)

    grow_to(5)
    with_5 = page_queries(client, url)
    grow_to(100)
    assert page_queries(client, url) == with_5


def test_the_dashboard_costs_the_same_queries_with_5_or_50_couples(client, therapist):
    client.force_login(therapist)
    for _ in range(5):
        make_link(make_couple(), therapist)
    with_5 = page_queries(client, reverse("home"))
    for _ in range(45):
        make_link(make_couple(), therapist)
    assert page_queries(client, reverse("home")) == with_5


def test_another_therapist_sees_nothing(client, couple, partner_a, partner_b):
    make_link(couple)
    finished(couple, partner_a, partner_b)
    client.force_login(make_therapist("Dr Other"))
    assert client.get(reverse("therapist_couple", args=[couple.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="record_read").exists()


def test_private_and_shared_notes_are_kept_apart(client, record, couple, partner_a, therapist):
    record()
    url = lambda kind: reverse("therapist_note", args=[couple.pk, kind])  # noqa: E731
    client.post(
        url("private"),
        {"private-appointment": "2026-11-20", "private-text": "therapist-only-thought"},
    )
    client.post(
        url("shared"),
        {"shared-appointment": "2026-11-20", "shared-text": "Practise the mirror at dinner."},
    )
    from imago_app.models import PrivateNote, SharedNote

    assert PrivateNote.objects.get().text == "therapist-only-thought"
    assert SharedNote.objects.get().text == "Practise the mirror at dinner."
    page = record()
    assert "therapist-only-thought" in page and "Practise the mirror at dinner." in page
    client.force_login(partner_a)
    home = text(client.get(reverse("home")))
    assert "Practise the mirror at dinner." in home
    assert "therapist-only-thought" not in home


def test_a_note_without_a_date_is_refused_and_nothing_is_saved(client, record, couple):
    record()
    response = client.post(
        reverse("therapist_note", args=[couple.pk, "shared"]), {"shared-text": "no date"}
    )
    assert "This field is required." in text(response)
    from imago_app.models import SharedNote

    assert not SharedNote.objects.exists()


def test_homework_appears_at_home_with_its_follow_through(
    client, record, couple, partner_a, partner_b
):
    from exercises.caring.models import CaringItem, Gift

    record()
    ends = (timezone.localdate() + timedelta(days=14)).isoformat()
    client.post(
        reverse("therapist_homework", args=[couple.pk]),
        {"kind": "caring", "frequency": "one a day", "ends_on": ends},
    )
    client.post(
        reverse("therapist_homework", args=[couple.pk]),
        {"kind": "micro", "frequency": "daily", "ends_on": ends},
    )  # which one? refused
    from imago_app.models import Homework

    assert Homework.objects.count() == 1
    item = CaringItem.objects.create(couple=couple, owner=partner_a, text="tea in bed please")
    Gift.objects.create(item=item, giver=partner_b)
    Gift.objects.create(item=item, giver=partner_b)
    assert "Done 2 times so far." in record()
    client.force_login(partner_a)
    home = text(client.get(reverse("home")))
    assert "Give a caring behaviour" in home and "Done 2 times so far." in home


def test_notes_and_homework_are_the_consenting_therapists_only(client, couple, partner_a):
    make_link(couple)
    for who in (make_therapist("Dr Other"), partner_a):
        client.force_login(who)
        for url in (
            reverse("therapist_note", args=[couple.pk, "shared"]),
            reverse("therapist_homework", args=[couple.pk]),
        ):
            assert (
                client.post(
                    url, {"shared-appointment": "2026-11-20", "shared-text": "x"}
                ).status_code
                == 404
            )
    from imago_app.models import SharedNote

    assert not SharedNote.objects.exists()


def test_the_dashboard_says_what_is_new_since_the_therapist_last_looked(
    client, couple, partner_a, partner_b, therapist
):
    make_link(couple, therapist)
    client.force_login(therapist)
    home = text(client.get(reverse("home")))
    assert "nothing yet" in home and "new since you last looked" not in home
    finished(couple, partner_a, partner_b)
    assert "new since you last looked" in text(client.get(reverse("home")))
    client.get(reverse("therapist_couple", args=[couple.pk]))
    assert "new since you last looked" not in text(client.get(reverse("home")))


def test_the_record_shows_charts_or_a_kind_empty_state(record, couple, partner_a, partner_b):
    page = record()
    assert "No check-ins yet." in page and 'class="chart"' not in page
    dialogue = finished(couple, partner_a, partner_b)
    page = record()
    assert "Check-in levels across dialogues" in page and page.count('class="chart"') == 1
    Reflection.objects.create(
        dialogue=dialogue, author=partner_b, text="t", shared=True, unmet_need="seen"
    )
    Reflection.objects.create(
        dialogue=dialogue, author=partner_a, text="t", shared=False, unmet_need="safe"
    )
    page = record()
    assert page.count('class="chart"') == 2 and "Sam named to feel seen" in page
    assert "named to feel safe" not in page  # Alex's reflection was not shared


def test_a_summary_for_a_chosen_period(client, record, couple, partner_a, partner_b, therapist):
    from dialogue.models import Dialogue

    old = finished(couple, partner_a, partner_b, words="an-old-piece")
    Dialogue.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    new = finished(couple, partner_a, partner_b, words="a-new-piece")
    for dialogue in (old, new):
        for who in (partner_a, partner_b):
            dialogue_services.transcript_share(dialogue=dialogue, partner=who, shared=True)
    url = reverse("therapist_couple", args=[couple.pk])
    start = (timezone.localdate() - timedelta(days=7)).isoformat()
    page = text(client.get(url, {"start": start, "end": timezone.localdate().isoformat()}))
    assert "a-new-piece" in page and "an-old-piece" not in page
    assert "Print or save as PDF" in page
    both = text(client.get(url))
    assert "a-new-piece" in both and "an-old-piece" in both
    backwards = text(client.get(url, {"start": "2026-12-01", "end": "2026-11-01"}))
    assert "The start comes after the end." in backwards


def test_the_record_lists_stretches_and_their_logs(record, couple, partner_b):
    from exercises.requests import services as stretches

    stretch = stretches.micro_stretch_pick(couple=couple, giver=partner_b, slug="hug")
    stretches.stretch_log(stretch=stretch, giver=partner_b)
    page = record()
    assert "A ten-second hug</strong>, given by Sam" in page and "logged 1 time." in page


def test_stretches_and_echoes_follow_the_chosen_period(
    client, record, couple, partner_a, partner_b
):
    # The page says which period it shows; the stretches and echoes must keep to it too.
    from exercises.requests import services as stretches
    from exercises.requests.models import ChangeRequest, Stretch, StretchLog

    today = timezone.localdate()
    old = stretches.micro_stretch_pick(couple=couple, giver=partner_b, slug="hug")
    Stretch.objects.filter(pk=old.pk).update(
        started_on=today - timedelta(days=40), ends_on=today - timedelta(days=30)
    )
    current = stretches.micro_stretch_pick(couple=couple, giver=partner_a, slug="hug")
    stretches.stretch_log(stretch=current, giver=partner_a)
    earlier = stretches.stretch_log(stretch=current, giver=partner_a)
    StretchLog.objects.filter(pk=earlier.pk).update(at=timezone.now() - timedelta(days=20))
    # Over before the week: it was finished early, though its end date is still to come.
    early = stretches.micro_stretch_pick(couple=couple, giver=partner_a, slug="one-feeling")
    Stretch.objects.filter(pk=early.pk).update(
        started_on=today - timedelta(days=20), finished_at=timezone.now() - timedelta(days=10)
    )
    past = make_change_request(couple, partner_a, echo="an-old-echo", echo_shared=True)
    ChangeRequest.objects.filter(pk=past.pk).update(created_at=timezone.now() - timedelta(days=40))
    make_change_request(couple, partner_a, echo="a-new-echo", echo_shared=True)
    url = reverse("therapist_couple", args=[couple.pk])

    week = {"start": (today - timedelta(days=7)).isoformat(), "end": today.isoformat()}
    page = text(client.get(url, week))
    assert "given by Alex" in page and "logged 1 time in this period." in page
    assert "given by Sam" not in page and "Stay with one feeling</strong>" not in page
    assert "a-new-echo" in page and "an-old-echo" not in page

    everything = text(client.get(url))
    assert "given by Sam" in everything and "logged 2 times." in everything
    assert "Stay with one feeling</strong>" in everything
    assert "an-old-echo" in everything

    before = {"end": (today - timedelta(days=50)).isoformat()}
    assert "No stretches under way in this period." in text(client.get(url, before))


# --- charts: a key outside the picture, and the same numbers as a table ---------------------


def gifts(couple, giver, owner, n):
    from exercises.caring.models import CaringItem, Gift

    item = CaringItem.objects.create(couple=couple, owner=owner, text="tea in bed please")
    for _ in range(n):
        Gift.objects.create(item=item, giver=giver)


def test_each_chart_has_a_key_beside_it_and_a_table_with_its_numbers(
    record, couple, partner_a, partner_b
):
    finished(couple, partner_a, partner_b)
    gifts(couple, partner_b, partner_a, 3)
    page = record()
    assert page.count('class="chart"') == 2  # check-ins and follow-through; no needs yet
    # The key is an HTML list beside the picture, one entry per series, so labels wrap.
    legends = re.findall(r'<ul class="chart-legend".*?</ul>', page, re.S)
    assert len(legends) == 2
    follow_key = legends[1]
    for label in ("Days with an appreciation", "Caring behaviours given", "Stretch logs"):
        assert f'<span dir="auto">{label}</span>' in follow_key
    assert '<span dir="auto">Alex</span>' in legends[0] and "Sam" in legends[0]
    # Each chart has a real table behind "Show as a table".
    tables = re.findall(r'<details class="chart-table">(.*?)</details>', page, re.S)
    assert len(tables) == 2
    for table in tables:
        assert "<summary>Show as a table</summary>" in table
        assert re.search(r"<caption>[^<]+</caption>", table)
        assert '<th scope="col"' in table and '<th scope="row">' in table
    assert '<td dir="auto">3</td>' in tables[1]  # three caring behaviours given this week
    assert re.search(
        r'<th scope="row">[^<]+</th><td dir="auto">6</td><td dir="auto">8</td>', tables[0]
    )


# --- the printout -------------------------------------------------------------------------


def print_rules() -> list[tuple[str, str]]:
    """(selector, declarations) of every rule inside an @media print block of the stylesheet."""
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    rules = []
    for match in re.finditer(r"@media print\s*{", css):
        depth, i = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            i += 1
        block = css[match.end() : i - 1]
        block = re.sub(r"/\*.*?\*/", "", block, flags=re.S)
        rules += [(sel.strip(), body) for sel, body in re.findall(r"([^{}]+){([^}]*)}", block)]
    return rules


def hidden_in_print() -> set[str]:
    return {
        one.strip()
        for selector, body in print_rules()
        if "display: none" in body
        for one in selector.split(",")
    }


def test_the_printout_carries_the_couple_the_period_and_when_it_was_printed(client, record, couple):
    record()
    url = reverse("therapist_couple", args=[couple.pk])
    page = text(client.get(url, {"start": "2026-11-01", "end": "2026-11-30"}))
    assert "<h1>Alex & Sam</h1>" in page
    assert "Period:</strong> from 1 November 2026 to 30 November 2026." in page
    assert "the four weeks to 30 November" in page
    printed = re.search(
        r'<p class="print-only printed-on">Printed on <time datetime="([^"]+)"', page
    )
    assert printed and abs(datetime.fromisoformat(printed.group(1)) - timezone.now()) < timedelta(
        minutes=1
    )
    assert "by Dr Lee." in page
    assert "Period:</strong> everything the couple has shared so far." in record()
    # The empty-chart sentences are in the page and nothing in the print styles hides them.
    assert '<p class="muted chart-empty">No check-ins yet.' in page
    hidden = hidden_in_print()
    assert not {".chart-empty", ".chart-figure p.muted", ".chart-figure p", ".muted"} & hidden
    assert ".print-only" not in hidden and ".period" not in hidden


def test_private_notes_print_only_when_the_therapist_ticks_the_box(client, record, couple):
    record()
    client.post(
        reverse("therapist_note", args=[couple.pk, "private"]),
        {"private-appointment": "2026-11-20", "private-text": "therapist-only-thought"},
    )
    page = record()
    assert re.search(
        r'<input type="checkbox" id="print-private" name="print-private">'
        r'<label for="print-private">Include my private notes in the printout</label>',
        page,
    )
    assert "therapist-only-thought" in page  # on screen, for the therapist
    rules = print_rules()
    assert ".note-private" in hidden_in_print()  # left out of the printout by default...
    assert any(  # ...unless the box is ticked
        sel == ".record:has(#print-private:checked) .note-private" and "display: block" in body
        for sel, body in rules
    )
    assert '<div class="stack record">' in page


# --- the couple's access log --------------------------------------------------------------


def read_at(monkeypatch, couple, therapist, when, what="record"):
    with monkeypatch.context() as m:
        m.setattr(audit.timezone, "now", lambda: when)
        audit.record(audit.Action.RECORD_READ, actor=therapist, couple=couple, what=what)


AT_NINE = datetime(2030, 11, 20, 21, 2, tzinfo=UTC)


def test_reads_close_together_are_one_line_but_every_read_stays_in_the_security_log(
    client, couple, partner_a, therapist, monkeypatch
):
    make_link(couple, therapist)
    for minute in range(5):
        read_at(monkeypatch, couple, therapist, AT_NINE + timedelta(minutes=minute, seconds=20))
    read_at(monkeypatch, couple, therapist, AT_NINE + timedelta(minutes=43))  # later: its own line
    client.force_login(partner_a)
    page = re.sub(r"<[^>]+>", "", text(client.get(reverse("access_log", args=[couple.pk]))))
    assert (
        "Wednesday 20 November 2030, 21:02\N{EN DASH}21:06: Dr Lee read your record 5 times."
        in page
    )
    assert "Wednesday 20 November 2030, 21:45: Dr Lee read your record." in page
    assert page.count("read your record") == 2
    reads = AuditEntry.objects.filter(couple=couple, action="record_read")
    assert reads.count() == 6 and audit.verify().intact


def test_only_reads_of_one_therapist_with_nothing_between_are_grouped(
    couple, partner_a, therapist, monkeypatch
):
    other = make_therapist("Dr Other")
    read_at(monkeypatch, couple, therapist, AT_NINE)
    read_at(monkeypatch, couple, therapist, AT_NINE + timedelta(minutes=1))
    read_at(monkeypatch, couple, other, AT_NINE + timedelta(minutes=2))
    read_at(monkeypatch, couple, therapist, AT_NINE + timedelta(minutes=3))
    with monkeypatch.context() as m:
        m.setattr(audit.timezone, "now", lambda: AT_NINE + timedelta(minutes=4))
        audit.record(audit.Action.CONSENT_ENDED, actor=partner_a, couple=couple)
    read_at(monkeypatch, couple, therapist, AT_NINE + timedelta(minutes=5))
    read_at(monkeypatch, couple, therapist, AT_NINE + timedelta(minutes=36))  # past the window
    lines = audit.couple_log(AuditEntry.objects.filter(couple=couple))
    assert [(line.first.actor_id, line.first.action, line.count) for line in lines] == [
        (therapist.pk, "record_read", 1),
        (therapist.pk, "record_read", 1),
        (partner_a.pk, "consent_ended", 1),
        (therapist.pk, "record_read", 1),
        (other.pk, "record_read", 1),
        (therapist.pk, "record_read", 2),
    ]


def test_the_access_log_costs_the_same_queries_with_5_or_50_entries(
    client, couple, partner_a, therapist, monkeypatch
):
    make_link(couple, therapist)
    client.force_login(partner_a)
    url = reverse("access_log", args=[couple.pk])

    def grow_to(count):
        while AuditEntry.objects.filter(couple=couple).count() < count:
            n = AuditEntry.objects.count()
            # twenty minutes apart: some reads are grouped, some are not
            read_at(monkeypatch, couple, therapist, AT_NINE + timedelta(minutes=n * 20))

    grow_to(5)
    with_5 = page_queries(client, url)
    grow_to(50)
    assert page_queries(client, url) == with_5
    assert AuditEntry.objects.filter(couple=couple).count() == 50
