"""Settings for 美丽沙州, read from the environment.

With nothing set, the project runs embedded: SQLite under var/, Celery tasks run
eagerly, a local-memory cache. DATABASE_URL and REDIS_URL switch to PostgreSQL
and Redis; DJANGO_ENV=production turns on the production safeguards.
"""

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import csp.constants as csp
import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def checkout_secret_key(var_dir: Path) -> str:
    """This checkout's own development secret, made on first run and kept in var/.

    var/ is git-ignored, so no key is ever published with the code. Made under a
    temporary name and linked into place, so processes starting together (pytest's
    workers) agree on one key.
    """
    path = var_dir / "secret_key"
    if not path.exists():
        temporary = var_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        temporary.write_text(secrets.token_urlsafe(50))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    return path.read_text().strip()


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = "pytest" in sys.modules or DJANGO_ENV == "test"

if PRODUCTION:
    try:
        SECRET_KEY = os.environ["SECRET_KEY"]
    except KeyError:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: production needs a long random secret in the environment."
        ) from None
    if not os.environ.get("REDIS_URL"):
        raise ImproperlyConfigured(
            "REDIS_URL is not set: production needs Redis for the shared cache, "
            "rate limits and the Celery broker."
        )
else:
    SECRET_KEY = os.environ.get("SECRET_KEY") or checkout_secret_key(VAR_DIR)

DEBUG = env_bool("DEBUG", default=not PRODUCTION and not TESTING)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core",
    "volunteers",
    "points",
    "cms",
    "demo",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # accounts
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

# Social logins are off by default; each is switched on by its own variable
# once the operator has registered the app with WeChat or DingTalk.
SOCIAL_PROVIDERS = {
    "weixin": "allauth.socialaccount.providers.weixin",
    "dingtalk": "allauth.socialaccount.providers.dingtalk",
}
for _provider, _app in SOCIAL_PROVIDERS.items():
    if env_bool(f"{_provider.upper()}_LOGIN", default=False):
        INSTALLED_APPS.append(_app)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the page cache, so a page served from it gets the headers and a fresh nonce.
    "config.security.SiteCSPMiddleware",
    "config.security.PermissionsPolicyMiddleware",
    # Before the session is read: a NUL anywhere in a request is a 400, never a 500.
    "config.security.RefuseNulMiddleware",
    # The database away: a Chinese 503 page instead of a 500; a job that cannot be queued
    # tells the person who caused it (config.resilience). Before the sessions.
    "config.resilience.ResilienceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Answers anonymous GETs of Wagtail pages from the cache before any URL is resolved
    # (after the locale, which is part of the key, and inside CSRF, which sets the cookie).
    "cms.cache.AnonymousPageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, eager tasks and tests share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database host answers a Chinese 503 in seconds (config.resilience).
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "volunteers.User"

