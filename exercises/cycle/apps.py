from django.apps import AppConfig


class CycleConfig(AppConfig):
    name = "exercises.cycle"
    label = "cycle"
    verbose_name = "Our cycle"
