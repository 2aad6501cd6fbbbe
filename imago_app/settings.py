"""Settings for Imago Dialogue.

One file, driven by the environment. The defaults are the embedded set-up (SQLite, in-memory
channel layer, one daphne process) so `make run` works with nothing configured; production differs
only through environment variables (see the README). A bad value fails loudly at start.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, not {value!r}") from None
    if not 0 < seconds < float("inf"):
        raise ImproperlyConfigured(f"{name} must be more than 0 seconds, not {value!r}")
    return seconds


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)


def secret_key_from_file(path: Path) -> str:
    """The key kept in `path`, made there (readable by this user only) the first time.

    `make run` names a file beside the code (git ignores it), so a key is made once and the
    sign-ins survive a restart. Several processes share a key only through SECRET_KEY or one
    file they can all read.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if len(key) < 50:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE {path} holds no usable key.") from None
        return key
    except OSError as exc:
        raise ImproperlyConfigured(f"SECRET_KEY_FILE {path} cannot be made: {exc}") from None
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("SECRET_KEY", "")
SECRET_KEY_FILE = os.environ.get("SECRET_KEY_FILE", "")
if not SECRET_KEY and SECRET_KEY_FILE:
    SECRET_KEY = secret_key_from_file(BASE_DIR / SECRET_KEY_FILE)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (or SECRET_KEY_FILE, a file to keep it in)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-imago-dialogue"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
if "*" in ALLOWED_HOSTS:
    # A socket's origin must be the host it was opened to, one of ALLOWED_HOSTS
    # (imago_app/origins.py): "*" would let the page of any name pointed at this server (DNS
    # rebinding) open a signed-in partner's sockets.
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts; '*' is not accepted.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "imago_app",
    "dialogue",
    "exercises",
    "exercises.caring",
    "exercises.appreciation",
    "exercises.requests",
    "exercises.inner",
    "exercises.cycle",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry it too.
    "imago_app.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "imago_app.middleware.SessionLimitsMiddleware",
    "imago_app.middleware.TimeZoneMiddleware",
    "imago_app.middleware.NoStoreWhenSignedInMiddleware",
    "imago_app.middleware.AuditDeniedMiddleware",
    # After the audit: it answers a closed couple's page before the audit would see a 404.
    "imago_app.middleware.CoupleClosedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Must stay last: it turns a lockout into our calm "please wait" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "imago_app.urls"
ASGI_APPLICATION = "imago_app.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "imago_app.context_processors.session",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------------
# DATABASE_URL selects PostgreSQL (postgres://user:pass@host:port/name); the default is a SQLite
# file beside the code.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        # Keep connections open: opening a PostgreSQL connection per call cost more than the
        # move itself.
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL,
                conn_max_age=env_int("CONN_MAX_AGE", 600),
                conn_health_checks=True,
            )
        }
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a URL we understand: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Kept open too: opening one (and its PRAGMAs) on every socket's database call was
            # a fifth of a move's CPU.
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
        }
    }

_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # One daphne process writes from several threads; take the write lock at BEGIN so two
    # transactions never deadlock on an upgrade, and wait rather than fail when it is busy.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not in-memory) test database, so a real daphne process in the browser tests can
    # share it with the test process.
    _db["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
else:
    # Named explicitly: Channels' live server adds a second "test_" prefix otherwise.
    _db["TEST"] = {"NAME": f"test_{_db['NAME']}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The largest WebSocket message and frame daphne takes in; beyond it the server closes the socket
# (1009) before the app sees anything. Consumers refuse frames over 8 KiB themselves, politely.
# `make run` and the test servers pass this to daphne; so must a deployment (README).
WEBSOCKET_MAX_BYTES = 64 * 1024
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = DAPHNE_WEBSOCKET_MAX_FRAME_SIZE = WEBSOCKET_MAX_BYTES

# Threads per process for the database calls of sockets (imago_app/db.py); with PostgreSQL each
# keeps a connection, so processes x DB_THREADS must stay below the server's max_connections.
DB_THREADS = env_int("DB_THREADS", 8)

# How often each process compares, in one query, the sequence number of every dialogue it has a
# socket open on with what those sockets last showed, and pushes to any that fell behind
# (dialogue/resync.py): a move whose broadcast was lost (the mover's process died after commit,
# the channel layer dropped it) still reaches every open screen within about this long.
RESYNC_SECONDS = env_seconds("RESYNC_SECONDS", 2.0)

# --- Channel layer ---------------------------------------------------------------------------
# Without REDIS_URL the in-memory layer serves one process. With it, several daphne processes
# share groups through Redis's publish/subscribe (imago_app/layers.py says why that one).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "imago_app.layers.PubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # A process's publishes go one at a time on one connection: one that
                        # Redis does not answer fails after this (logged; the screens catch up
                        # from the database) rather than holding up every later one.
                        "socket_timeout": 5,
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 100),
                    }
                ],
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "imago_app.layers.PacedInMemoryChannelLayer"}}

