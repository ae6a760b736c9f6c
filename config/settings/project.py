"""The project: secret, apps, middleware, templates, database, languages, files, Wagtail,
e-mail and logging.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.settings.environment import (
    BASE_DIR,
    PRODUCTION,
    TESTING,
    VAR_DIR,
    checkout_secret_key,
    env_bool,
    env_list,
)

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
    "api",
    # The API's framework; listed so its docs page is served from our static files (no CDN).
    "ninja",
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
    # /api/ only: Idempotency-Key on writing POSTs, ETags on reads (api.middleware).
    "api.middleware.ApiConventionsMiddleware",
    # Innermost: a DomainError a view let rise is answered as its refusal (core.refusals).
    "config.middleware.RefusalMiddleware",
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


# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "site" / "locale"]
# English dates day-first on the 24-hour clock (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
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
# The town keeps Shazhou's time: the account page offers no list of the world's zones.
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
# The site's public address (https://shazhou.example.cn). When set, `migrate` and `seed_demo`
# give the default Wagtail Site this hostname and port (cms.sites), so canonical, Open Graph
# and sitemap URLs name it; links in notifications and the admin use it too.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL or "http://127.0.0.1:8000"
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


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Naming "django" drops Django's own console handler: its messages reach the root
        # handler once, not twice (runserver's "Watching for file changes" was printed twice).
        # That resets Django's child loggers too: runserver's request lines keep their own.
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
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
