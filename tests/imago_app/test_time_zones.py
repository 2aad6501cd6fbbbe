"""Each partner's own time zone: stored from the browser, changeable, shown in, and the rule for
a couple's day (an act counts for the day where the partner who acted was), across the date line
and across daylight-saving changes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import reverse
from django.utils import timezone

from exercises import routing
from exercises.appreciation.models import Appreciation
from exercises.caring.models import CaringItem, Gift
from exercises.requests.models import Stretch, StretchLog
from imago_app import practices
from imago_app.models import AuditEntry, Homework, User
from imago_app.pages.homework import with_progress
from tests.factories import (
    PASSWORD,
    make_couple,
    make_link,
    make_partner,
    make_therapist,
    text,
)

LA, AUCKLAND, BERLIN = "America/Los_Angeles", "Pacific/Auckland", "Europe/Berlin"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def frozen(monkeypatch, at: datetime) -> None:
    """ "Now" is `at` for the app (pages, "today", the streak)."""
    monkeypatch.setattr(timezone, "now", lambda: at)


def exchanged(couple, author, at: datetime) -> Appreciation:
    return Appreciation.objects.create(
        couple=couple,
        author=author,
        text="You listened.",
        created_at=at,
        mirror="What I heard is that I listened.",
        mirrored_at=at + timedelta(minutes=5),
    )


def homework(couple, kind: str, *, set_at: datetime, ends_on: date, **extra) -> Homework:
    return Homework.objects.create(
        couple=couple,
        therapist=make_therapist(),
        kind=kind,
        frequency="once a day",
        starts_on=set_at.date(),
        ends_on=ends_on,
        created_at=set_at,
        **extra,
    )


def done(couple, item: Homework) -> int:
    return with_progress(couple, [item])[0]["done"]


# --- Stored from the browser, changeable on the account page -------------------------------


@pytest.mark.django_db
def test_sign_up_stores_the_zone_the_browser_sent(client):
    response = client.post(
        reverse("signup"),
        {
            "display_name": "Alex",
            "username": "alex",
            "email": "alex@example.org",
            "kind": "partner",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": AUCKLAND,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="alex").time_zone == AUCKLAND


@pytest.mark.django_db
def test_sign_up_with_an_unknown_zone_keeps_the_servers(client):
    client.post(
        reverse("signup"),
        {
            "display_name": "Sam",
            "username": "sam",
            "email": "sam@example.org",
            "kind": "partner",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "time_zone": "Mars/Olympus_Mons",
        },
    )
    assert User.objects.get(username="sam").time_zone == ""


@pytest.mark.django_db
def test_sign_in_takes_the_zone_the_browser_is_in_now_and_keeps_it_when_unknown(client):
    alex = make_partner("Alex", time_zone=LA)
    login = reverse("login")
    client.post(login, {"username": alex.username, "password": PASSWORD, "time_zone": BERLIN})
    alex.refresh_from_db()
    assert alex.time_zone == BERLIN  # travelled: the browser says so
    client.post(reverse("logout"))
    for unknown in ("", "Not/A_Zone"):
        client.post(login, {"username": alex.username, "password": PASSWORD, "time_zone": unknown})
        alex.refresh_from_db()
        assert alex.time_zone == BERLIN
        client.post(reverse("logout"))


@pytest.mark.django_db
def test_the_sign_in_and_sign_up_forms_carry_the_hidden_field_the_script_fills(client):
    for name in ("login", "signup"):
        page = text(client.get(reverse(name)))
        assert 'type="hidden" name="time_zone"' in page and "data-browser-zone" in page


@pytest.mark.django_db
def test_the_account_page_changes_the_zone_with_a_labelled_select(client_a, partner_a, monkeypatch):
    frozen(monkeypatch, utc(2026, 3, 2, 4, 0))
    url = reverse("account_time_zone")
    page = text(client_a.get(url))
    assert '<label for="id_time_zone"' in page and "Your time zone" in page
    assert '<option value="Pacific/Auckland">Pacific/Auckland</option>' in page
    assert '<option value="America/Los_Angeles">America/Los Angeles</option>' in page
    response = client_a.post(url, {"time_zone": LA}, follow=True)
    partner_a.refresh_from_db()
    assert partner_a.time_zone == LA
    assert "Your time zone is now America/Los Angeles." in text(response)
    assert "it is now Sunday, 20:00." in text(response)  # the clock there, to check by
    response = client_a.post(url, {"time_zone": "Nowhere/Else"})
    partner_a.refresh_from_db()
    assert partner_a.time_zone == LA and response.status_code == 200
    assert "Select a valid choice." in text(response)
    # It is part of the partner's own data.
    assert client_a.get(reverse("account_export")).json()["account"]["time_zone"] == LA
    # Everyone can reach it from the account menu.
    assert f'href="{url}"' in text(client_a.get(reverse("home")))


# --- Shown in the viewer's zone -------------------------------------------------------------


@pytest.mark.django_db
def test_each_partner_sees_the_access_log_times_in_their_own_zone(client, couple):
    alex, sam = (m.user for m in couple.memberships.order_by("joined_at"))
    alex.time_zone, sam.time_zone = AUCKLAND, LA
    alex.save(), sam.save()
    make_link(couple)
    entry = AuditEntry.objects.filter(couple=couple).order_by("-seq").first()
    url = reverse("access_log", args=[couple.pk])
    for who, zone in ((alex, AUCKLAND), (sam, LA)):
        client.force_login(who)
        shown = f"{entry.at.astimezone(ZoneInfo(zone)):%A %-d %B %Y, %H:%M}"
        assert shown in text(client.get(url)), zone
    # The server's zone (UTC) is not what either of them sees.
    assert f"{entry.at.astimezone(UTC):%H:%M}:" not in text(client.get(url))


def as_user(user):
    inner = URLRouter(routing.websocket_urlpatterns)

    async def app(scope, receive, send):
        return await inner({**scope, "user": user}, receive, send)

    return app


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_live_push_is_rendered_in_the_zone_of_the_one_receiving_it():
    # Noon UTC yesterday is already the next day in Auckland (UTC+12 or +13).
    noon = timezone.now().astimezone(UTC).replace(hour=12, minute=0) - timedelta(days=1)

    @database_sync_to_async
    def setup():
        alex, sam = make_partner("Alex", time_zone=LA), make_partner("Sam", time_zone=AUCKLAND)
        couple = make_couple(alex, sam)
        Appreciation.objects.create(couple=couple, author=alex, text="You listened.")
        Appreciation.objects.filter(couple=couple).update(created_at=noon)
        return sam

    sam = await setup()
    comm = WebsocketCommunicator(
        as_user(sam), "/ws/appreciations/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    assert (await comm.connect())[0]
    pushed = await comm.receive_from(timeout=3)
    await comm.disconnect()
    in_auckland = noon.astimezone(ZoneInfo(AUCKLAND))
    # "Something you did · <its day>" under the appreciation waiting for Sam's mirror.
    assert f"· {in_auckland:%A} {in_auckland.day} {in_auckland:%B}</p>" in pushed
    assert f"· {noon:%A} {noon.day} {noon:%B}</p>" not in pushed


# --- A couple's day across the date line ----------------------------------------------------


@pytest.fixture
def apart(db):
    """Alex in California, Sam in New Zealand: a day apart on the calendar much of the time."""
    alex, sam = make_partner("Alex", time_zone=LA), make_partner("Sam", time_zone=AUCKLAND)
    return alex, sam, make_couple(alex, sam)


def test_an_appreciation_at_8_pm_in_california_keeps_that_days_streak(client, monkeypatch, apart):
    alex, sam, couple = apart
    exchanged(couple, alex, local(LA, 2026, 2, 28, 10, 0))  # Saturday morning in California
    exchanged(couple, alex, local(LA, 2026, 3, 1, 20, 0))  # Sunday 8 pm: Monday 04:00 UTC
    # Sunday 9 pm in California, Monday 6 pm in Auckland.
    frozen(monkeypatch, local(LA, 2026, 3, 1, 21, 0))
    for who, today in ((alex, date(2026, 3, 1)), (sam, date(2026, 3, 2))):
        client.force_login(who)
        response = client.get(reverse("appreciations"))
        assert "2 days in a row, together." in text(response), who
        kept = {c["day"] for c in response.context["calendar"] if c["kept"]}
        assert kept == {date(2026, 2, 28), date(2026, 3, 1)}, who
        assert [c["day"] for c in response.context["calendar"] if c["today"]] == [today]


def test_each_partner_counts_for_their_own_day_in_the_calendar(client, monkeypatch, apart):
    alex, sam, couple = apart
    # The same moment, Sunday 1 March 19:30 UTC: Sunday 11:30 in California, but already
    # Monday 08:30 in Auckland.
    moment = utc(2026, 3, 1, 19, 30)
    exchanged(couple, sam, moment)
    frozen(monkeypatch, utc(2026, 3, 2, 5, 0))
    client.force_login(alex)
    response = client.get(reverse("appreciations"))
    kept = {c["day"] for c in response.context["calendar"] if c["kept"]}
    assert kept == set()  # Monday 2 March has not begun in California
    assert "Every day you exchange one lights up here." in text(response)
    client.force_login(sam)
    response = client.get(reverse("appreciations"))
    assert {c["day"] for c in response.context["calendar"] if c["kept"]} == {date(2026, 3, 2)}
    assert "1 day in a row, together." in text(response)


def test_homework_counts_what_was_done_on_its_last_day_where_the_partner_was(apart):
    alex, sam, couple = apart
    item = CaringItem.objects.create(couple=couple, owner=sam, text="a note in my bag")
    set_then = local(LA, 2026, 2, 27, 9, 0)
    caring = homework(couple, "caring", set_at=set_then, ends_on=date(2026, 3, 1))
    Gift.objects.create(item=item, giver=alex, given_at=local(LA, 2026, 3, 1, 20, 0))  # counts
    Gift.objects.create(item=item, giver=alex, given_at=local(LA, 2026, 3, 2, 0, 30))  # too late
    # Sam's Monday 2 March 8 am is Sunday 1 March in California, but it is Sam's act: too late.
    sam_item = CaringItem.objects.create(couple=couple, owner=alex, text="coffee")
    Gift.objects.create(item=sam_item, giver=sam, given_at=local(AUCKLAND, 2026, 3, 2, 8, 0))
    assert done(couple, caring) == 1
    appreciation = homework(couple, "appreciation", set_at=set_then, ends_on=date(2026, 3, 1))
    exchanged(couple, alex, local(LA, 2026, 3, 1, 20, 0))
    exchanged(couple, alex, local(LA, 2026, 3, 1, 21, 0))  # the same day: counted once
    # Sam's Saturday noon (Friday afternoon in California) is a second day.
    exchanged(couple, sam, local(AUCKLAND, 2026, 2, 28, 12, 0))
    assert done(couple, appreciation) == 2
    exchanged(couple, sam, local(AUCKLAND, 2026, 3, 1, 7, 0))  # Sam's Sunday: not a new day
    assert done(couple, appreciation) == 2


def test_the_weekly_chart_puts_each_act_in_the_week_of_the_partner_who_did_it(apart):
    alex, sam, couple = apart
    start = date(2026, 2, 23)  # a Monday; weeks to 1 March and to 8 March
    item = CaringItem.objects.create(couple=couple, owner=sam, text="a note in my bag")
    Gift.objects.create(item=item, giver=alex, given_at=local(LA, 2026, 3, 1, 20, 0))
    sam_item = CaringItem.objects.create(couple=couple, owner=alex, text="coffee")
    Gift.objects.create(item=sam_item, giver=sam, given_at=local(AUCKLAND, 2026, 3, 2, 8, 0))
    exchanged(couple, alex, local(LA, 2026, 3, 1, 20, 0))
    stretch = Stretch.objects.create(
        couple=couple, giver=alex, title="Walk", measure="20 minutes", ends_on=date(2026, 3, 9)
    )
    StretchLog.objects.create(stretch=stretch, at=local(LA, 2026, 3, 1, 22, 0))
    counts = {
        c.key: c.counts
        for practice in practices.all()
        for c in practice.weekly_counts(couple, start, 2)
    }
    assert counts["gifts"] == [1, 1]
    assert counts["appreciation_days"] == [1, 0]
    assert counts["stretch_logs"] == [1, 0]


# --- Across a daylight-saving change (Berlin: last Sundays of March and October) ------------


@pytest.fixture
def in_berlin(db):
    jo, ri = make_partner("Jo", time_zone=BERLIN), make_partner("Ri", time_zone=BERLIN)
    return jo, ri, make_couple(jo, ri)


def test_the_streak_and_calendar_follow_berlin_across_the_spring_change(
    client, monkeypatch, in_berlin
):
    jo, ri, couple = in_berlin
    # Clocks go from 02:00 to 03:00 on Sunday 29 March 2026. Half past midnight on Monday
    # 30 March (summer time, UTC+2) is still Sunday in UTC, and in winter time (UTC+1).
    exchanged(couple, jo, local(BERLIN, 2026, 3, 29, 0, 30))  # before the change (UTC+1)
    exchanged(couple, ri, local(BERLIN, 2026, 3, 30, 0, 30))  # after it
    frozen(monkeypatch, local(BERLIN, 2026, 3, 30, 9, 0))
    client.force_login(jo)
    response = client.get(reverse("appreciations"))
    kept = {c["day"] for c in response.context["calendar"] if c["kept"]}
    assert kept == {date(2026, 3, 29), date(2026, 3, 30)}
    assert "2 days in a row, together." in text(response)


def test_homework_and_weekly_counts_follow_berlin_across_the_autumn_change(in_berlin):
    jo, ri, couple = in_berlin
    # Clocks go back from 03:00 to 02:00 on Sunday 25 October 2026.
    item = CaringItem.objects.create(couple=couple, owner=ri, text="tea in bed")
    caring = homework(
        couple, "caring", set_at=local(BERLIN, 2026, 10, 20, 9, 0), ends_on=date(2026, 10, 25)
    )
    for at in (
        local(BERLIN, 2026, 10, 25, 0, 30),  # summer time: Saturday 22:30 UTC
        local(BERLIN, 2026, 10, 25, 23, 30),  # winter time: Sunday 22:30 UTC
        local(BERLIN, 2026, 10, 26, 0, 30),  # Monday in Berlin, still Sunday 23:30 in UTC
    ):
        Gift.objects.create(item=item, giver=jo, given_at=at)
    assert done(couple, caring) == 2
    start = date(2026, 10, 19)  # weeks to Sunday 25 and to Sunday 1 November
    counts = {c.key: c.counts for c in practices.get("caring").weekly_counts(couple, start, 2)}
    assert counts["gifts"] == [2, 1]
    exchanged(couple, ri, local(BERLIN, 2026, 10, 26, 0, 30))
    week = practices.get("appreciation").weekly_counts(couple, start, 2)[0]
    assert week.counts == [0, 1]


def test_the_record_shows_the_weekly_chart_by_the_partners_days(client, monkeypatch, apart):
    alex, sam, couple = apart
    therapist = make_link(couple).therapist
    therapist.time_zone = BERLIN
    therapist.save()
    item = CaringItem.objects.create(couple=couple, owner=sam, text="a note in my bag")
    # Sunday 8 pm in California is Monday morning in Berlin and in UTC.
    Gift.objects.create(item=item, giver=alex, given_at=local(LA, 2026, 3, 1, 20, 0))
    frozen(monkeypatch, local(BERLIN, 2026, 3, 8, 12, 0))  # a Sunday: weeks end on Sundays
    client.force_login(therapist)
    response = client.get(reverse("therapist_couple", args=[couple.pk]))
    weeks = {w["from"]: w["gifts"] for w in response.context["weeks"]}
    assert weeks[date(2026, 2, 23)] == 1 and weeks[date(2026, 3, 2)] == 0


def test_every_homework_kind_counts_by_the_day_of_the_partner_who_acted(apart):
    from exercises.requests.models import ChangeRequest
    from tests.factories import make_dialogue

    alex, _sam, couple = apart
    set_then, last_day = local(LA, 2026, 2, 27, 9, 0), date(2026, 3, 1)
    # Each done at Sunday 8 pm in California (Monday in UTC), and once more on Monday there.
    sunday_8pm, monday = local(LA, 2026, 3, 1, 20, 0), local(LA, 2026, 3, 2, 9, 0)
    kinds = {}
    for kind in ("request", "micro", "dialogue"):
        extra = {"micro": "hug"} if kind == "micro" else {}
        kinds[kind] = homework(couple, kind, set_at=set_then, ends_on=last_day, **extra)
    dialogue = make_dialogue(couple, alex)
    for at in (sunday_8pm, monday):
        ChangeRequest.objects.create(
            couple=couple, sender=alex, frustration="When you are late, I worry.", desire="d"
        )
        ChangeRequest.objects.filter(created_at__gt=set_then + timedelta(days=30)).update(
            created_at=at
        )
        stretch = Stretch.objects.create(
            couple=couple, giver=alex, micro="hug", title="Hug", measure="10 s", ends_on=last_day
        )
        StretchLog.objects.create(stretch=stretch, at=at)
        dialogue.pk = None  # one more of the same, started then (and ended)
        dialogue.created_at, dialogue.ended_at = at, at + timedelta(hours=1)
        dialogue.save()
    assert {kind: done(couple, h) for kind, h in kinds.items()} == {
        "request": 1,
        "micro": 1,
        "dialogue": 1,
    }
