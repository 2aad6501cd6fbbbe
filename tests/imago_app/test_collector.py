"""The server's collector settings (imago_app/collector.py) are applied with the application."""

import gc

from imago_app import asgi, collector


def test_the_loaded_application_is_frozen_and_collections_are_spaced_out():
    assert asgi.application is not None
    assert gc.get_threshold() == (collector.YOUNG, collector.MIDDLE, collector.FULL)
    assert gc.get_freeze_count() > 10_000  # Django and the apps, never walked again
