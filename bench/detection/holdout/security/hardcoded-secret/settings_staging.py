"""Staging overrides: https://staging.atlas.example.com (public, used for partner demos)."""

import os

from .settings import *  # noqa: F401,F403
from .settings import INSTALLED_APPS, MIDDLEWARE

# expect: stacktrace-disclosure -- the public staging site shows Django's technical 500 page
DEBUG = True
ALLOWED_HOSTS = ["staging.atlas.example.com", "atlas-staging.fly.dev"]

INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar"]
MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE]
INTERNAL_IPS = ["127.0.0.1"]

# ok: hardcoded-secret -- staging reads its own key from the environment
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

# expect: hardcoded-secret -- the demo superuser password, shared in the channel topic too
DEMO_ADMIN_PASSWORD = "Atlas-Demo-2024!q7"
# ok: hardcoded-secret -- the name of a field, not a value
DEMO_ADMIN_PASSWORD_FIELD = "password"

# ok: hardcoded-secret -- SES credentials come from the task definition
EMAIL_HOST_PASSWORD = os.environ.get("SES_SMTP_PASSWORD", "")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", "redis://localhost:6379/1"),
    }
}
