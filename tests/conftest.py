import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Playwright's sync API keeps an event loop running in the main thread; without this,
# pytest-django's database set-up refuses to run inside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.conf import settings

from tests import factories

# Tests open connections from many threads (sockets, races); kept open, they would stop the test
# database from being dropped at the end.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = BASE_DIR / "test-artifacts"
IN_CI = bool(os.environ.get("CI"))


def clean_environ() -> dict[str, str]:
    """This process's environment without what only the test process needs."""
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def require(available: bool, what: str) -> None:
    """Skip when a service is missing on a developer's machine; fail in CI, where nothing skips."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available")
    pytest.skip(f"{what} is not available here")


# --- personas -----------------------------------------------------------------------------------


@pytest.fixture
def partner_a(db):
    return factories.make_partner("Alex")


@pytest.fixture
def partner_b(db):
    return factories.make_partner("Sam")


@pytest.fixture
def couple(partner_a, partner_b):
    return factories.make_couple(partner_a, partner_b)


@pytest.fixture
def outsider(db):
    """A partner in another couple: must never see anything of `couple`."""
    stranger = factories.make_partner("Jordan")
    factories.make_couple(stranger, factories.make_partner("Riley"))
    return stranger


@pytest.fixture
def therapist(db):
    return factories.make_therapist("Dr Lee")


@pytest.fixture
def client_a(client, partner_a):
    client.force_login(partner_a)
    return client


@pytest.fixture
def client_b(partner_b):
    """Sam's own browser: a second client, so Alex's and Sam's sessions stay apart."""
    from django.test import Client

    other = Client()
    other.force_login(partner_b)
    return other


# --- a real daphne process -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def live_database_env() -> dict[str, str]:
    """Environment that points another process at this test run's database."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return {"DATABASE_URL": "", "SQLITE_PATH": str(name)}
    parts = urlsplit(os.environ["DATABASE_URL"])
    return {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}


class Daphne:
    """One daphne process serving the app on a free loopback port."""

    def __init__(
        self,
        log_path: Path,
        extra_env: dict[str, str] | None = None,
        port: int | None = None,
        args: list[str] | None = None,
        app: str = "imago_app.asgi:application",
    ):
        self.app = app
        self.port = port or free_port()
        self.args = args or []  # more daphne options, e.g. ["--proxy-headers"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **clean_environ(),
            "DEBUG": "1",
            "CONN_MAX_AGE": "0",
            **live_database_env(),
            **(extra_env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Daphne":
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "--websocket-max-message-size",
                str(settings.WEBSOCKET_MAX_BYTES),
                "--websocket-max-frame-size",
                str(settings.WEBSOCKET_MAX_BYTES),
                *self.args,
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                self.app,
            ],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"daphne did not answer within 20 s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


@pytest.fixture
def daphne_live(transactional_db, tmp_path):
    server = Daphne(tmp_path / "daphne.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _nothing_held_from_an_earlier_test():
    """Tests flush the database between them, so a dialogue id can come back with other events;
    what this process holds of dialogues (dialogue/latest.py) goes with them. (In running, ids
    are never reused.)"""
    from dialogue import latest

    latest.forget()
    yield
    latest.forget()
