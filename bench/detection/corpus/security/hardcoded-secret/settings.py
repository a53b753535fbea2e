"""Application settings for the billing service.

Values are read from the environment where possible; a few defaults are kept here so the
service starts without any configuration on a developer laptop.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# expect: hardcoded-secret
SECRET_KEY = "django-insecure-7f#k2$w9!qz@x3m^v8l&p0r*e6t(y1u)i4o_a5s+d"

# ok: hardcoded-secret -- read from the environment
SIGNING_KEY = os.environ["BILLING_SIGNING_KEY"]

DEBUG = False
ALLOWED_HOSTS = ["billing.internal.example.com"]

# expect: hardcoded-secret
DATABASE_URL = os.environ.get(
    "DATABASE_URL", "postgresql://billing:Wq8#vLp2!xRt@db-primary.internal:5432/billing"
)

# ok: hardcoded-secret -- no credentials in the default URL
CACHE_URL = os.environ.get("CACHE_URL", "redis://localhost:6379/0")

# expect: hardcoded-secret
AWS_ACCESS_KEY_ID = "AKIAUJZDEGXDNCF32EPF"
# expect: hardcoded-secret
AWS_SECRET_ACCESS_KEY = "2hpChYgCfrL1spNxnyVmihA+2O76UMFxFkM+R5Kj"
AWS_STORAGE_BUCKET_NAME = "billing-invoices-prod"

# ok: hardcoded-secret -- AWS's documented example key id, not a credential
EXAMPLE_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"

# ok: hardcoded-secret -- publishable keys are meant to ship to browsers
STRIPE_PUBLISHABLE_KEY = "pk_live_FdnXsiVpzz63FfkCzJr4i0B3"

# expect: hardcoded-secret
STRIPE = {
    "publishable_key": STRIPE_PUBLISHABLE_KEY,
    "secret_key": "sk_live_QedUStPKR0CsTy4Qwb8DwkNh",
    "webhook_secret": os.getenv("STRIPE_WEBHOOK_SECRET", ""),
}

# ok: hardcoded-secret -- a placeholder the README tells you to replace
SENDGRID_API_KEY = os.getenv("SENDGRID_API_KEY", "your-api-key-here")

# ok: hardcoded-secret -- name of a form field, not a secret
PASSWORD_FIELD = "password"
# ok: hardcoded-secret -- public OAuth endpoint
TOKEN_URL = "https://oauth2.googleapis.com/token"
# ok: hardcoded-secret -- the name under which the secret is stored in Secrets Manager
DB_PASSWORD_SECRET_ID = "prod/billing/db-password"
# ok: hardcoded-secret -- an integer setting with "token" in the name
PASSWORD_RESET_TOKEN_TTL = 3600

SESSION_COOKIE_NAME = "billing_session"

# expect: hardcoded-secret
GITLAB_TOKEN = os.environ.get("GITLAB_TOKEN") or "glpat-JzFalHlsZfYcMMDktXP_"

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
