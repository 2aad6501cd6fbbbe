"""Which pages may open this site's sockets: the site's own, by the handshake's Origin.

A browser sends its visitor's cookies with a WebSocket handshake to this site from any page, so
the Origin header is all that tells our pages from another site's (cross-site WebSocket
hijacking). The rule is the one Django's CSRF check applies to a form POST:

- the site's own origin: the scheme, host and port the socket request was made to. The host and
  port come from its Host header, and the host must be one of ALLOWED_HOSTS (so a page whose
  name was pointed at this server, DNS rebinding, is not "the site"). The scheme is that of the
  connection (ws or wss), or, behind the proxy (SECURE_PROXY_SSL_HEADER, set by BEHIND_PROXY),
  what X-Forwarded-Proto says. So `make run` on 127.0.0.1:8000, a test server on a random port,
  and https://imago.example.org behind the README's nginx (Host $host, X-Forwarded-Proto
  $scheme) each accept exactly their own pages;
- or an origin listed in CSRF_TRUSTED_ORIGINS (exactly, or `https://*.example.org` for its
  subdomains), for a proxy that does not pass the public host on.

Scheme, host and port must all match (a default port may be written or left out); any other
port of the same host is another site. A missing Origin, `null`, or anything that is not a bare
`scheme://host[:port]` is refused.
"""

from urllib.parse import SplitResult, urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

Origin = tuple[str, str, int]  # scheme, host (lower case, no brackets), port

DEFAULT_PORTS = {"http": 80, "https": 443}


def _parse(scheme: str, netloc: str) -> Origin | None:
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        return _origin(parts)
    except ValueError:
        return None


def _origin(parts: SplitResult) -> Origin | None:
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    return scheme, parts.hostname.rstrip("."), parts.port or DEFAULT_PORTS[scheme]


def origin_of_header(value: str) -> Origin | None:
    """The origin a handshake's Origin header names, if it is a bare scheme://host[:port]."""
    try:
        parts = urlsplit(value)
        if parts.path or parts.query or parts.fragment or value.endswith(("?", "#")):
            return None
        return _origin(parts)
    except ValueError:
        return None


def _headers(scope) -> dict[str, str]:
    return {
        name.decode("latin1").lower(): value.decode("latin1")
        for name, value in scope.get("headers", [])
    }


def _allowed_hosts() -> list[str]:
    # As Django's request.get_host(): under DEBUG, no ALLOWED_HOSTS means the local names.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def _scheme(scope, headers: dict[str, str]) -> str:
    # As Django's request.scheme: behind the proxy its header decides, when it is there.
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = header.removeprefix("HTTP_").replace("_", "-").lower()
        if name in headers:
            return "https" if headers[name].split(",", 1)[0].strip() == secure_value else "http"
    return "https" if scope.get("scheme") in ("wss", "https") else "http"


def site_origin(scope) -> Origin | None:
    """The origin this socket request was made to, or None if its Host is not ours."""
    headers = _headers(scope)
    host = headers.get("host", "")
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return None
    return _parse(_scheme(scope, headers), host)


def _trusted(origin: Origin, header: str) -> bool:
    scheme = origin[0]
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        parts = urlsplit(trusted)
        if parts.netloc.startswith("*"):
            if parts.scheme == scheme and is_same_domain(urlsplit(header).netloc, parts.netloc[1:]):
                return True
        elif origin_of_header(trusted) == origin:
            return True
    return False


def allowed(scope) -> bool:
    """Whether the page that opened this socket may: see the module's docstring."""
    header = _headers(scope).get("origin")
    origin = origin_of_header(header) if header else None
    if origin is None:
        return False
    return origin == site_origin(scope) or _trusted(origin, header)


class SameOriginValidator:
    """ASGI middleware: a WebSocket handshake from any page but the site's own is refused
    before anything else runs (daphne answers it with HTTP 403)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
