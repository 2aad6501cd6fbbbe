"""Security headers, asserted on real responses."""

import subprocess
import sys
import urllib.request

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import BASE_DIR, clean_environ
from tests.factories import make_dialogue

pytestmark = pytest.mark.django_db


def test_pages_with_couple_data_are_never_stored(client_a, couple, partner_a):
    dialogue = make_dialogue(couple, partner_a)
    for url in (
        reverse("home"),
        reverse("dialogue", args=[dialogue.pk]),
        reverse("caring"),
        reverse("account_export"),
    ):
        cache_control = client_a.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url


def test_every_page_carries_the_content_security_policy_and_friends(client):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_production_responses_carry_hsts_and_cookies_are_secure():
    """A real response from a production-configured process, and its cookie settings."""
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "from django.conf import settings as s;"
        "r = Client().get('/health', secure=True, HTTP_HOST='imago.example.org');"
        "print(r['Strict-Transport-Security']);"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE)"
    )
    env = {
        **clean_environ(),
        "DEBUG": "0",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "imago.example.org",
        "DJANGO_SETTINGS_MODULE": "imago_app.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr[-1500:]
    hsts, cookie = out.stdout.strip().splitlines()
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert cookie == "True True True Lax"


# What the app never uses is switched off; the shared-tablet screen may keep itself awake and
# go fullscreen on this site's own pages.
OFF = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"]
OWN = ["screen-wake-lock", "fullscreen"]


def policy(response) -> dict[str, str]:
    header = response["Permissions-Policy"]
    return dict(item.strip().split("=", 1) for item in header.split(","))


def test_every_response_switches_off_the_browser_features_the_app_never_uses(client, client_a):
    responses = {
        "home, signed out": client.get(reverse("home")),
        "home, signed in": client_a.get(reverse("home")),
        "sign-in page": client.get(reverse("login")),
        "health": client.get(reverse("health")),
        "a page that is not there": client_a.get("/no/such/page/"),
        "a static file": client.get("/static/js/app.js"),
        "a refused form post": Client(enforce_csrf_checks=True).post(reverse("login"), {}),
    }
    for what, response in responses.items():
        features = policy(response)
        for feature in OFF:
            assert features.get(feature) == "()", (what, feature, features)
        for feature in OWN:
            assert features.get(feature) == "(self)", (what, feature, features)
        assert set(features.values()) == {"()", "(self)"}, (what, features)
    assert responses["a page that is not there"].status_code == 404
    assert responses["a refused form post"].status_code == 403


def test_a_real_server_sends_the_permissions_policy(daphne_live):
    for path in ("/health", "/static/js/app.js", "/accounts/login/"):
        with urllib.request.urlopen(daphne_live.url + path, timeout=10) as response:
            features = dict(
                item.strip().split("=", 1)
                for item in response.headers["Permissions-Policy"].split(",")
            )
        assert features["camera"] == "()" and features["screen-wake-lock"] == "(self)", path
