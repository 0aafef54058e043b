"""Plain Django + django-mptt, as `startproject` makes it: the naive baseline of issue 23.

Run by bench/concurrent_posts.py --site naive (PYTHONPATH=bench, DATABASE_URL set). DEBUG off,
startproject's apps and middleware unchanged.

Connections as Threadline's (config/settings.py): persistent, CONN_MAX_AGE=60 (the same
CONN_MAX_AGE variable), so neither side opens a connection per request. Threadline also health-
checks them, but its backend (config/postgresql) sends nothing while the socket is quiet; Django's
CONN_HEALTH_CHECKS would send a `SELECT 1` per request, so it stays off here (Django's default):
no round trip on either side. Threadline's prepared statements (server_side_binding,
prepare_threshold) are its own tuning, not connection setup: left at Django's default (off).
"""

import os

import dj_database_url

SECRET_KEY = os.environ["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "mptt",
    "naive_site.replies",
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

ROOT_URLCONF = "naive_site.urls"
WSGI_APPLICATION = "naive_site.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60"))
    )
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
