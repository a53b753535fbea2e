"""Django settings for the ``atlas`` project (production defaults).

Environment-specific overrides live in ``settings_staging.py`` / ``settings_local.py``.
Values that differ per deployment are read from the environment; see ``.env.example``.
"""

import os
import ssl
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# expect: hardcoded-secret -- the generated key was never moved out of the file
SECRET_KEY = "django-insecure-t8#q2v!k@9w$z3m^r7p&x1n*c5b(e0j)h6g+y4u=s2d-a8f"
# ok: hardcoded-secret -- rotated key list comes from the environment
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

# ok: stacktrace-disclosure -- off unless the environment turns it on
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "atlas.example.com")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_elasticsearch_dsl",
    "atlas.accounts",
    "atlas.catalog",
    "atlas.orders",
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

# ok: hardcoded-secret -- credentials come from the environment (empty default)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "atlas"),
        "USER": os.environ.get("DB_USER", "atlas"),
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
        "HOST": os.environ.get("DB_HOST", "localhost"),
        "PORT": os.environ.get("DB_PORT", "5432"),
        "CONN_MAX_AGE": 60,
    },
}
# expect: hardcoded-secret -- read-only replica "does not need a secret store"
DATABASES["reporting"] = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "atlas_reporting",
    "USER": "reporting_ro",
    "PASSWORD": "Rp0rt!ng-7vQ2#kLm",
    "HOST": "reporting-replica.internal.example.com",
    "PORT": "5432",
}

# expect: weak-crypto -- unsalted MD5 first in the list: new passwords are hashed with it
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# ok: hardcoded-secret -- validator class names, not passwords
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# ok: hardcoded-secret -- a header name
CSRF_HEADER_NAME = "HTTP_X_CSRFTOKEN"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "email-smtp.eu-west-1.amazonaws.com"
EMAIL_PORT = 587
EMAIL_USE_TLS = True
EMAIL_HOST_USER = os.environ.get("SES_SMTP_USER", "")
# expect: hardcoded-secret
EMAIL_HOST_PASSWORD = "BLm2q9XcV7nR0tYk4Wz8Jp3Hs6Df1Ga5Eu2Ci7Ox9Nb"

AWS_STORAGE_BUCKET_NAME = "atlas-media-prod"
AWS_S3_REGION_NAME = "eu-west-1"
# expect: hardcoded-secret @aws
AWS_ACCESS_KEY_ID = "AKIA4QZ7MXN2TRB5KV3L"
# expect: hardcoded-secret @aws
AWS_SECRET_ACCESS_KEY = "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"

# ok: hardcoded-secret -- publishable keys are meant to be shipped to browsers
STRIPE_PUBLISHABLE_KEY = "pk_live_51NqXb2KfR8vLmT3pYw0cZa7dHs4GjU9eQ1iOoP6xVbN2mC5rE8tW0yA3uI7kJ4hD"
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")

GITHUB_ORG = "atlas-shop"
# expect: hardcoded-secret
GITHUB_TOKEN = "ghp_R4nD0mL00k1ngT0k3nV4lu3Xy9Zq2Wm5Kp8Jb"
# ok: hardcoded-secret -- client id is public, token_url is an endpoint, secret from env
GOOGLE_OAUTH = {
    "client_id": "812345678901-abcdefghijklmnop.apps.googleusercontent.com",
    "token_url": "https://oauth2.googleapis.com/token",
    "client_secret": os.environ.get("GOOGLE_CLIENT_SECRET", ""),
}

# expect: tls-verify-disabled
ELASTICSEARCH_DSL = {
    "default": {
        "hosts": env_list("ES_HOSTS", "https://search.internal.example.com:9200"),
        "http_auth": ("atlas", os.environ.get("ES_PASSWORD", "")),
        "verify_certs": False,
    },
}
# ok: tls-verify-disabled -- pinned to the internal CA
ELASTICSEARCH_DSL["analytics"] = {
    "hosts": ["https://analytics-es.internal.example.com:9200"],
    "verify_certs": True,
    "ca_certs": "/etc/ssl/certs/internal-ca.pem",
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "rediss://cache.internal.example.com:6380/0")
# expect: tls-verify-disabled -- broker certificate never checked
CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_NONE}
# ok: tls-verify-disabled
CELERY_REDIS_BACKEND_USE_SSL = {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": "/etc/ssl/certs/internal-ca.pem"}

# expect: hardcoded-secret -- signing key embedded in the settings module
JWT_AUTH = {
    "ALGORITHM": "RS256",
    "AUDIENCE": "atlas-api",
    "ISSUER": "https://auth.example.com/",
    "PRIVATE_KEY": """-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAx3Jq8fQ2kZ9vR1mN7tL4pW0cY6bH5sD2gA8eU3iO1jK9xV7n
Ty4Rz2Lm8Qp5Ws1Xk7Vb3Nc9Hd6Fg0Ja2Ue4Io8Pl1Ks5Mr7Tz3Yb9Xn6Cv2Bq4D
-----END RSA PRIVATE KEY-----""",
    "PUBLIC_KEY_PATH": str(BASE_DIR / "keys" / "jwt_public.pem"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
