"""Small response policies that apply to every page."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from imago_app import access, audit, session_limits, zones


class PermissionsPolicyMiddleware:
    """Every response switches off the browser features settings.PERMISSIONS_POLICY names, so
    no script on a page (ours or one that got in) can ask for the camera, the microphone, the
    location, payment and so on."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreWhenSignedInMiddleware:
    """Pages seen signed in show a couple's private material: no browser or proxy may keep a
    copy (the back button on a shared tablet must not show the last person's dialogue)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # Cache-Control: no-store, no-cache, …
        return response


class AuditDeniedMiddleware:
    """A signed-in person refused something (a page that is not theirs answers 404) is written
    to the security log, with what they asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, access.CoupleClosed):
            return None  # their own couple's page, shown as closed: not a refusal
        if isinstance(exception, Http404 | PermissionDenied) and request.user.is_authenticated:
            what = f"{request.method} {request.path}"
            audit.record(audit.Action.DENIED, actor=request.user, request=request, what=what)


class SessionLimitsMiddleware:
    """Ends a sign-in that has been idle too long or has lasted too long (session_limits.py),
    and notes activity on every other request. Asking how long is left is not activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            asking = request.path == reverse("session_status")
            if session_limits.seconds_left(request.session, user, now) <= 0:
                logout(request)  # imago_app/signals.py closes the user's sockets and logs it
                if not asking:  # (the status answers for itself: nothing left)
                    return self.signed_out(request)
            elif not (asking and request.method == "GET"):
                session_limits.touch(request.session, user, now)
        return self.get_response(request)

    def signed_out(self, request) -> HttpResponse:
        htmx = bool(request.headers.get("HX-Request"))
        query = {"ended": "1"}
        if request.method == "GET" and not htmx:
            query["next"] = request.get_full_path()
        url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode(query)}"
        # htmx follows HX-Redirect with a whole page load; a plain redirect would be swapped in.
        response = HttpResponse(status=204 if htmx else 302)
        response["HX-Redirect" if htmx else "Location"] = url
        add_never_cache_headers(response)
        return response


class TimeZoneMiddleware:
    """Every page is shown in the viewer's own time zone (imago_app/zones.py): times, dates and
    "today" (the streak, what may be given again today). Signed out, the server's TIME_ZONE.
    The user is already loaded by SessionLimitsMiddleware, so this costs no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(zones.of(user))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class CoupleClosedMiddleware:
    """A former partner who opens a page of their closed couple (a bookmark, an old tab) is
    told, calmly, that the couple has closed and where their own words are, instead of a 404.
    Only they get here (`access.refuse`); anyone else still gets the 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, access.CoupleClosed):
            return None
        closed = access.closed_couple(request.user, exception.couple_id)
        if closed is None:
            return None
        return render(request, "imago_app/couple_closed.html", {"closed": closed}, status=410)
