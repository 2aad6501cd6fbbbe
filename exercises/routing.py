# WebSocket routes of the exercises, joined into imago_app.asgi.
from django.urls import path

from exercises.appreciation.consumers import AppreciationConsumer
from exercises.caring.consumers import CaringConsumer
from exercises.cycle.consumers import CycleConsumer
from exercises.requests.consumers import RequestsConsumer

websocket_urlpatterns = [
    path("ws/appreciations/", AppreciationConsumer.as_asgi()),
    path("ws/caring/", CaringConsumer.as_asgi()),
    path("ws/requests/", RequestsConsumer.as_asgi()),
    path("ws/cycles/<int:cycle_id>/", CycleConsumer.as_asgi()),
]
