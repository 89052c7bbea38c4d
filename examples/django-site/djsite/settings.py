"""Settings of the side-by-side Django site, chosen by environment variables.

DJSITE_SECRET_KEY     Django's SECRET_KEY (required): the Go service must use
                      the same one.
DJSITE_ENGINE         the session engine: db (default), cache, cached_db,
                      file or signed_cookies.
DJSITE_DATABASE       the database of auth_user (and of django_session for db
                      and cached_db): a SQLite file path (default
                      ./djsite.sqlite3) or a postgres://user@host:port/name URL.
DJSITE_CACHE          the cache of the cache and cached_db engines:
                      redis://host:port/db (django-redis) or
                      memcache://host:port (PyMemcacheCache).
DJSITE_SESSION_DIR    SESSION_FILE_PATH of the file engine.
DJSITE_DEBUG          "1" for DEBUG = True.
DJSITE_PBKDF2_ITERATIONS  the PBKDF2 count of new password hashes (default
                      Django 3.2's 260000; the tests lower it).

Both sites must be reached on the same host name (cookies are per host,
not per port): ALLOWED_HOSTS is 127.0.0.1 and localhost.
"""
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def _required(name):
    value = os.environ.get(name, "")
    if not value:
        raise SystemExit(f"djsite: set {name} (the SECRET_KEY shared with the Go service)")
    return value


SECRET_KEY = _required("DJSITE_SECRET_KEY")
DEBUG = os.environ.get("DJSITE_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "djsite",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "djsite.urls"
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
            ],
        },
    },
]
WSGI_APPLICATION = "djsite.wsgi.application"


def _database(value):
    if value.startswith(("postgres://", "postgresql://")):
        u = urlsplit(value)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": u.path.lstrip("/"),
            "USER": unquote(u.username or ""),
            "PASSWORD": unquote(u.password or ""),
            "HOST": u.hostname or "",
            "PORT": str(u.port or ""),
            # ?sslmode=disable and the like, as libpq reads them
            "OPTIONS": {k: v[-1] for k, v in parse_qs(u.query).items()},
        }
    if value.startswith("mysql://"):
        u = urlsplit(value)
        return {
            "ENGINE": "django.db.backends.mysql",  # MySQL or MariaDB, through mysqlclient
            "NAME": u.path.lstrip("/"),
            "USER": unquote(u.username or ""),
            "PASSWORD": unquote(u.password or ""),
            "HOST": u.hostname or "",
            "PORT": str(u.port or ""),
            "OPTIONS": {"charset": "utf8mb4"},
        }
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": value}


DATABASES = {"default": _database(os.environ.get("DJSITE_DATABASE") or str(BASE_DIR / "djsite.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"


def _cache(value):
    if value.startswith("redis://"):
        # django-redis pickles the session dict, as the Go store's pickle codec reads it.
        return {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": value}
    if value.startswith("memcache://"):
        return {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": value[len("memcache://"):],
        }
    if value:
        raise SystemExit(f"djsite: DJSITE_CACHE={value!r}: use redis://host:port/db or memcache://host:port")
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


CACHES = {"default": _cache(os.environ.get("DJSITE_CACHE", ""))}

_ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
    "file": "django.contrib.sessions.backends.file",
    "signed_cookies": "django.contrib.sessions.backends.signed_cookies",
}
_engine = os.environ.get("DJSITE_ENGINE") or "db"
if _engine not in _ENGINES:
    raise SystemExit(f"djsite: DJSITE_ENGINE={_engine!r}: choose one of {', '.join(_ENGINES)}")
if _engine in ("cache", "cached_db") and not os.environ.get("DJSITE_CACHE"):
    raise SystemExit(f"djsite: DJSITE_ENGINE={_engine} shares nothing without DJSITE_CACHE (redis:// or memcache://)")
SESSION_ENGINE = _ENGINES[_engine]
if _engine == "file":
    SESSION_FILE_PATH = os.environ.get("DJSITE_SESSION_DIR") or None
# Django 3.2's default; said here because the Go side decodes JSON only.
SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"

# The Go stores keep times in UTC; 3.2's startproject default is USE_TZ = True
# too, but Django's global default is False.
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False

# pbkdf2_sha256, Django's default, with the count of DJSITE_PBKDF2_ITERATIONS.
PASSWORD_HASHERS = ["djsite.hashers.PBKDF2SHA256"]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# The messages live in the session, so that they cross to the Go side's
# session too (the cookie storage would keep them in a cookie of their own).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Errors reach the console without DEBUG (Django's own console handler
    # needs DEBUG = True).
    "loggers": {"django": {"handlers": ["console"], "level": "WARNING", "propagate": False}},
}
