from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from imago_app.models import User
from tests.factories import PASSWORD, make_partner, text

pytestmark = pytest.mark.django_db

SIGNUP = {
    "display_name": "Alex",
    "username": "alex",
    "email": "alex@example.org",
    "kind": "partner",
    "password1": PASSWORD,
    "password2": PASSWORD,
}


def login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_it_signs_up_a_partner_and_signs_them_in(client):
    response = client.post(reverse("signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(username="alex")
    assert user.is_partner and user.display_name == "Alex"
    assert user.password.startswith("argon2$argon2id$")
    home = client.get(reverse("home"))
    assert "Hello, Alex" in text(home)


def test_it_signs_up_a_therapist(client):
    client.post(reverse("signup"), {**SIGNUP, "kind": "therapist", "display_name": "Dr Lee"})
    assert User.objects.get(username="alex").is_therapist
    assert "Couples you work with" in text(client.get(reverse("home")))


def test_it_refuses_a_signup_without_email_or_with_a_weak_password(client):
    response = client.post(reverse("signup"), {**SIGNUP, "email": ""})
    assert response.status_code == 200
    response = client.post(reverse("signup"), {**SIGNUP, "password1": "123", "password2": "123"})
    assert "too short" in text(response)
    assert not User.objects.exists()


def test_it_refuses_an_unknown_kind_of_account(client):
    client.post(reverse("signup"), {**SIGNUP, "kind": "admin"})
    assert not User.objects.exists()


def test_it_logs_in_and_out(client):
    make_partner("Alex", username="alex")
    response = login(client, "alex", PASSWORD)
    assert response.status_code == 302
    assert "Hello, Alex" in text(client.get(reverse("home")))
    client.post(reverse("logout"))
    assert "Create an account" in text(client.get(reverse("home")))


def test_it_locks_sign_in_after_repeated_wrong_passwords(client, settings):
    make_partner("Alex", username="alex")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "alex", "wrong").status_code == 200
    locked = login(client, "alex", "wrong")
    assert locked.status_code == 429
    assert "starts working again by itself" in text(locked)
    # Even the right password waits out the cool-off.
    assert login(client, "alex", PASSWORD).status_code == 429


def test_it_unlocks_by_itself_after_the_cool_off(client, settings):
    make_partner("Alex", username="alex")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "alex", "wrong")
    assert login(client, "alex", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    assert login(client, "alex", PASSWORD).status_code == 302


def test_a_lockout_from_one_device_does_not_lock_the_account_elsewhere(client, settings):
    """One partner guessing on their phone must not lock the other out of their own account."""
    make_partner("Alex", username="alex")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "alex", "wrong", ip="10.0.0.66")
    assert login(client, "alex", PASSWORD, ip="10.0.0.66").status_code == 429
    assert login(client, "alex", PASSWORD, ip="10.0.0.7").status_code == 302


def test_it_changes_a_password(client):
    user = make_partner("Alex", username="alex")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another calm river 77",
            "new_password2": "another calm river 77",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another calm river 77")


def test_it_sends_a_password_reset_link_by_email(client):
    make_partner("Alex", username="alex", email="alex@example.org")
    response = client.post(reverse("password_reset"), {"email": "alex@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Reset your Imago Dialogue password"


def test_it_says_the_same_for_an_unknown_reset_address(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
