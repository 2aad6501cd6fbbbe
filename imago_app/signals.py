"""What happens around signing in and out, wherever it is done from."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from imago_app import audit, session_limits
from imago_app.models import User
from imago_app.notify import sockets_close_after_commit


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs) -> None:
    audit.record(audit.Action.SIGNED_IN, actor=user, request=request)
    if request is not None and hasattr(request, "session"):
        session_limits.start(request.session, user, kept=False, now=time.time())


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs) -> None:
    """A page must not stay live after its session ended: close the user's sockets everywhere."""
    if user is None:
        return
    audit.record(audit.Action.SIGNED_OUT, actor=user, request=request)
    sockets_close_after_commit([user.pk])


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    audit.record(
        audit.Action.SIGN_IN_FAILED, request=request, username=credentials.get("username") or ""
    )


@receiver(post_save, sender=User)
def account_disabled(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        sockets_close_after_commit([instance.pk])
