from django.apps import AppConfig


class InnerConfig(AppConfig):
    name = "exercises.inner"
    label = "inner"
    verbose_name = "Inner work"
