from django.apps import AppConfig


class CaringConfig(AppConfig):
    name = "exercises.caring"
    label = "caring"
    verbose_name = "Caring behaviours"
