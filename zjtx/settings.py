"""Django settings for ZJTX.

Everything that differs between a laptop and production comes from the
environment (ZJTX_*), so one settings module serves both.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


def _development_secret_key() -> str:
    """Debug mode without ZJTX_SECRET_KEY: a random key made once on this machine and
    kept in var/secret_key (never in the repository, so no one else knows it), so that
    sessions survive a restart. Processes starting together (`make run` starts the
    server and the worker) agree on one key: the file appears whole, by a hard link,
    or not at all."""
    from django.core.management.utils import get_random_secret_key

    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        draft = VAR_DIR / f".secret_key.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(get_random_secret_key() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: its key is the one
        finally:
            draft.unlink()
    return path.read_text().strip()


# Debug (development mode) is off unless asked for: `make run` sets ZJTX_DEBUG=1. With
# it off a real secret key is required. The test suite runs in development mode too:
# pytest-django loads these settings before any conftest.py could set the variable,
# so the default follows PYTEST_VERSION, which pytest sets while it runs (and the
# commands a test starts inherit); pytest-django still turns DEBUG off per test.
DEBUG = _env_bool("ZJTX_DEBUG", "PYTEST_VERSION" in os.environ)

SECRET_KEY = os.environ.get("ZJTX_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ZJTX_SECRET_KEY must be set when ZJTX_DEBUG is off "
            "(production; for development set ZJTX_DEBUG=1, as `make run` does).")
    SECRET_KEY = _development_secret_key()

# With DEBUG on and an empty list Django already accepts localhost names.
ALLOWED_HOSTS = _env_list("ZJTX_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = _env_list("ZJTX_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First: the site's templates (registration/*: login, password change and reset)
    # take precedence over the admin's.
    "zjtx.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "zjtx.registry",
    "zjtx.accounts",
    "zjtx.fulfilment",
    "zjtx.applications",
    "zjtx.policy_admin",
    "zjtx.jobs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (zjtx/csp.py).
    "zjtx.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says otherwise (the login page does).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each registry change in its history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Locks out repeated failed logins (django-axes); last, as its docs ask.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "zjtx.accounts.backends.ProfileBackend",  # ModelBackend, with the profile in the same query
]
# Five failed logins for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("ZJTX_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("ZJTX_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind the reverse proxy (ZJTX_BEHIND_PROXY=1) the address is the client's from the
# proxy's X-Forwarded-For, not the proxy's own (zjtx/accounts/lockout.py).
ZJTX_BEHIND_PROXY = _env_bool("ZJTX_BEHIND_PROXY", False)
AXES_CLIENT_IP_CALLABLE = "zjtx.accounts.lockout.client_ip_address"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True

ROOT_URLCONF = "zjtx.urls"
WSGI_APPLICATION = "zjtx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The menu for base.html (links only to pages that exist, by role).
                "zjtx.web.context_processors.navigation",
                "zjtx.fulfilment.context_processors.notifications",
            ],
        },
    },
]


def _default_database_url() -> str:
    VAR_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'zjtx.sqlite3'}"


# ZJTX_DATABASE_URL, e.g. postgres://root@127.0.0.1:5432/zjtx; SQLite under var/ otherwise.
_database_url = os.environ.get("ZJTX_DATABASE_URL", "").strip() or _default_database_url()
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Write-ahead log: pages stay readable while a background import holds its write
    # transaction (about 20 s for 100,000 rows); in the default journal mode a large
    # transaction locks readers out and the import page's progress poll fails.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `zjtx collectstatic` target for a production web server; runserver serves from the apps.
STATIC_ROOT = Path(os.environ.get("ZJTX_STATIC_ROOT", VAR_DIR / "static"))
# Uploaded evidence (applications). Never served as static files: only through the
# login- and scope-checked attachment view, so no MEDIA_URL route exists.
MEDIA_ROOT = Path(os.environ.get("ZJTX_MEDIA_ROOT", VAR_DIR / "media"))

if not DEBUG:
    # Production behind HTTPS (README, "Production"): `zjtx check --deploy` passes.
    SESSION_COOKIE_SECURE = _env_bool("ZJTX_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = _env_bool("ZJTX_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("ZJTX_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("ZJTX_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("ZJTX_HSTS_PRELOAD", True)
    if ZJTX_BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("ZJTX_SESSION_SECONDS", str(8 * 3600)))  # a working day

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench"
LOGOUT_REDIRECT_URL = "login"

# Claim notifications by e-mail: the console in development; production sets an SMTP backend.
PASSWORD_RESET_TIMEOUT = 24 * 3600  # a reset link works for a day (the page says so)
EMAIL_BACKEND = os.environ.get("ZJTX_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("ZJTX_FROM_EMAIL", "zjtx@localhost")
# 免申即享: scan after every import and registry change (in the background worker).
ZJTX_AUTO_SCAN = _env_bool("ZJTX_AUTO_SCAN", True)

# Background work (imports; later scans and reports): django-tasks with its database
# backend, run by `zjtx db_worker` beside the web server (`make run` starts both).
# Tests switch to the immediate backend.
TASKS = {"default": {"BACKEND": os.environ.get("ZJTX_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Files uploaded for import are kept here (each ImportLog names its file) so that the
# worker can read them and the city admin can see what was imported.
ZJTX_IMPORT_ROOT = Path(os.environ.get("ZJTX_IMPORT_ROOT", VAR_DIR / "imports"))
ZJTX_IMPORT_MAX_BYTES = 50 * 1024 * 1024

# Logging: server errors (django.request: every 500 with its traceback), security
# warnings (django.security: bad hosts, CSRF failures), the login lock-out (axes) and
# the platform's own loggers (zjtx.*) go to stderr with a timestamp, where gunicorn,
# systemd or `make run` collect them. ZJTX_LOG_FILE=PATH also writes them to a file
# rotated at 10 MB (10 kept); ZJTX_LOG_FILE=1 means var/log/zjtx.log.
ZJTX_LOG_LEVEL = os.environ.get("ZJTX_LOG_LEVEL", "INFO").strip().upper() or "INFO"
_log_file = os.environ.get("ZJTX_LOG_FILE", "").strip()
if _log_file.lower() in {"1", "true", "yes", "on"}:
    _log_file = str(VAR_DIR / "log" / "zjtx.log")
_log_handlers = ["stderr"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "timestamped": {
            "format": "%(asctime)s %(levelname)s %(name)s [pid %(process)d] %(message)s",
        },
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "timestamped",
        },
    },
    "loggers": {
        # Django's own default sends errors to stderr only with DEBUG on (and e-mails
        # ADMINS, which is empty): in production a 500 left no trace at all.
        # (django.server, runserver's request lines, keeps Django's own handler.)
        "django": {"handlers": _log_handlers, "level": "WARNING"},
        "axes": {"handlers": _log_handlers, "level": "WARNING"},
        "zjtx": {"handlers": _log_handlers, "level": ZJTX_LOG_LEVEL},
    },
}
if _log_file:
    Path(_log_file).parent.mkdir(parents=True, exist_ok=True)
    LOGGING["handlers"]["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": _log_file,
        "maxBytes": 10 * 1024 * 1024,
        "backupCount": 10,
        "encoding": "utf-8",
        "formatter": "timestamped",
    }
    _log_handlers.append("file")
