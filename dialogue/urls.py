from django.urls import path

from dialogue import views

urlpatterns = [
    path("start/", views.dialogue_start, name="dialogue_start"),
    path("ask/", views.dialogue_ask, name="dialogue_ask"),
    path(
        "parent-child/<int:couple_id>/",
        views.dialogue_parent_child,
        name="dialogue_parent_child",
    ),
    path("hint/", views.dialogue_hint, name="dialogue_hint"),
    path("<int:dialogue_id>/", views.dialogue_page, name="dialogue"),
    path("<int:dialogue_id>/move/", views.dialogue_move, name="dialogue_move"),
    path("<int:dialogue_id>/transcript/", views.dialogue_transcript, name="dialogue_transcript"),
]
