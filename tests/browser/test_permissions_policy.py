"""The Permissions-Policy header as Chromium reads it: every feature it names is one Chromium
knows (an unknown one is a console warning), and what the app never uses is off."""

import pytest

from tests.conftest import Daphne

pytestmark = pytest.mark.browser

OFF = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"]
OWN = ["screen-wake-lock", "fullscreen"]


def test_chromium_understands_the_permissions_policy(browser, transactional_db, tmp_path):
    server = Daphne(tmp_path / "daphne.log").start()
    context = browser.new_context()
    try:
        page = context.new_page()
        said: list[str] = []
        page.on("console", lambda msg: said.append(f"{msg.type}: {msg.text}"))
        page.goto(f"{server.url}/accounts/login/")
        page.wait_for_load_state("load")
        allowed = page.evaluate(
            "(features) => Object.fromEntries("
            "features.map((f) => [f, document.featurePolicy.allowsFeature(f)]))",
            OFF + OWN,
        )
        assert allowed == {**dict.fromkeys(OFF, False), **dict.fromkeys(OWN, True)}, allowed
        assert not [line for line in said if "Permissions-Policy" in line or "feature" in line]
    finally:
        context.close()
        server.stop()