# --- Cache, rate limits, Celery --------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and TESTING and os.environ.get("PYTEST_XDIST_WORKER"):
    # Tests clear the cache between tests, and a Redis clear flushes a whole database:
    # each parallel test worker (gw0, gw1, …) gets a database of its own, counting down.
    _worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
    _url = urlsplit(REDIS_URL)
    _base = int(_url.path.strip("/") or 0)
    REDIS_URL = urlunsplit(_url._replace(path=f"/{(_base - _worker) % 16}"))
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, keeping one redis-py client per pool (config/cache.py).
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_PREFIX", "shazhou"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache (Redis in production) and written through to the
# database: a signed-in page costs one query less, and a flushed cache logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker the embedded default runs each task in-process, at once.
# Tests run tasks eagerly too; the worker integration test starts a real worker itself.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or TESTING
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message a lost worker had taken comes back after this many seconds (Redis has no
# real acks). Longer than the longest task; the worker integration test shortens it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "unacked_restore_interval": int(os.environ.get("CELERY_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": int(os.environ.get("CELERY_RESTORE_THROTTLE", "10")),
    # A broker that hangs must not hold a request for minutes (without these it held it
    # for good; with them, 5 s at most, and volunteers.jobs records the job).
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# Nothing reads a job's result; storing them made queueing hang when Redis was away.
CELERY_TASK_IGNORE_RESULT = True
# Every periodic job, in one place: celery beat reads it in production, and
# `manage.py run_periodic_jobs` (started by `make run`) runs it in-process without Redis.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "volunteers.tasks.heartbeat", "schedule": 60.0},
    "close-open-attendances": {
        "task": "volunteers.tasks.close_open_attendances",
        "schedule": 60.0,
    },
    # Last month's rankings are frozen for 公示 at 01:00 on the 1st (CELERY_TIMEZONE: Shanghai).
    "publish-monthly-rankings": {
        "task": "points.tasks.publish_monthly_rankings",
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
    "finish-due-activities": {
        "task": "volunteers.tasks.finish_due_activities",
        "schedule": 300.0,
    },
    "send-due-reminders": {"task": "volunteers.tasks.send_due_reminders", "schedule": 300.0},
    # 1 January, 00:30 Shanghai time: points past their validity expire, where the rules say so.
    "expire-points": {
        "task": "volunteers.tasks.expire_points",
        "schedule": crontab(minute=30, hour=0, day_of_month=1, month_of_year=1),
    },
}
CELERY_BEAT_SCHEDULE["remove-unverified-signups"] = {
    "task": "volunteers.tasks.remove_unverified_signups",
    "schedule": 3600.0,
}
# Background exports (personal data) are kept this many days, then deleted by a daily job.
EXPORT_RETENTION_DAYS = int(os.environ.get("EXPORT_RETENTION_DAYS", "7"))
CELERY_BEAT_SCHEDULE["expire-old-exports"] = {
    "task": "volunteers.tasks.expire_old_exports",
    "schedule": crontab(minute=15, hour=3),  # daily, 03:15 Shanghai
}
# /health/ calls the beat stale (503) when its heartbeat is older than this.
HEALTH_BEAT_MAX_AGE = int(os.environ.get("HEALTH_BEAT_MAX_AGE", "300"))
# Test-only: seconds a finishing job waits after each attendance, so the worker
# integration test can kill a worker mid-task. Never set in production.
TASK_TEST_PAUSE_SECONDS = 0.0 if PRODUCTION else float(os.environ.get("TASK_TEST_PAUSE", "0"))
# Minutes after an activity's end before open attendances are closed automatically.
CHECKOUT_GRACE_MINUTES = int(os.environ.get("CHECKOUT_GRACE_MINUTES", "30"))

# --- Auth and accounts ------------------------------------------------------
# One way in: allauth's backend (with a sign-up waiting for its code); the Wagtail and
# Django admin logins redirect to allauth's login (config/urls.py).
AUTHENTICATION_BACKENDS = ["volunteers.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "volunteers:me"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "volunteers.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"phone", "username"}
# No username at sign-up: a random one is made (volunteers.accounts), so the form cannot
# tell anyone which usernames exist. People log in with their phone.
ACCOUNT_SIGNUP_FIELDS = ["phone*", "email", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "volunteers.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_PREVENT_ENUMERATION = True
# Forgotten passwords are reset with a code sent by SMS (volunteers.accounts).
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
# Logging in with an SMS code: the way in for a phone whose password login is locked by
# someone else's failures, and for anyone who forgot the password.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_FORMS = {
    "login": "volunteers.accounts.forms.LoginForm",
    "signup": "volunteers.accounts.forms.SignupForm",
    "verify_phone": "volunteers.accounts.forms.VerifyPhoneForm",
    "reset_password": "volunteers.accounts.forms.PhonePasswordResetForm",
    "confirm_password_reset_code": "volunteers.accounts.forms.ConfirmPasswordResetCodeForm",
    "confirm_login_code": "volunteers.accounts.forms.ConfirmLoginCodeForm",
}
# Each SMS costs money and can be aimed at a stranger's phone: at most one a
# minute and five an hour per number in each flow.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "verify_phone": "1/m/key,5/h/key,20/m/ip",
    "reset_password": "20/m/ip,1/m/key,5/h/key",
    "request_login_code": "20/m/ip,1/m/key,5/h/key",
}
# SMS to numbers that belong to no account (sign-up codes, "no account for this number"
# notices): at most this many per client address per hour and per day, and per day for
# the whole site, on top of the per-number limits above.
SMS_UNKNOWN_NUMBER_CAPS = tuple(
    int(n) for n in os.environ.get("SMS_UNKNOWN_NUMBER_CAPS", "5,20,2000").split(",")
)
# Rate limits count per client IP: behind the load balancer, say how many proxies
# in X-Forwarded-For are ours, or every visitor shares the balancer's address.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {
        "APP": {
            "client_id": os.environ.get("WEIXIN_APP_ID", ""),
            "secret": os.environ.get("WEIXIN_APP_SECRET", ""),
        },
        "SCOPE": ["snsapi_login"],
    },
    "dingtalk": {
        "APP": {
            "client_id": os.environ.get("DINGTALK_APP_ID", ""),
            "secret": os.environ.get("DINGTALK_APP_SECRET", ""),
        },
    },
}

