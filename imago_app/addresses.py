"""Which address a request came from: the one answer that sign-in throttling (django-axes,
through AXES_CLIENT_IP_CALLABLE) and the security log both use.

Without a proxy (PROXY_COUNT is 0) it is the connection's own address. Behind PROXY_COUNT
proxies that each append the address they saw to X-Forwarded-For (nginx's
`$proxy_add_x_forwarded_for`, as in the README), it is the PROXY_COUNT-th entry from the right:
the one our own outermost proxy wrote. Entries left of it were sent by the client and can say
anything, and so can REMOTE_ADDR here, since `daphne --proxy-headers` fills it from the
left-most entry. A request without the header did not come through the proxy (a health check on
loopback) and is its connection.
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address for this request, or None if nothing in it is an address."""
    meta = request.META
    proxies = settings.PROXY_COUNT
    forwarded = [
        entry.strip() for entry in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()
    ]
    if proxies and forwarded:
        # Fewer entries than proxies: it passed fewer of them; the first is the best there is.
        entry = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
        address = _address(entry)
        if address is not None:
            return address
        logger.warning("X-Forwarded-For entry %r is not an address; check PROXY_COUNT", entry)
    return _address(meta.get("REMOTE_ADDR", ""))
