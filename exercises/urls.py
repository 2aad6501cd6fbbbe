# HTTP routes of the exercises, included from imago_app.urls.
from django.urls import include, path

from exercises import views

urlpatterns = [
    path("", views.exercises_page, name="exercises"),
    path("caring/", include("exercises.caring.urls")),
    path("appreciations/", include("exercises.appreciation.urls")),
    path("requests/", include("exercises.requests.urls")),
    path("inner/", include("exercises.inner.urls")),
    path("cycle/", include("exercises.cycle.urls")),
]
