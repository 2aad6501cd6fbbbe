from django.urls import path

from exercises.appreciation import views

urlpatterns = [
    path("", views.appreciations_page, name="appreciations"),
    path("<int:appreciation_id>/mirror/", views.appreciation_mirror, name="appreciation_mirror"),
    path("<int:appreciation_id>/edit/", views.appreciation_edit, name="appreciation_edit"),
    path("<int:appreciation_id>/delete/", views.appreciation_delete, name="appreciation_delete"),
]
