"""The app's own calm error pages, with DEBUG off as the tests (and `make run`) have it."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from tests.factories import text

pytestmark = pytest.mark.django_db


def test_the_tests_run_with_debug_off():
    assert settings.DEBUG is False


def test_a_missing_page_is_the_apps_own_404(client_a):
    response = client_a.get("/no-such-page/")
    assert response.status_code == 404
    page = text(response)
    assert "There's nothing here" in page
    assert "URLconf" not in page and "Page not found" not in page


def test_a_refused_page_is_the_apps_own_403(partner_a):
    request = RequestFactory().get("/")
    request.user = partner_a
    response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page isn't open to you" in page and "403 Forbidden" not in page


def test_an_expired_form_is_the_apps_own_page_not_djangos_csrf_page(partner_a):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = text(response)
    assert "Please try that again" in page and "CSRF verification failed" not in page


def test_a_bad_request_is_the_apps_own_400():
    response = defaults.bad_request(RequestFactory().get("/"), Exception())
    assert response.status_code == 400
    assert "Something didn't come through" in response.content.decode()


def test_a_server_error_is_the_apps_own_500_with_no_request_context():
    # Django renders 500.html with an empty context: no user, no session, no context processors.
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and "Server Error (500)" not in page
    assert 'href="/static/css/app.css"' in page
