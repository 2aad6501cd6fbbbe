import time

from imago_app import session_limits


def session(request) -> dict:
    """How long the sign-in has left, for the page to clear itself when it ends (app.js)."""
    user = getattr(request, "user", None)
    # Fragments pushed over a socket render without a session; they need none of this.
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    left = session_limits.seconds_left(request.session, user, time.time())
    return {"session_seconds_left": max(0, int(left))}
