"""Settings for 芳华议事厅，read from the environment with safe development defaults.

See README.md (Configuration) for every variable.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable (1/true/yes/on)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEV_SECRET_KEY = "dev-insecure-fanghua-do-not-use-in-production"
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY is the development key (or shorter than 50 characters). "
        "Set SECRET_KEY to a long random value."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rules.apps.AutodiscoverRulesConfig",
    "realtime",
    "community",
    "forum",
    "deliberation",
    "axes",
    "ninja",  # serves the API docs' Swagger UI from our own static files (no CDN)
    "csp",
]
# Demo data and `seed_demo` (a production deployment may set DEMO_APP=0 to leave them out).
if env_bool("DEMO_APP", True):
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "community.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "community.middleware.IdleTimeoutMiddleware",  # after auth and messages: it uses both
    "community.submissions.SubmissionOnceMiddleware",  # a form sent twice makes one record
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "community.middleware.PermissionsPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the 锁定 page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.site",
            ],
            # `bj_time`, the one way a template shows a time (community/times.py)
            "builtins": ["community.templatetags.bj_time"],
        },
    }
]

# --- Database: SQLite (WAL) by default, anything dj-database-url understands otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE avoids upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A SQLite connection is a file handle, and opening one runs the PRAGMAs above: keep it
    # for a minute (the websocket rooms' database thread reuses it across commands; Django
    # closes it when older, at the next close_old_connections). PostgreSQL uses the pool below.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SQLITE_CONN_MAX_AGE", "60"))
    # A file (not memory) so that browser tests' daphne subprocess sees the test database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME", str(BASE_DIR / ".test-db.sqlite3"))
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own connection pool (psycopg 3): each thread that needs a connection borrows one
    # and gives it back when Django closes it, so CONN_MAX_AGE must stay 0. One pool per server
    # process: size it so that processes × DB_POOL_MAX_SIZE stays under PostgreSQL's
    # max_connections (docs/operations.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
        "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "10")),
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channels: in-memory layer by default, Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("CHANNEL_PREFIX", "fanghua"),
                "capacity": 1000,
                "expiry": 60,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CHANNEL_PREFIX", "fanghua"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache"
            if env_bool("CACHE_IN_DATABASE", False)
            else "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fanghua_cache",
        }
    }

AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "community.accounts.PhoneCodeBackend",  # a mainland mobile number and a text-message code
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one account,
# or from one address, that account or address is refused for LOGIN_LOCKOUT_MINUTES — on
# /accounts/login/ and /admin/login/ alike. A right password resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "community.views.locked_out"  # the 锁定 page in the site's layout
# The address: the socket's, unless TRUSTED_PROXY_COUNT proxies (nginx in deploy/) stand in front,
# then the one they added to X-Forwarded-For (a header a client sets itself is never trusted).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUSTED_PROXY_COUNT else ["REMOTE_ADDR"]
)

# Sign-up throttle (community/throttle.py, counted in the cache): at most this many new accounts
# per client address (the address rule above) and over the whole site in a clock hour; 0 = no
# limit. A registration morning at the community centre, many phones behind one Wi-Fi, may need
# REGISTRATION_LIMIT_PER_HOUR raised for the day. With several processes the cache must be shared
# (REDIS_URL), or each process counts alone.
REGISTRATION_LIMIT_PER_HOUR = int(os.environ.get("REGISTRATION_LIMIT_PER_HOUR", "10"))
REGISTRATION_LIMIT_TOTAL_PER_HOUR = int(os.environ.get("REGISTRATION_LIMIT_TOTAL_PER_HOUR", "60"))

# A second POST of the same form (community/submissions.py) waits this long for the first to finish.
SUBMISSION_WAIT_SECONDS = float(os.environ.get("SUBMISSION_WAIT_SECONDS", "10"))

# The audit log is kept this many days (never under 183: MLPS level 2 asks for six months).
AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS", "200"))
CSRF_FAILURE_VIEW = "community.views.csrf_failure"  # the 403 page, in Chinese

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Language and time
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files, all served by the app (no CDN).
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The guides' screenshots (docs/guide/img, made by `make guide`) are served as /static/guide/….
STATICFILES_DIRS = [BASE_DIR / "static", ("guide", BASE_DIR / "docs" / "guide" / "img")]
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# The web app manifest (static/manifest.webmanifest) with its registered media type.
WHITENOISE_MIMETYPES = {".webmanifest": "application/manifest+json"}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Email: console by default.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "芳华议事厅 <noreply@fanghua.local>")
# SMTP, when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend (docs/deployment.md).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"

# --- Security: strict when DEBUG is off.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30  # elderly residents should not be logged out daily
# Heads of halls and admins (staff, superusers, federation admins) are signed out after this many
# minutes without a page request (community.middleware.IdleTimeoutMiddleware; 0 switches it off);
# residents keep the long session above. docs/operations.md, "Session idle timeout".
SESSION_IDLE_TIMEOUT_MINUTES = int(os.environ.get("SESSION_IDLE_TIMEOUT_MINUTES", "30"))
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own files — no inline script, no
# CDN; styles may be inline (style attributes on a few templates and the SVG charts); the
# websocket is same-origin ('self' covers ws: and wss: on this host); no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Powerful features the site never uses are switched off for it and anything it embeds.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# --- Text messages (community/sms): console (printed), file (SMS_FILE_PATH, JSON lines), locmem
# (tests) or a provider's backend by dotted path; docs/accounts.md.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / "sms.jsonl"))
# Sign-in codes (community/accounts.py): valid this long, this many wrong tries each, a new one
# after this many seconds; per number and per client address at most so many per hour (0 = none).
SMS_CODE_TTL_SECONDS = int(os.environ.get("SMS_CODE_TTL_SECONDS", "300"))
SMS_CODE_MAX_ATTEMPTS = int(os.environ.get("SMS_CODE_MAX_ATTEMPTS", "5"))
SMS_CODE_RESEND_SECONDS = int(os.environ.get("SMS_CODE_RESEND_SECONDS", "60"))
SMS_CODE_LIMIT_PER_PHONE_PER_HOUR = int(os.environ.get("SMS_CODE_LIMIT_PER_PHONE_PER_HOUR", "5"))
SMS_CODE_LIMIT_PER_IP_PER_HOUR = int(os.environ.get("SMS_CODE_LIMIT_PER_IP_PER_HOUR", "20"))
# A provider's backend (community/sms/aliyun.py): the approved sign name and the template of the
# code message (its one parameter is `code`); the keys come from the environment only.
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
SMS_TEMPLATE_CODE = os.environ.get("SMS_TEMPLATE_CODE", "")
SMS_TIMEOUT_SECONDS = float(os.environ.get("SMS_TIMEOUT_SECONDS", "10"))
ALIYUN_SMS_ACCESS_KEY_ID = os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", "")
ALIYUN_SMS_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", "")
ALIYUN_SMS_ENDPOINT = os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
# The link that verifies an e-mail address stays valid this many days.
EMAIL_VERIFY_DAYS = int(os.environ.get("EMAIL_VERIFY_DAYS", "3"))

# --- The platform's own switches.
FANGHUA = {
    # The hall shown on the home page (slug); the first hall when unset.
    "HOME_HALL": os.environ.get("HOME_HALL", "fanghua"),
    # Seconds between a websocket's presence heartbeats; a connection silent for 3x is gone.
    "PRESENCE_HEARTBEAT": int(os.environ.get("PRESENCE_HEARTBEAT", "30")),
    # Write room frames straight to daphne's sockets (realtime/wire.py) instead of through the
    # ASGI send; `make bench` measures both (docs/benchmarks.md). 0 switches it off.
    "REALTIME_DIRECT_WRITES": env_bool("REALTIME_DIRECT_WRITES", True),
    # The meeting room's lock query written out once and run on a cursor (deliberation/locks.py)
    # instead of a queryset compiled on every command; 0 switches back to the queryset.
    "MEETING_LOCK_RAW_SQL": env_bool("MEETING_LOCK_RAW_SQL", True),
    # A websocket re-authorises at once when a service says the person's access changed
    # (docs/realtime.md); in case that word is lost on the way, it also re-authorises before a
    # command when its last check is older than this many seconds.
    "REALTIME_REAUTHORIZE_SECONDS": int(os.environ.get("REALTIME_REAUTHORIZE_SECONDS", "60")),
}

# --- Notifications (forum/notifications.py, docs/notifications.md).
# The site's address, put before the links in e-mails and text messages ("" = paths only).
SITE_URL = os.environ.get("SITE_URL", "")
# At most this many text messages a day per person; the rest stay in-app (and e-mail).
NOTIFY_SMS_DAILY_CAP = int(os.environ.get("NOTIFY_SMS_DAILY_CAP", "5"))
# An online ballot's closing reminder goes when it ends within this many hours.
NOTIFY_BALLOT_REMINDER_HOURS = int(os.environ.get("NOTIFY_BALLOT_REMINDER_HOURS", "36"))

# The privacy notice (templates/community/privacy_notice.html, docs/privacy.md): raise the
# version when its text changes, and everyone is asked to read and accept it again.
PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-12")
