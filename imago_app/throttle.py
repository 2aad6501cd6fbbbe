"""A cap on failed sign-ins per account that a partner cannot turn into a lock-out.

Besides the (username, IP) lock of django-axes, no account takes more than
SIGN_IN_FAILURES_PER_HOUR failed sign-ins an hour from devices it has never signed in on. A
device that has signed in to the account before carries a signed cookie naming it, and is not
held by this cap, so someone guessing from elsewhere cannot keep the owner out of their own
phone. The count is by the username as typed, so an unknown name is answered exactly like a
known one.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from imago_app.models import AuditEntry, User

DEVICE_COOKIE = "imago_device"
_SALT = "imago.known-device"
_MAX_ACCOUNTS = 4  # a tablet shared by a couple knows both; a few more at most


def known_accounts(request) -> list[int]:
    """Ids of the accounts that have signed in on this device (from its signed cookie)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        ids = signing.loads(value, salt=_SALT, max_age=timedelta(days=365))
    except signing.BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def remember_device(request, response, user) -> None:
    """After a sign-in: this device now counts as known to the account."""
    ids = [user.pk, *(i for i in known_accounts(request) if i != user.pk)][:_MAX_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(ids, salt=_SALT),
        max_age=365 * 86400,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def capped(username: str, request) -> bool:
    """Whether a sign-in to `username` from this device is refused for now."""
    since = timezone.now() - timedelta(hours=1)
    failures = AuditEntry.objects.filter(
        action=AuditEntry.Action.SIGN_IN_FAILED, username=username[:150], at__gte=since
    ).count()
    if failures < settings.SIGN_IN_FAILURES_PER_HOUR:
        return False
    known = known_accounts(request)
    return not (known and User.objects.filter(username=username, pk__in=known).exists())
