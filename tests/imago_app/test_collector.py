"""The server's collector setting (imago_app/collector.py) is applied with the application."""

import gc

from imago_app import asgi


def test_the_loaded_application_is_frozen():
    assert asgi.application is not None
    assert gc.get_freeze_count() > 10_000  # Django and the apps, never walked again
