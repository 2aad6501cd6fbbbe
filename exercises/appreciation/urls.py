from django.urls import path

from exercises.appreciation import views

urlpatterns = [
    path("", views.appreciations_page, name="appreciations"),
    path("<int:appreciation_id>/mirror/", views.appreciation_mirror, name="appreciation_mirror"),
]
