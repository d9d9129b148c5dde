"""Django settings, all from the environment.

Safe defaults for development (SQLite beside the project, DEBUG on only when asked);
strict parsers that stop the process on a bad value rather than run misconfigured.
Secrets may come from a file named by `<NAME>_FILE` (container and systemd credentials).
A missing secret does not stop the settings from loading, so that commands that need none
(`custodiet scan` without `--import`) run without them; it is listed in
CUSTODIET_MISSING_SECRETS, and the web server (`custodiet.wsgi`) and every command that
needs one (`custodiet.cli`) refuse to start while it is missing, naming it.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from custodiet.accounts.rates import Rate
from custodiet.policy.calendar import CalendarError, closing_days
from custodiet.policy.facts.gather import AGENCY_KINDS
from custodiet.policy.packs import available_packs
from custodiet.web import static_headers

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("CUSTODIET_HOME", Path.cwd()))


def env(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name}: {exc}") from None
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = env(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use true or false")


def envint(name: str, default: str) -> int:
    value = env(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: must be a whole number") from None


def envdate(name: str, default: str) -> dt.date:
    value = env(name, default)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: write a date as YYYY-MM-DD") from None
    if day.year < 1900:
        raise ImproperlyConfigured(f"{name}={value!r}: must be 1900 or later")
    return day


def envrate(name: str, default: str) -> Rate:
    return Rate.parse(name, env(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = envbool("CUSTODIET_DEBUG", "false")
# Fixed stand-ins for the secrets, only when asked for (tests, local development).
_DEVELOPMENT_KEYS = DEBUG or envbool("CUSTODIET_INSECURE_DEV_KEY", "false")
# Each secret that is not set, with the one line that says so and how to set it.
CUSTODIET_MISSING_SECRETS: dict[str, str] = {}


def secret(name: str, development: str) -> str:
    """The secret `name` (or the file `name_FILE` names); the stand-in `development` when
    development keys were asked for; else "", with `name` listed as missing."""
    value = env(name)
    if value:
        return value
    if _DEVELOPMENT_KEYS:
        return development
    CUSTODIET_MISSING_SECRETS[name] = (
        f"{name} is not set: set it, or {name}_FILE to a file holding it "
        "(after `make demo`: . .demo/env)"
    )
    return ""


# Empty when missing: Django then refuses any use of it (signing a session, say).
SECRET_KEY = secret("CUSTODIET_SECRET_KEY", "development-only-key-never-used-in-production")

ALLOWED_HOSTS = envlist("CUSTODIET_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CUSTODIET_CSRF_TRUSTED_ORIGINS", "")
# A form whose token no longer matches gets a page saying so (the other errors' pages are
# the handlers in custodiet.urls).
CSRF_FAILURE_VIEW = "custodiet.web.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "custodiet.accounts",
    "custodiet.records",
    "custodiet.ledger",
    "custodiet.cases",
    "custodiet.reports",
    "custodiet.partners",
    "custodiet.reminders",
    "custodiet.monitor",
    "custodiet.directory",
    "custodiet.jobs",
    "custodiet.oversight",
    "custodiet.api",
    "custodiet.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "custodiet.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "custodiet.urls"
WSGI_APPLICATION = "custodiet.wsgi.application"

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
                "custodiet.web.context_processors.version",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{PROJECT_DIR / 'custodiet.sqlite3'}",
        conn_max_age=envint("CUSTODIET_DB_CONN_MAX_AGE", "60"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE takes the write lock at
    # BEGIN so concurrent writers queue instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes): after CUSTODIET_LOGIN_ATTEMPTS wrong passwords for one
# username from one address, that pair is refused for CUSTODIET_LOGIN_COOLOFF_MINUTES, even
# with the right password. Tries during the pause do not extend it; a sign-in clears the count.
AUTHENTICATION_BACKENDS = [
    "custodiet.accounts.backends.ThrottledSignIn",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("CUSTODIET_LOGIN_ATTEMPTS", "5")
_login_cooloff_minutes = envint("CUSTODIET_LOGIN_COOLOFF_MINUTES", "15")
if AXES_FAILURE_LIMIT < 1 or _login_cooloff_minutes < 1:
    raise ImproperlyConfigured(
        "CUSTODIET_LOGIN_ATTEMPTS and CUSTODIET_LOGIN_COOLOFF_MINUTES must be at least 1"
    )
AXES_COOLOFF_TIME = _login_cooloff_minutes / 60  # axes reads a number as hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "custodiet.accounts.views.locked_out"

# Second factor (django-otp, TOTP): the name authenticator apps show beside the codes.
# Who must use one is CUSTODIET_REQUIRE_2FA, below, and the role (Membership).
OTP_TOTP_ISSUER = env("CUSTODIET_TOTP_ISSUER", "Custodiet")

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("CUSTODIET_TIME_ZONE", "America/Denver")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("CUSTODIET_STATIC_ROOT", str(PROJECT_DIR / ".static")))
STORAGES = {
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Static files carry the pages' security headers (the rest come from SecurityMiddleware).
WHITENOISE_ADD_HEADERS_FUNCTION = static_headers.add_headers

# Sessions and cookies: HTTPS-only unless explicitly running plain HTTP locally.
SECURE = envbool("CUSTODIET_SECURE", "true")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = envint("CUSTODIET_SESSION_SECONDS", str(8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_SSL_REDIRECT = SECURE and envbool("CUSTODIET_SSL_REDIRECT", "true")
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_HSTS_SECONDS = envint("CUSTODIET_HSTS_SECONDS", "31536000") if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("CUSTODIET_MAX_REQUEST_BYTES", str(2 * 1024 * 1024))

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Policy: the pack that decides, and what this deployment authorizes.
CUSTODIET_POLICY_PACK = env("CUSTODIET_POLICY_PACK", "us-co")
if CUSTODIET_POLICY_PACK not in available_packs():
    raise ImproperlyConfigured(
        f"CUSTODIET_POLICY_PACK={CUSTODIET_POLICY_PACK!r}: use one of "
        f"{', '.join(available_packs())}"
    )
# The days the agency is closed beyond its state's public holidays, which business-day
# deadlines skip ("2026-12-24,2026-12-31"): read here so that a typo stops the server.
try:
    CUSTODIET_CLOSING_DAYS = closing_days()
except CalendarError as exc:
    raise ImproperlyConfigured(str(exc)) from None
# The kind of body this deployment serves, which chooses the laws that bind it (policy
# pack layers): checked here so that a wrong value stops the server, not each decision.
CUSTODIET_AGENCY_KIND = env("CUSTODIET_AGENCY_KIND", "state")
if CUSTODIET_AGENCY_KIND not in AGENCY_KINDS:
    raise ImproperlyConfigured(
        f"CUSTODIET_AGENCY_KIND={CUSTODIET_AGENCY_KIND!r}: use one of {', '.join(AGENCY_KINDS)}"
    )

# Workflow: where links in notices point, and whether approvers need a second factor.
CUSTODIET_BASE_URL = env("CUSTODIET_BASE_URL", "http://127.0.0.1:8000")
CUSTODIET_REQUIRE_2FA = envbool("CUSTODIET_REQUIRE_2FA", "false")

# Mail: supervisors' notices and reminders.
EMAIL_BACKEND = env("CUSTODIET_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("CUSTODIET_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("CUSTODIET_EMAIL_PORT", "25")
EMAIL_HOST_USER = env("CUSTODIET_EMAIL_USER")
EMAIL_HOST_PASSWORD = env("CUSTODIET_EMAIL_PASSWORD")
EMAIL_USE_TLS = envbool("CUSTODIET_EMAIL_TLS", "false")
DEFAULT_FROM_EMAIL = env("CUSTODIET_EMAIL_FROM", "custodiet@localhost")
# A mail server that hangs must not hold a transaction (on SQLite, the write lock) open.
EMAIL_TIMEOUT = envint("CUSTODIET_EMAIL_TIMEOUT", "20")

# Ledger: the checkpoint signing key (written by `custodiet ledger keygen`), the log's
# name in its checkpoints, and the key for the keyed hashes that stand in for personal
# data in ledger leaves. Changing the hash key makes old leaves unverifiable: keep it.
CUSTODIET_LOG_KEY_FILE = Path(env("CUSTODIET_LOG_KEY_FILE", str(PROJECT_DIR / "custodiet-log.key")))
CUSTODIET_LOG_ORIGIN = env("CUSTODIET_LOG_ORIGIN", "custodiet.invalid/ledger")
# How leaves get their positions in the log (custodiet.ledger.sequencer): "inline", in the
# event's own transaction, one writer at a time (the demo, SQLite, a clerk's office); or
# "separate": the event's transaction writes its leaf only, and `custodiet ledger sequence`,
# running beside the server, integrates them in batches (PostgreSQL with automated
# channels). A leaf waiting longer than CUSTODIET_LEDGER_PENDING_SECONDS fails `verify`.
CUSTODIET_LEDGER_SEQUENCER = env("CUSTODIET_LEDGER_SEQUENCER", "inline")
if CUSTODIET_LEDGER_SEQUENCER not in ("inline", "separate"):
    raise ImproperlyConfigured(
        f"CUSTODIET_LEDGER_SEQUENCER={CUSTODIET_LEDGER_SEQUENCER!r}: use inline or separate"
    )
CUSTODIET_LEDGER_PENDING_SECONDS = envint("CUSTODIET_LEDGER_PENDING_SECONDS", "10")
if CUSTODIET_LEDGER_PENDING_SECONDS < 1:
    raise ImproperlyConfigured("CUSTODIET_LEDGER_PENDING_SECONDS must be at least 1")
# Empty when missing: the ledger then refuses to make a leaf (custodiet.ledger.store).
CUSTODIET_PII_HASH_KEY = secret("CUSTODIET_PII_HASH_KEY", "development-only-pii-hash-key").encode()

# Reports: where the agency keeps the bundles it builds for the Governor's office; the
# office's own configuration (oversight.toml: its store of accepted reports, trusted
# witness keys and agencies' log keys), read by its pages and the public transparency
# report; and the smallest count the public report shows as a number.
CUSTODIET_REPORTS_DIR = Path(env("CUSTODIET_REPORTS_DIR", str(PROJECT_DIR / "reports")))
_oversight_config = env("CUSTODIET_OVERSIGHT_CONFIG")
CUSTODIET_OVERSIGHT_CONFIG = Path(_oversight_config) if _oversight_config else None
# The witnesses a report's checkpoint is sent to when the web builds it (their submission
# prefixes, comma-separated) and their keys (vkey text or files): the Governor's office
# accepts a report only if its witness cosigned the checkpoint.
CUSTODIET_WITNESS_URLS = [
    u.strip() for u in env("CUSTODIET_WITNESS_URLS", "").split(",") if u.strip()
]
CUSTODIET_WITNESS_KEYS = [
    k.strip() for k in env("CUSTODIET_WITNESS_KEYS", "").split(",") if k.strip()
]
CUSTODIET_PUBLIC_MIN_COUNT = envint("CUSTODIET_PUBLIC_MIN_COUNT", "5")
if CUSTODIET_PUBLIC_MIN_COUNT < 1:
    raise ImproperlyConfigured("CUSTODIET_PUBLIC_MIN_COUNT must be 1 or more")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"without_fonttools_notice": {"()": "custodiet.logfilters.WithoutFontToolsNotice"}},
    "root": {"handlers": ["console"], "level": env("CUSTODIET_LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every step of every letter at INFO, and without HarfBuzz's
    # subsetter warns once per font of every PDF (custodiet.logfilters).
    "loggers": {
        "weasyprint": {"level": "WARNING", "filters": ["without_fonttools_notice"]},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Requests: when a request may say it arrived. Later than now by more than the clock skew,
# or before the agency's records begin, is refused naming `received_at`.
CUSTODIET_CLOCK_SKEW = dt.timedelta(minutes=envint("CUSTODIET_CLOCK_SKEW_MINUTES", "10"))
CUSTODIET_EARLIEST_RECEIVED = envdate("CUSTODIET_EARLIEST_RECEIVED", "1990-01-01")
if dt.timedelta(0) > CUSTODIET_CLOCK_SKEW:
    raise ImproperlyConfigured("CUSTODIET_CLOCK_SKEW_MINUTES must not be negative")

# Rate limits (429 with Retry-After past them): API calls per partner token and per client
# address, and uploads of documents per person and per address, counted in a table every
# worker shares. Behind proxies, CUSTODIET_PROXY_COUNT says how many, so that the client's
# address is read from X-Forwarded-For (by sign-in throttling too).
CUSTODIET_API_RATE = envrate("CUSTODIET_API_RATE", "600/minute")
CUSTODIET_API_ADDRESS_RATE = envrate("CUSTODIET_API_ADDRESS_RATE", "1200/minute")
CUSTODIET_UPLOAD_RATE = envrate("CUSTODIET_UPLOAD_RATE", "20/minute")
# The largest report bundle the Governor's office's page takes in one upload; past it the
# upload is refused while it arrives, and nothing of it is written out.
CUSTODIET_BUNDLE_UPLOAD_MAX_MB = envint("CUSTODIET_BUNDLE_UPLOAD_MAX_MB", "200")
if CUSTODIET_BUNDLE_UPLOAD_MAX_MB < 1:
    raise ImproperlyConfigured("CUSTODIET_BUNDLE_UPLOAD_MAX_MB must be 1 or more")
CUSTODIET_PROXY_COUNT = envint("CUSTODIET_PROXY_COUNT", "0")
if CUSTODIET_PROXY_COUNT < 0:
    raise ImproperlyConfigured("CUSTODIET_PROXY_COUNT must not be negative")
AXES_CLIENT_IP_CALLABLE = "custodiet.accounts.ratelimit.client_address"
