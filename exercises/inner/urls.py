from django.urls import path

from exercises.inner import views

urlpatterns = [
    path("", views.inner_page, name="inner"),
    path("childhood/", views.childhood, name="inner_childhood"),
    path("childhood/check-in/", views.childhood_check_in, name="inner_check_in"),
    path("childhood/share/", views.childhood_share, name="inner_childhood_share"),
    path("childhood/<slug:step>/", views.childhood_step, name="inner_step"),
    path("protection/", views.protection_page, name="inner_protection"),
    path("protection/share/", views.protection_share, name="inner_protection_share"),
    path("prepare/", views.prepare, name="inner_prepare"),
    path("prepare/<int:prep_id>/", views.prepared, name="inner_prepared"),
    path("prepare/<int:prep_id>/edit/", views.prepare, name="inner_prepare_edit"),
    path("prepare/<int:prep_id>/share/", views.prepare_share, name="inner_prepare_share"),
    path("prepare/<int:prep_id>/delete/", views.prepare_delete, name="inner_prepare_delete"),
    path("longings/", views.longings, name="inner_longings"),
    path("from-partner/", views.from_partner, name="inner_from_partner"),
]
