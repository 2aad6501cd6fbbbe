from django.urls import path

from exercises.cycle import views

urlpatterns = [
    path("", views.cycle_list, name="cycles"),
    path("coming-back/", views.cycles_recurring, name="cycles_recurring"),
    path("<int:cycle_id>/", views.cycle_page, name="cycle"),
    path("<int:cycle_id>/show/", views.cycle_show, name="cycle_show"),
    path("<int:cycle_id>/working-on/", views.cycle_working_on, name="cycle_working_on"),
]