# SMS goes through a backend interface; the development backend logs the code.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "core.sms.LoggingSMSBackend")

# Protects stored ID numbers; falls back to one derived from SECRET_KEY.
ID_NUMBER_KEY = os.environ.get("ID_NUMBER_KEY", "")

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "site" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "site" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Files with personal data (background exports): never under MEDIA_ROOT, which nginx
# serves to anyone; a view checks who asks. Shared storage when workers are separate nodes.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# 志愿服务记录证明 PDFs embed a Chinese font from the machine. Empty: ask fontconfig for
# Noto Sans CJK SC (Debian's fonts-noto-cjk). Or a .ttf/.otf/.ttc file, with the face's
# index inside a .ttc collection.
CERTIFICATE_FONT = os.environ.get("CERTIFICATE_FONT", "")
CERTIFICATE_FONT_INDEX = int(os.environ.get("CERTIFICATE_FONT_INDEX") or 0)

# --- Wagtail ----------------------------------------------------------------
WAGTAIL_SITE_NAME = "美丽沙州"
# Staff log in where everyone does (allauth: SMS-proven phones, rate limits); Wagtail's
# own login and its e-mail password reset would be a second way in.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "txt"]
# Anonymous visitors get Wagtail pages from the cache for this long at most; publishing
# purges at once (cms.cache). 0 turns the page cache off.
CMS_PAGE_CACHE_SECONDS = int(os.environ.get("CMS_PAGE_CACHE_SECONDS", "300"))

# --- Benchmarks -------------------------------------------------------------
# `make bench` sets BENCH=1 on its own loopback servers to route /bench/bare, the
# cheapest request this stack serves, which the measured requests are compared with.
# Off unless asked for, in production as everywhere.
BENCH_ENABLED = env_bool("BENCH", default=False)

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "美丽沙州 <noreply@shazhou.local>")

# --- Security ---------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp, config.security.SiteCSPMiddleware): everything from
# this site; an inline <script> or <style> runs only with the response's nonce
# ({{ request.csp_nonce }}), so injected markup cannot run script. Pictures may also be
# data: URLs (the favicon); QR codes are inline <svg> or PNGs from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        # 500.html keeps its styles inline (it is rendered with no request, so no nonce):
        # the hash of that <style> element; tests/test_security_headers.py recomputes it.
        "style-src": [
            csp.SELF,
            csp.NONCE,
            "'sha256-J4zQnm5RnfEOpyph4H87ocFP8BbEuWKlWPd93oNMzzA='",
        ],
        "img-src": [csp.SELF, "data:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
# The Wagtail admin (and its previews) writes inline scripts and styles, evaluates chooser
# markup and previews uploads from blob: URLs; its own, looser policy, chosen by path
# (config.security explains why not per view). Nothing outside these paths gets it.
CSP_ADMIN_PATHS = ["/admin/"]
CSP_ADMIN_DIRECTIVES = {
    "script-src": [csp.SELF, csp.UNSAFE_INLINE, csp.UNSAFE_EVAL],
    "style-src": [csp.SELF, csp.UNSAFE_INLINE],
    "img-src": [csp.SELF, "data:", "blob:"],
    "frame-ancestors": [csp.SELF],  # the editor's live preview frames the page
}
# Permissions-Policy (config.security.PermissionsPolicyMiddleware): off everywhere, on for
# this site only on the pages that ask, by URL name.
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
    "usb": [],
}
PERMISSIONS_POLICY_VIEWS = {
    # The organiser's phone reads volunteers' codes with its camera.
    "volunteers:checkin_scanner": {"camera": ["self"]},
    # The QR's landing page asks where the phone is when the activity has a geofence.
    "volunteers:checkin_scan": {"geolocation": ["self"]},
}
# The admin's dashboard would ask releases.wagtail.io for new versions: no calls from
# the browser to hosts outside the site.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Wagtail marks its own preview views SAMEORIGIN, so everything else can refuse framing.
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "shazhou.sms": {"level": "INFO"},
        # Wagtail logs every revision at INFO; the demo seed publishes hundreds.
        "wagtail": {"level": os.environ.get("WAGTAIL_LOG_LEVEL", "WARNING")},
        "celery": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # The in-memory broker of the embedded default has no hostname, and kombu says so.
        "kombu": {"level": "ERROR"},
    },
}
