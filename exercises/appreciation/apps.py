from django.apps import AppConfig


class AppreciationConfig(AppConfig):
    name = "exercises.appreciation"
    label = "appreciation"
    verbose_name = "Appreciations"
