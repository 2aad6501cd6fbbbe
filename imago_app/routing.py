from django.urls import path, re_path

from imago_app.consumers import NoSuchSocket
from imago_app.pages.consumers import HomeConsumer

websocket_urlpatterns = [
    path("ws/home/", HomeConsumer.as_asgi()),
]

# After every other route (imago_app.asgi): a path nothing else took.
no_such_socket = re_path(r"", NoSuchSocket.as_asgi())