# Only for `make bench`: also serve the bare relay the benchmark measures the app against.
BENCH_RELAY = env_bool("BENCH_RELAY", False)

# --- Accounts --------------------------------------------------------------------------------
AUTH_USER_MODEL = "imago_app.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Behind a reverse proxy (BEHIND_PROXY=1) that terminates TLS: X-Forwarded-Proto says whether the
# visitor used HTTPS, and PROXY_COUNT proxies, each appending to X-Forwarded-For, stand between
# the visitor and daphne (imago_app/addresses.py reads the client's address from it).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
PROXY_COUNT = env_int("PROXY_COUNT", 1) if BEHIND_PROXY else 0
if BEHIND_PROXY and PROXY_COUNT < 1:
    raise ImproperlyConfigured("PROXY_COUNT must be 1 or more when BEHIND_PROXY is on.")

# Failed-login throttling (imago_app/throttle.py). A device that has never signed in to the
# account is paused on the pair (username, address); one that has is paused only by its own
# failures, so failures from elsewhere (the other partner at the same home address) never keep
# it out. Every pause lifts by itself.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_CLIENT_IP_CALLABLE = "imago_app.addresses.client_address"
AXES_USERNAME_CALLABLE = "imago_app.throttle.axes_username"
AXES_LOCKOUT_PARAMETERS = "imago_app.throttle.lockout_parameters"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# Failed sign-ins per account per hour, from devices that have not signed in to it before
# (imago_app/throttle.py). Devices it has signed in on are held only by their own failures.
SIGN_IN_FAILURES_PER_HOUR = env_int("SIGN_IN_FAILURES_PER_HOUR", 10)

# Session limits in seconds (imago_app/session_limits.py).
SESSION_IDLE_PARTNER = env_int("SESSION_IDLE_PARTNER_MINUTES", 30) * 60
SESSION_IDLE_THERAPIST = env_int("SESSION_IDLE_THERAPIST_MINUTES", 15) * 60
SESSION_ABSOLUTE = env_int("SESSION_ABSOLUTE_HOURS", 12) * 3600
SESSION_KEPT_IDLE = env_int("SESSION_KEPT_IDLE_DAYS", 14) * 86400
SESSION_KEPT_ABSOLUTE = env_int("SESSION_KEPT_ABSOLUTE_DAYS", 30) * 86400

INVITE_LIFETIME = timedelta(hours=72)

# The support services shown after someone stops a dialogue and on the Support page
# (imago_app/support.py says the format). The default is a starting point that says so.
SUPPORT_RESOURCES_FILE = os.environ.get(
    "SUPPORT_RESOURCES_FILE", str(BASE_DIR / "imago_app" / "data" / "support.json")
)

# Where the app is reached, for links in e-mails sent outside a request.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- E-mail ----------------------------------------------------------------------------------
# Printed to the console unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Imago Dialogue <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# In development WhiteNoise serves straight from the source folders, so no collectstatic is needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security --------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the app never uses are switched off on every response (Permissions-Policy,
# imago_app/middleware.py); screen wake lock and fullscreen stay allowed for the site's own
# pages, for the shared tablet.
PERMISSIONS_POLICY = {
    **dict.fromkeys(
        [
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "picture-in-picture",
            "publickey-credentials-get",
            "serial",
            "usb",
            "xr-spatial-tracking",
        ],
        (),
    ),
    "fullscreen": ("self",),
    "screen-wake-lock": ("self",),
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# `make run` serves plain HTTP on this machine with DEBUG off: then nothing asks for HTTPS.
PLAIN_HTTP = env_bool("PLAIN_HTTP", False)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not PLAIN_HTTP)
    SESSION_COOKIE_SECURE = not PLAIN_HTTP
    CSRF_COOKIE_SECURE = not PLAIN_HTTP
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if PLAIN_HTTP else 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if BEHIND_PROXY:
    # The proxy terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Never log request bodies; keep Django's own noise down.
        "django": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}
