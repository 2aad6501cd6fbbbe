from django.apps import AppConfig


class ImagoAppConfig(AppConfig):
    name = "imago_app"
    verbose_name = "Accounts, couples and therapists"

    def ready(self) -> None:
        from imago_app import (
            signals,  # noqa: F401  (connects the receivers)
            support,
        )

        support.directory()  # a support file that cannot be used stops the app at start
