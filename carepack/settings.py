"""Settings for carepack, read from the environment.

A fresh checkout runs on a laptop with no configuration at all: SQLite,
e-mail written to a folder, secrets generated once into the data folder.
Every variable is documented in the README.
"""

import json
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DATA_DIR = Path(env("CAREPACK_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _local_secrets() -> dict[str, str]:
    """Secrets for a laptop, generated once and kept in the data folder.

    Production sets them from the environment instead; the file only exists
    so that a fresh checkout is secure without any configuration.
    """
    path = DATA_DIR / "secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
    else:
        stored = {}
    wanted = ("SECRET_KEY", "CAREPACK_CODE_KEY", "CAREPACK_ENCRYPTION_KEY")
    if all(name in stored for name in wanted):
        return stored
    for name in wanted:
        stored.setdefault(name, secrets.token_urlsafe(48))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle)
    return stored


def _secret(name: str) -> str:
    return env(name) or _local_secrets()[name]


SECRET_KEY = _secret("SECRET_KEY")
# Activation codes are stored as HMAC digests under their own key, so that
# rotating SECRET_KEY (sessions, CSRF) does not void codes already mailed.
CAREPACK_CODE_KEY = _secret("CAREPACK_CODE_KEY")
# Mail payloads waiting to be sent (they hold activation codes) are
# encrypted with this key and deleted once sent.
CAREPACK_ENCRYPTION_KEY = _secret("CAREPACK_ENCRYPTION_KEY")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in env("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
]
CAREPACK_BASE_URL = env("CAREPACK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [CAREPACK_BASE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "carepack.core",
    "carepack.audit",
    "carepack.catalog",
    "carepack.orders",
    "carepack.registrations",
    "carepack.volume",
    "carepack.notifications",
    "carepack.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "carepack.urls"
WSGI_APPLICATION = "carepack.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# How long a SQLite writer waits for another one before giving up.
SQLITE_TIMEOUT = env_int("CAREPACK_SQLITE_TIMEOUT", 30)


def _database() -> dict[str, Any]:
    url = env("DATABASE_URL")
    if not url:
        url = f"sqlite:///{DATA_DIR / 'carepack.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A web server and a worker write at once: WAL lets readers go on,
        # the busy timeout makes a writer wait instead of failing, and
        # IMMEDIATE takes the write lock up front so that a transaction
        # never has to upgrade its lock (the cause of "database is locked").
        config["CONN_MAX_AGE"] = 0
        # A file, not memory, so that worker processes started by the tests
        # see the same test database.
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_TIMEOUT,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                f"PRAGMA busy_timeout={SQLITE_TIMEOUT * 1000};"
                "PRAGMA synchronous=NORMAL;"
            ),
        }
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

