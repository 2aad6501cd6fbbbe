"""Failed sign-ins are throttled without letting anyone lock a partner out of their own phone.

A device that has signed in to an account before carries a signed cookie naming the device (a
random id) and the accounts it signed in to. For that account it is a *known device*:

- django-axes counts its failures on their own, under the account and the device, whatever its
  address: AXES_FAILURE_LIMIT of them pause that device for AXES_COOLOFF_TIME, and nobody else.
- Failures from anywhere else never pause it, nor does the hourly cap below.

Any other device is paused by axes on the pair (username, client address; see addresses.py),
and no account takes more than SIGN_IN_FAILURES_PER_HOUR failed sign-ins an hour from devices
it has never signed in on. The counts go by the username as typed, so an unknown name is
answered exactly like a known one.

axes has no "device" among its lockout parameters, so a known device's attempts are filed
under the username with the device added (`axes_username`) and locked on that alone
(`lockout_parameters`); the security log keeps the username as typed.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from imago_app.models import AuditEntry, User

DEVICE_COOKIE = "imago_device"
_SALT = "imago.known-device"
_MAX_ACCOUNTS = 4  # a tablet shared by a couple knows both; a few more at most


def _device(request) -> tuple[str, list[int]]:
    """This device's id and the ids of the accounts that have signed in on it ("" and [] for a
    device without a valid cookie)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        data = signing.loads(value, salt=_SALT, max_age=timedelta(days=365))
    except signing.BadSignature:
        return "", []
    if isinstance(data, list):  # the first cookies named only the accounts
        data = {"device": signing.salted_hmac(_SALT, value).hexdigest()[:16], "accounts": data}
    if not isinstance(data, dict) or not isinstance(data.get("device"), str):
        return "", []
    accounts = data.get("accounts")
    accounts = [i for i in accounts if isinstance(i, int)] if isinstance(accounts, list) else []
    return data["device"], accounts


def known_accounts(request) -> list[int]:
    """Ids of the accounts that have signed in on this device (from its signed cookie)."""
    return _device(request)[1]


def known_device(request, username: str | None) -> str | None:
    """This device's id if `username` (as typed) has signed in on it before, else None."""
    if not username or not hasattr(request, "COOKIES"):  # axes may pass an attempt instead
        return None
    cache = request.__dict__.setdefault("_imago_known_device", {})
    if username not in cache:
        device, accounts = _device(request)
        known = bool(accounts) and User.objects.filter(username=username, pk__in=accounts).exists()
        cache[username] = device if known else None
    return cache[username]


def remember_device(request, response, user) -> None:
    """After a sign-in: this device now counts as known to the account."""
    device, accounts = _device(request)
    ids = [user.pk, *(i for i in accounts if i != user.pk)][:_MAX_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps({"device": device or secrets.token_urlsafe(12), "accounts": ids}, salt=_SALT),
        max_age=365 * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _typed_username(request, credentials: dict | None) -> str | None:
    if credentials:
        return credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    data = getattr(request, "POST", None) or {}
    return data.get(settings.AXES_USERNAME_FORM_FIELD)


def axes_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the name axes files an attempt under (the device added for a
    known device, so its failures are its own)."""
    username = _typed_username(request, credentials)
    device = known_device(request, username)
    return f"{username} (known device {device})" if device else username


def lockout_parameters(request, credentials: dict | None) -> list:
    """AXES_LOCKOUT_PARAMETERS: a known device by itself, wherever it is; any other device by
    username and address."""
    if known_device(request, _typed_username(request, credentials)):
        return [["username"]]
    return [["username", "ip_address"]]


def capped(username: str, request) -> bool:
    """Whether a sign-in to `username` from this device is refused for now."""
    since = timezone.now() - timedelta(hours=1)
    failures = AuditEntry.objects.filter(
        action=AuditEntry.Action.SIGN_IN_FAILED, username=username[:150], at__gte=since
    ).count()
    if failures < settings.SIGN_IN_FAILURES_PER_HOUR:
        return False
    return known_device(request, username) is None
