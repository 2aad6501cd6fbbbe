"""Failed sign-ins are capped per account without letting anyone lock a partner out."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from imago_app.throttle import DEVICE_COOKIE
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, password: str, ip: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def page(response, username: str) -> str:
    """The answer, with what differs by nature (the CSRF token, the name typed) blanked out."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "", body)
    return body.replace(username, "NAME")


def test_an_unknown_name_and_a_known_one_get_the_same_answer(partner_a):
    known = attempt(Client(), partner_a.username, "not it", "10.0.0.1")
    unknown = attempt(Client(), "no-such-person", "not it", "10.0.0.1")
    assert known.status_code == unknown.status_code == 200
    assert page(known, partner_a.username) == page(unknown, "no-such-person")


def test_ten_failures_in_an_hour_close_the_account_to_new_devices_whoever_it_is(partner_a):
    for n in range(10):  # from ten addresses, so the per-address lock never starts
        attempt(Client(), partner_a.username, "guess", f"10.0.1.{n}")
        attempt(Client(), "no-such-person", "guess", f"10.0.1.{n}")
    known = attempt(Client(), partner_a.username, PASSWORD, "10.0.2.1")
    unknown = attempt(Client(), "no-such-person", PASSWORD, "10.0.2.1")
    assert known.status_code == unknown.status_code == 200  # not signed in
    assert "too many tries to sign in to this account" in known.content.decode()
    assert page(known, partner_a.username) == page(unknown, "no-such-person")


def test_a_phone_that_has_signed_in_before_is_not_locked_out_by_someone_else(partner_a):
    phone = Client()
    assert attempt(phone, partner_a.username, PASSWORD, "10.0.3.1").status_code == 302
    assert phone.cookies[DEVICE_COOKIE]["httponly"]
    phone.post(reverse("logout"))
    for n in range(12):  # the other partner, guessing from their own phones
        attempt(Client(), partner_a.username, "guess", f"10.0.4.{n}")
    assert attempt(Client(), partner_a.username, PASSWORD, "10.0.5.1").status_code == 200
    assert attempt(phone, partner_a.username, PASSWORD, "10.0.3.1").status_code == 302


def test_a_known_phone_is_not_paused_by_failures_from_its_own_address(partner_a):
    """Partners at home share one address: the other partner's guesses there, in their own
    browser, pause that browser and never the owner's phone."""
    phone = Client()
    assert attempt(phone, partner_a.username, PASSWORD, "10.0.8.1").status_code == 302
    phone.post(reverse("logout"))
    partner = Client()
    answers = [attempt(partner, partner_a.username, "guess", "10.0.8.1") for _ in range(15)]
    assert answers[-1].status_code == 429
    assert attempt(phone, partner_a.username, PASSWORD, "10.0.8.1").status_code == 302


def test_a_known_phone_is_paused_by_its_own_failures_only(partner_a):
    phone = Client()
    assert attempt(phone, partner_a.username, PASSWORD, "10.0.9.1").status_code == 302
    phone.post(reverse("logout"))
    answers = [attempt(phone, partner_a.username, "guess", "10.0.9.1") for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    # From another network the phone is still the same phone, and still paused.
    assert attempt(phone, partner_a.username, PASSWORD, "10.0.9.2").status_code == 429
    # A browser beside it that has never signed in is a different device.
    assert attempt(Client(), partner_a.username, PASSWORD, "10.0.9.1").status_code == 302


def test_a_forged_device_cookie_counts_for_nothing(partner_a):
    for n in range(10):
        attempt(Client(), partner_a.username, "guess", f"10.0.6.{n}")
    forger = Client()
    forger.cookies[DEVICE_COOKIE] = f"[{partner_a.pk}]"
    assert attempt(forger, partner_a.username, PASSWORD, "10.0.7.1").status_code == 200
