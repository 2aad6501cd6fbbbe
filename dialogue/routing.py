from django.urls import path

from dialogue.consumers import DialogueConsumer

websocket_urlpatterns = [
    path("ws/dialogue/<int:dialogue_id>/", DialogueConsumer.as_asgi()),
]
