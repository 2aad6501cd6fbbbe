"""Production settings, checked by running Django the way a deployment would."""

import re
import subprocess
import sys

from django.conf import settings

from tests.conftest import BASE_DIR, clean_environ

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-for-tests-only-" + "x9Qe7vR2mL5tB8nW4zY1cU6hJ0aS3dF" * 2,
    "ALLOWED_HOSTS": "imago.example.org",
    "EMAIL_HOST": "smtp.example.org",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean_environ(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_it_refuses_to_start_without_a_secret_key_in_production():
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_secret_key_file_is_made_once_and_then_kept(tmp_path):
    key_file = tmp_path / "secret-key"
    env = {**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(key_file)}
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    keys = []
    for _ in range(2):
        result = manage("shell", "-c", script, env=env)
        assert result.returncode == 0, result.stderr[-1500:]
        keys.append(result.stdout.strip().splitlines()[-1])
    assert keys[0] == keys[1] == key_file.read_text().strip()
    assert len(keys[0]) >= 50
    assert (key_file.stat().st_mode & 0o777) == 0o600
    assert ".secret-key" in (BASE_DIR / ".gitignore").read_text().split()


def test_it_refuses_bad_values_loudly():
    for env, message in [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must start with"),
        ({"AXES_FAILURE_LIMIT": "five"}, "AXES_FAILURE_LIMIT must be a whole number"),
        ({"DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
        ({"ALLOWED_HOSTS": "*"}, "'*' is not accepted"),
        ({"BEHIND_PROXY": "1", "PROXY_COUNT": "0"}, "PROXY_COUNT must be 1 or more"),
        ({"RESYNC_SECONDS": "often"}, "RESYNC_SECONDS must be a number of seconds"),
        ({"RESYNC_SECONDS": "0"}, "RESYNC_SECONDS must be more than 0 seconds"),
    ]:
        result = manage("check", env=env)
        assert result.returncode != 0, env
        assert message in result.stderr, (env, result.stderr[-500:])


def test_make_run_gives_daphne_the_websocket_limits_of_the_settings():
    makefile = (BASE_DIR / "Makefile").read_text()
    limits = re.search(r"^DAPHNE_LIMITS := (.*)$", makefile, re.M).group(1)
    size = str(settings.WEBSOCKET_MAX_BYTES)
    assert limits.split() == [
        "--websocket-max-message-size",
        size,
        "--websocket-max-frame-size",
        size,
    ]
    assert "$(DAPHNE_LIMITS)" in makefile.split("\nrun:")[1].split("\n\n")[0]
