from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from imago_app import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("support/", views.support_page, name="support"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/data/", views.account_data, name="account_data"),
    path("accounts/data/export.json", views.account_export, name="account_export"),
    path("accounts/delete/", views.account_delete, name="account_delete"),
    path("accounts/time-zone/", views.account_time_zone, name="account_time_zone"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/session/", views.session_status, name="session_status"),
    path(
        "accounts/password_change/",
        login_required(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("couples/new/", views.couple_create, name="couple_create"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join, name="join_with_code"),
    path("couples/<int:couple_id>/invite/", views.invite_renew, name="invite_renew"),
    path("couples/<int:couple_id>/leave/", views.couple_leave, name="couple_leave"),
    path("couples/<int:couple_id>/your-words/", views.couple_words, name="couple_words"),
    path(
        "couples/<int:couple_id>/therapist/invite/",
        views.therapist_invite,
        name="therapist_invite",
    ),
    path(
        "couples/<int:couple_id>/therapist/<int:link_id>/consent/",
        views.therapist_consent,
        name="therapist_consent",
    ),
    path(
        "couples/<int:couple_id>/therapist/<int:link_id>/end/",
        views.therapist_end,
        name="therapist_end",
    ),
    path("couples/<int:couple_id>/access-log/", views.access_log, name="access_log"),
    path("therapist/join/", views.therapist_join, name="therapist_join"),
    path("therapist/couples/<int:couple_id>/", views.therapist_couple, name="therapist_couple"),
    path(
        "therapist/couples/<int:couple_id>/notes/<str:kind>/",
        views.therapist_note,
        name="therapist_note",
    ),
    path(
        "therapist/couples/<int:couple_id>/homework/",
        views.therapist_homework,
        name="therapist_homework",
    ),
    path("dialogue/", include("dialogue.urls")),
    path("exercises/", include("exercises.urls")),
    path("admin/", admin.site.urls),
]
