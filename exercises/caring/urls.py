from django.urls import path

from exercises.caring import views

urlpatterns = [
    path("", views.caring_page, name="caring"),
    path("add/", views.caring_item_edit, name="caring_add"),
    path("<int:item_id>/edit/", views.caring_item_edit, name="caring_edit"),
    path("<int:item_id>/delete/", views.caring_item_delete, name="caring_delete"),
    path("<int:item_id>/give/", views.caring_give, name="caring_give"),
    path("<int:item_id>/not-ready/", views.caring_not_ready, name="caring_not_ready"),
    path("gifts/<int:gift_id>/thank/", views.caring_thank, name="caring_thank"),
]
