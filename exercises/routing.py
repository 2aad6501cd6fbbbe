# WebSocket routes of this app, joined into imago_app.asgi.
websocket_urlpatterns: list = []