STORAGES = {
    "default": {
        "BACKEND": env(
            "CAREPACK_STORAGE_BACKEND",
            "django.core.files.storage.FileSystemStorage",
        ),
        "OPTIONS": {"location": str(DATA_DIR / "files")}
        if not env("CAREPACK_STORAGE_BACKEND")
        else {},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
# WhiteNoise serves app static files directly (no collectstatic on a
# laptop); the empty root only keeps it from warning.
STATIC_ROOT.mkdir(exist_ok=True)


def _mailers() -> dict[str, Any]:
    kind = env("CAREPACK_MAILER", "file")
    if kind == "smtp":
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {
                    "host": env("CAREPACK_SMTP_HOST", "localhost"),
                    "port": env_int("CAREPACK_SMTP_PORT", 25),
                    "username": env("CAREPACK_SMTP_USER"),
                    "password": env("CAREPACK_SMTP_PASSWORD"),
                    "use_tls": env_bool("CAREPACK_SMTP_TLS", False),
                    "use_ssl": env_bool("CAREPACK_SMTP_SSL", False),
                    "timeout": env_int("CAREPACK_SMTP_TIMEOUT", 30),
                },
            }
        }
    return {
        "default": {
            "BACKEND": "carepack.notifications.backends.EmlFileBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    }


MAILERS = _mailers()
DEFAULT_FROM_EMAIL = env(
    "CAREPACK_FROM_EMAIL", "Care Pack registration <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]

USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "Europe/Paris")
USE_TZ = True

SESSION_COOKIE_AGE = env_int("CAREPACK_SESSION_SECONDS", 4 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if CAREPACK_BASE_URL.startswith("https://"):
    SECURE_SSL_REDIRECT = env_bool("CAREPACK_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("CAREPACK_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = None

# Product rules.
CAREPACK_SERIAL_PATTERN = env("CAREPACK_SERIAL_PATTERN", r"^[A-Z0-9]{5,20}$")
CAREPACK_CODE_TTL_DAYS = env_int("CAREPACK_CODE_TTL_DAYS", 0)  # 0: never expire
CAREPACK_UPLOAD_MAX_BYTES = env_int("CAREPACK_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
CAREPACK_UPLOAD_MAX_ROWS = env_int("CAREPACK_UPLOAD_MAX_ROWS", 1_000_000)
CAREPACK_MAIL_MAX_ATTACHMENT_BYTES = env_int(
    "CAREPACK_MAIL_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        # stderr, so that commands printing JSON keep stdout clean.
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["stderr"], "level": env("CAREPACK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django_tasks_db": {"level": "INFO", "propagate": True},
    },
}

# Address-space ceiling of worker processes (and of `register-file`), in MB;
# 0 turns it off. Parsing a hostile file then fails alone, not the machine.
CAREPACK_WORKER_MEMORY_MB = env_int("CAREPACK_WORKER_MEMORY_MB", 3072)

# --- Portal (customer pages): activation throttling and client address. ---
# Failed activation attempts allowed per client address and per typed code
# in a window opened by the first failure; guesses that can only match a
# weak legacy code get the stricter limit. Failures across all addresses
# above the alert threshold are logged as a warning and shown in the admin.
CAREPACK_ACTIVATION_MAX_FAILURES = env_int("CAREPACK_ACTIVATION_MAX_FAILURES", 10)
CAREPACK_ACTIVATION_MAX_FAILURES_LEGACY = env_int(
    "CAREPACK_ACTIVATION_MAX_FAILURES_LEGACY", 3
)
CAREPACK_ACTIVATION_WINDOW_SECONDS = env_int(
    "CAREPACK_ACTIVATION_WINDOW_SECONDS", 15 * 60
)
CAREPACK_ACTIVATION_ALERT_THRESHOLD = env_int(
    "CAREPACK_ACTIVATION_ALERT_THRESHOLD", 100
)
# The header a reverse proxy sets to the client's address (for example
# X-Forwarded-For). Empty: the connection's address (REMOTE_ADDR) is used.
CAREPACK_TRUSTED_PROXY_HEADER = env("CAREPACK_TRUSTED_PROXY_HEADER")

# --- Volume registration (upload batches). ---
# Rows registered per transaction: a worker killed mid-batch resumes after
# the last chunk it committed.
CAREPACK_BATCH_CHUNK_ROWS = env_int("CAREPACK_BATCH_CHUNK_ROWS", 5000)
# A batch whose worker sent no heartbeat for this long lost its worker and
# is queued again; after this many attempts without progress it fails.
CAREPACK_BATCH_STALE_SECONDS = env_int("CAREPACK_BATCH_STALE_SECONDS", 120)
CAREPACK_BATCH_MAX_ATTEMPTS = env_int("CAREPACK_BATCH_MAX_ATTEMPTS", 5)
# Batches with at least this many rows left are checked by a helper process
# while the worker registers (a second core at work); 0 never starts one.
CAREPACK_BATCH_HELPER_ROWS = env_int("CAREPACK_BATCH_HELPER_ROWS", 50_000)

# --- Notifications: retries of refused e-mails (reliability, issue 5). ---
# The first new attempt at an e-mail the mail server refused waits this
# many seconds; each next one waits twice as long, up to 6 hours.
CAREPACK_MAIL_RETRY_BASE_SECONDS = env_int("CAREPACK_MAIL_RETRY_BASE_SECONDS", 30)
