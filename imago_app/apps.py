from django.apps import AppConfig


class ImagoAppConfig(AppConfig):
    name = "imago_app"
    verbose_name = "Accounts, couples and therapists"
