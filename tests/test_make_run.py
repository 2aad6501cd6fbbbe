"""`make run` as a newcomer meets it: DEBUG off, the app's own 404, the stylesheet served, a
secret key made once into a file. Runs the Makefile's own target on a free port, with a
throwaway database and key file."""

import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import BASE_DIR, clean_environ, free_port


def _get(url: str):
    """Status, headers and text of a GET, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.fixture
def make_run(tmp_path):
    """`make run` in its own process group, stopped (that group only) at the end."""
    port = free_port()
    env = {
        k: v
        for k, v in clean_environ().items()
        # What a newcomer's shell has: none of the app's settings.
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
    }
    env |= {"SQLITE_PATH": str(tmp_path / "db.sqlite3"), "SECRET_KEY_FILE": str(tmp_path / "key")}
    log = open(tmp_path / "make-run.log", "wb")  # noqa: SIM115 - closed below
    # The installed venv is this one: `-o` keeps make from reinstalling it.
    proc = subprocess.Popen(
        [
            *("make", "--no-print-directory", "-o", ".venv/.installed-app", "run"),
            *("HOST=127.0.0.1", f"PORT={port}", f"BIN={Path(sys.executable).parent}"),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "make-run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "make run did not answer within 120 s"
            try:
                if _get(f"{url}/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        yield url, tmp_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        log.close()


def test_make_run_serves_the_apps_own_pages_and_its_stylesheet_with_debug_off(make_run):
    url, tmp_path = make_run
    status, _headers, page = _get(f"{url}/no-such-page/")
    assert status == 404
    assert "There&#x27;s nothing here" in page or "There's nothing here" in page
    assert "URLconf" not in page and "DEBUG = True" not in page
    # Plain HTTP on this machine: no redirect to https.
    status, headers, login = _get(f"{url}/accounts/login/")
    assert status == 200, login[:500]
    assert "Strict-Transport-Security" not in headers
    cookie = headers.get("Set-Cookie") or ""
    assert "csrftoken" in cookie and "Secure" not in cookie  # else the browser drops it
    css = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', login)
    assert css, "the stylesheet should have a hashed name when DEBUG is off"
    status, headers, body = _get(url + css.group(1))
    assert status == 200 and headers["Content-Type"].startswith("text/css") and "body" in body
    key = tmp_path / "key"
    assert len(key.read_text().strip()) >= 50
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
