"""How fast two phones come back after the server dies: kill -9 one daphne process under two
real browser pages (Debian's Chromium, two contexts: Alex's and Sam's phones) on a dialogue,
start it again on the same port after a pause, and time from the moment the server answers
/health again to each page's socket opening (htmx:wsOpen). Prints the median and worst over the
tries, and checks the page said it was offline and then "Connected again."

    .venv/bin/python -m bench.reconnect --tries 20

It uses its own SQLite database in a temporary folder and one daphne on a free loopback port.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answering(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=0.5) as response:
            return response.status == 200
    except OSError:
        return False


def start_daphne(port: int, env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "imago_app.asgi:application"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_answering(url: str, limit: float = 30.0) -> float:
    """The wall-clock time (ms) at which the server first answered."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if answering(url):
            return time.time() * 1000
        time.sleep(0.02)
    raise RuntimeError("daphne did not answer")


def until(page, after_ms: float, limit: float = 20.0) -> float:
    """When the page's socket last opened, once that is after `after_ms` (wall clock, ms).
    Polled from here: the page's CSP refuses Playwright's wait_for_function."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        opened = page.evaluate("window.lastOpen || 0")
        if opened > after_ms:
            return opened
        time.sleep(0.01)
    raise RuntimeError("the page did not reconnect")


def setup(env: dict[str, str]) -> tuple[int, list[str]]:
    """A couple with a dialogue at the sending step; the partners' session keys."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from dialogue import services as dialogue_services
    from imago_app import services
    from imago_app.models import Invite, User

    call_command("migrate", verbosity=0)
    alex = User.objects.create_user(username="alex", password="x" * 16, display_name="Alex")
    sam = User.objects.create_user(username="sam", password="x" * 16, display_name="Sam")
    couple = services.couple_create(partner=alex)
    code = Invite.objects.get(couple=couple).code
    services.couple_join(partner=sam, code=code)
    dialogue = dialogue_services.dialogue_request(
        couple=couple, partner=alex, mode="written", device="two_devices", key="bench-request"
    )
    for who, kind, level in [(sam, "accept", None), (alex, "check_in", 7), (sam, "check_in", 7)]:
        dialogue_services.dialogue_move(
            dialogue_id=dialogue.pk,
            partner=who,
            kind=kind,
            level=level,
            key=f"bench-{kind}-{who.pk}",
        )
    keys = []
    for person in (alex, sam):
        client = Client()
        client.force_login(person)
        keys.append(client.cookies["sessionid"].value)
    return dialogue.pk, keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--down", type=float, default=4.0, help="seconds the server stays down")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="imago-reconnect-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "imago_app.settings",
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "SQLITE_PATH": str(folder / "db.sqlite3"),
        "DEBUG": "1",
    }
    dialogue_id, keys = setup(env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(folder / "daphne.log", "ab")  # noqa: SIM115 - closed at the end
    server = start_daphne(port, env, log)
    wait_answering(url)
    delays: list[float] = []
    honest = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        pages = []
        for key in keys:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            context.add_cookies([{"name": "sessionid", "value": key, "url": url}])
            page = context.new_page()
            page.add_init_script(
                "document.addEventListener('htmx:wsOpen', () => { window.lastOpen = Date.now(); });"
            )
            page.goto(f"{url}/dialogue/{dialogue_id}/")
            until(page, 0)
            pages.append(page)
        try:
            for n in range(args.tries):
                server.kill()
                server.wait()
                for page in pages:
                    page.wait_for_selector("[data-offline]", timeout=10_000)
                time.sleep(args.down * random.uniform(0.75, 1.25))
                server = start_daphne(port, env, log)
                answered = wait_answering(url)
                got = []
                for page in pages:
                    got.append(until(page, answered - 1000) - answered)
                    page.get_by_text("Connected again.").wait_for(timeout=5_000)
                honest += 1
                delays.extend(got)
                print(
                    f"try {n + 1:2}: back after {got[0]:6.0f} ms and {got[1]:6.0f} ms", flush=True
                )
        finally:
            browser.close()
            server.kill()
            log.close()
    print(
        f"\n{len(delays)} reconnects over {args.tries} kill -9s (server down "
        f"{args.down:.0f} s ±25 %): median {statistics.median(delays):.0f} ms, "
        f"worst {max(delays):.0f} ms after the server answered again; "
        f"offline shown and 'Connected again.' said on {honest}/{args.tries} tries"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
