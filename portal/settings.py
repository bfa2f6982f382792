"""Settings of the International Student Affairs Portal, read from the environment.

PORTAL_ENV chooses the mode:
- "development" (default): SQLite and in-process tasks unless DATABASE_URL / CELERY_BROKER_URL are set,
  console email, DEBUG on.
- "test": like development but quiet and fast (used by pytest).
- "production": refuses to start without a real SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; secure cookies,
  HSTS and SSL redirect; passes `manage.py check --deploy`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

PORTAL_ENV = env.str("PORTAL_ENV", default="development")
if PORTAL_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"PORTAL_ENV must be development, test or production, not {PORTAL_ENV!r}")
PRODUCTION = PORTAL_ENV == "production"

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY or len(set(SECRET_KEY)) < 5):
    # A guessable key lets anyone forge sessions and password-reset links.
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters in production")

DEBUG = env.bool("DEBUG", default=PORTAL_ENV == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the portal's host names in production")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal",
    "registration",
    "residence",
    "fees",
    "academics",
    "discipline",
    "dormitory",
    "scholarships",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.RejectNulCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.ForcePasswordChangeMiddleware",
    "portal.middleware.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

# Database: PostgreSQL in production and in the test suite; SQLite as the embedded default for the demo.
if PRODUCTION and not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'portal.sqlite3'}")}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Reuse connections, and check them before use so a PostgreSQL restart does not surface as errors.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.password_validation.PersonalDataPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth: no self sign-up (staff create accounts), login by student ID / username or email.
ACCOUNT_ADAPTER = "portal.adapters.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# An address with no account gets no mail at all (sign-up does not exist, so there is nothing to invite to).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_MIN_LENGTH = 8
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ISA Portal] "
# Failed logins: 10 a minute from one address, 5 in 5 minutes on one account; the cool-off ends by itself,
# so guessing student IDs can lock an account out for minutes, never for good.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "reset_password": "20/m/ip,5/m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Second factor: staff and admins must set up an authenticator app before any staff page opens.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="ISA Portal")
# On by default; the local demo (development mode) leaves it off so its printed staff logins work at once.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=PORTAL_ENV != "development")

# The first-login key (initial password) stops working this long after the account is created or reissued.
INITIAL_PASSWORD_VALID_DAYS = env.int("INITIAL_PASSWORD_VALID_DAYS", default=14)
# How staff give a student a new way in by default: a fresh initial password, or a one-time activation link.
FIRST_LOGIN_MODE = env.str("FIRST_LOGIN_MODE", default="initial_password")
if FIRST_LOGIN_MODE not in ("initial_password", "activation_link"):
    raise ImproperlyConfigured("FIRST_LOGIN_MODE must be initial_password or activation_link")

# Sessions: idle timeout (renewed on each request), browser-session cookies.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=60 * 60 * 2)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Internationalisation: English and Simplified Chinese.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# Static files are served by WhiteNoise; private files live outside any web root.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "var" / "private")))
if not PRODUCTION:
    # The embedded default keeps its database, collected static files and private files under var/.
    for _folder in (BASE_DIR / "var", STATIC_ROOT, PRIVATE_STORAGE_ROOT):
        _folder.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = PRIVATE_STORAGE_ROOT  # never given a URL: files are served only by permission-checking views
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "portal.storage.PrivateFileStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Evidence uploads.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
EVIDENCE_MAX_PIXELS = env.int("EVIDENCE_MAX_PIXELS", default=40_000_000)
EVIDENCE_MAX_PDF_PAGES = env.int("EVIDENCE_MAX_PDF_PAGES", default=50)
# Total stored evidence per student; a student who reaches it must wait for old uploads to be reviewed or removed.
EVIDENCE_QUOTA_BYTES = env.int("EVIDENCE_QUOTA_BYTES", default=200 * 1024 * 1024)
# Days after a student leaves before their uploaded files are removed (the record that a file existed stays).
EVIDENCE_RETENTION_DAYS = {
    "default": env.int("EVIDENCE_RETENTION_DAYS", default=2 * 365),
    "passport_page": env.int("PASSPORT_SCAN_RETENTION_DAYS", default=365),
    "visa_page": env.int("VISA_SCAN_RETENTION_DAYS", default=365),
}
# Uploads above the in-memory threshold go to a temporary file; the request itself is capped by the web server
# and by Django for non-file fields.
MAX_REQUEST_BYTES = env.int("MAX_REQUEST_BYTES", default=2 * EVIDENCE_MAX_BYTES + 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Email: console in development, SMTP (or any backend) from EMAIL_URL.
_email = env.email_url("EMAIL_URL", default="consolemail://" if not PRODUCTION else "smtp://localhost:25")
vars().update(_email)
# A stalled mail server must not hold a worker (and the notification row it has locked) for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="International College <isa-portal@example.edu.cn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Cache: Redis when configured (shared by all processes: login throttling across web workers, the health canary).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
_CACHE_URL = REDIS_URL or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if _CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if PRODUCTION and not _CACHE_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production: login throttling needs a cache all workers share")

# Celery: Redis as broker; without a broker (demo mode) tasks run in-process.
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
# Periodic jobs; django-celery-beat's DatabaseScheduler copies these into its tables, where admins can adjust them.
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-work": {"task": "portal.tasks.requeue_stalled_work", "schedule": 5 * 60},
    "purge-expired-evidence": {"task": "portal.tasks.evidence_purge_expired", "schedule": 24 * 60 * 60},
    # Residence, visa, passport and insurance reminders (residence.tasks): idempotent and set-based; each run reads
    # the records as they are then, so a document renewed since the last run gets no more reminders.
    "residence-reminders": {
        "task": "residence.tasks.residence_reminders_send",
        "schedule": crontab(hour=8, minute=30),
    },
    # Deferred registration (registration.tasks), both idempotent: the list just after midnight so it shows the new
    # day's listings, the reminders in the morning (local time) so nobody is emailed at night.
    "registration-two-week-lists": {
        "task": "registration.tasks.two_week_lists_refresh",
        "schedule": crontab(hour=0, minute=30),
    },
    "registration-reminders": {
        "task": "registration.tasks.registration_reminders_send",
        "schedule": crontab(hour=8, minute=0),
    },
    # Leaving school (registration.tasks): fees items complete themselves once the ledger is settled; leavers past
    # their move-out day are reminded each morning (both idempotent).
    "clearance-fees-refresh": {"task": "registration.tasks.clearance_refresh_automatic", "schedule": 15 * 60},
    "status-leaves-ended": {"task": "registration.tasks.leaves_ended_refresh", "schedule": crontab(hour=0, minute=45)},
    "clearance-overdue-reminders": {
        "task": "registration.tasks.clearance_overdue_remind",
        "schedule": crontab(hour=8, minute=15),
    },
    # Attendance (registration.tasks): students an attendance rule now applies to are told, once a term each.
    "attendance-notices": {
        "task": "registration.tasks.attendance_notices_send",
        "schedule": crontab(hour=8, minute=45),
    },
}

# REST API: authenticated by default, session and token authentication, one error shape.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.api_permissions.PasswordChanged",
        "portal.api_permissions.SecondFactorForStaff",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "International Student Affairs Portal API",
    "DESCRIPTION": "Students, evidence uploads and their review, notifications and generated documents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.api_permissions.PasswordChanged",
        "portal.api_permissions.SecondFactorForStaff",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: no CDN, and the CSP allows only 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Content Security Policy: our own scripts and styles only; documents from us may not be framed elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_COOKIE_HTTPONLY = True

# The university named on letterheads and emails.
UNIVERSITY_NAME = env.str("UNIVERSITY_NAME", default="Example University")
UNIVERSITY_NAME_ZH = env.str("UNIVERSITY_NAME_ZH", default="示例大学")
COLLEGE_NAME = env.str("COLLEGE_NAME", default="International College")
COLLEGE_NAME_ZH = env.str("COLLEGE_NAME_ZH", default="国际学院")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}

if PORTAL_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("SESSION_ABSOLUTE_TIMEOUT_HOURS", default=12))
