# HTTP routes of this app, included from imago_app.urls.
urlpatterns: list = []
