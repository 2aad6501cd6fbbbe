"""How long a sign-in lasts, so a phone left on a table does not keep a couple's words on show.

Partners are signed out after 30 minutes without activity and therapists after 15; every
sign-in ends after 12 hours. A partner may choose "keep me signed in on this phone": then
the limits are two weeks idle and 30 days in all, and the choice is dropped as soon as the
session opens a dialogue held on one shared device. Times are kept in the session as Unix
seconds; "activity" is a request, a move on a socket, or the page saying someone is typing or
tapping (see static/js/app.js).
"""

from django.conf import settings

STARTED, SEEN, KEPT = "limits_started", "limits_seen", "limits_kept"
# A session is written at most this often just to note activity.
TOUCH_EVERY = 60


def limits(user, kept: bool) -> tuple[int, int]:
    """(idle, absolute) limits in seconds for this user's session."""
    if kept and user.is_partner:
        return settings.SESSION_KEPT_IDLE, settings.SESSION_KEPT_ABSOLUTE
    idle = settings.SESSION_IDLE_THERAPIST if user.is_therapist else settings.SESSION_IDLE_PARTNER
    return idle, settings.SESSION_ABSOLUTE


def start(session, user, *, kept: bool, now: float) -> None:
    session[STARTED] = session[SEEN] = now
    session[KEPT] = bool(kept and user.is_partner)
    session.set_expiry(min(limits(user, session[KEPT])))


def seconds_left(session, user, now: float) -> float:
    """Seconds until this session ends if nothing happens; 0 or less when it has ended."""
    started = session.get(STARTED)
    if started is None:  # signed in before limits existed (or by a test): start counting now
        start(session, user, kept=False, now=now)
        started = now
    idle, absolute = limits(user, session.get(KEPT, False))
    return min(session.get(SEEN, started) + idle, started + absolute) - now


def touch(session, user, now: float) -> bool:
    """Note activity now; the session is written only if the last note is a minute old."""
    if now - session.get(SEEN, 0) < TOUCH_EVERY:
        return False
    session[SEEN] = now
    session.set_expiry(max(1, int(seconds_left(session, user, now))))
    return True


def forget_keep(session, user, now: float) -> None:
    """A shared device: back to the short limits, whatever was chosen at sign-in."""
    if session.get(KEPT):
        session[KEPT] = False
        session.set_expiry(max(1, int(seconds_left(session, user, now))))
