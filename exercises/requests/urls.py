from django.urls import path

from exercises.requests import views

urlpatterns = [
    path("", views.requests_page, name="requests"),
    path("new/", views.change_request_new, name="change_request_new"),
    path("<int:change_id>/", views.change_request_detail, name="change_request"),
    path("<int:change_id>/edit/", views.change_request_new, name="change_request_edit"),
    path("<int:change_id>/delete/", views.change_request_delete, name="change_request_delete"),
    path("<int:change_id>/mirror/", views.change_request_mirror, name="change_request_mirror"),
    path("<int:change_id>/choose/", views.stretches_choose, name="stretches_choose"),
    path("stretches/<int:stretch_id>/", views.stretch_detail, name="stretch"),
    path("stretches/<int:stretch_id>/log/", views.stretch_log, name="stretch_log"),
    path("stretches/<int:stretch_id>/review/", views.stretch_review, name="stretch_review"),
    path("stretches/library/", views.stretch_library, name="stretch_library"),
    path("repair/", views.repair_new, name="repair_new"),
    path("repair/<int:repair_id>/", views.repair_detail, name="repair"),
]
