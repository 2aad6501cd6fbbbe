from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "exercises.requests"
    label = "requests"
    verbose_name = "Behaviour change requests, stretches and repair"
