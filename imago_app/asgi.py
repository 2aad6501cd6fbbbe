"""The ASGI application: Django for HTTP, Channels for WebSockets, on one server.

A socket passes the same-origin check (imago_app/origins.py), then the session, then its route.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago_app.settings")
# Set Django up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from dialogue.routing import websocket_urlpatterns as dialogue_routes  # noqa: E402
from exercises.routing import websocket_urlpatterns as exercise_routes  # noqa: E402
from imago_app import collector  # noqa: E402
from imago_app.origins import SameOriginValidator  # noqa: E402
from imago_app.routing import no_such_socket  # noqa: E402
from imago_app.routing import websocket_urlpatterns as home_routes  # noqa: E402

websocket_routes = [*home_routes, *dialogue_routes, *exercise_routes]
if settings.BENCH_RELAY:
    # The benchmark's baseline: a bare relay in the same server (bench/relay.py).
    from bench.relay import websocket_urlpatterns as relay_routes

    websocket_routes += relay_routes
# Last: any other path is refused with 4404, not a traceback and HTTP 500.
websocket_routes.append(no_such_socket)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_routes))),
    }
)

# The URL configuration loads on the first request otherwise; loaded now, it is frozen with the
# rest of the application (imago_app/collector.py).
get_resolver().url_patterns  # noqa: B018
collector.settle()
