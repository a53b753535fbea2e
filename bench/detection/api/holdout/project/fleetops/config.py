"""Settings loading and the integrations registry (HTTP auth, certificates, templates)."""
from __future__ import annotations

import os
import ssl
# ok: hallucinated-module, undeclared-dependency -- stdlib tomllib ## standard library since Python 3.11
import tomllib
from dataclasses import dataclass, field
# ok: hallucinated-module -- stdlib importlib ## importlib.metadata is a stdlib submodule
from importlib import metadata
from pathlib import Path
from typing import Any

# expect: undeclared-dependency -- undeclared certifi ## installed only because requests needs it
import certifi
import httpx
import requests
# ok: hallucinated-module -- mod requests.auth
from requests.auth import HTTPBasicAuth
# expect: hallucinated-module -- nomod httpx.auth ## httpx exposes httpx.BasicAuth; there is no httpx.auth module
from httpx.auth import BasicAuth
# expect: hallucinated-module -- nomod pydantic.settings ## v2 moved settings to the pydantic-settings distribution (pydantic_settings)
from pydantic.settings import SettingsConfigDict
# expect: undeclared-dependency -- undeclared typing_extensions
from typing_extensions import Self
# expect: undeclared-dependency -- undeclared jinja2 ## Flask's dependency, not the project's
from jinja2 import Environment, FileSystemLoader, select_autoescape
# expect: undeclared-dependency -- undeclared itsdangerous
from itsdangerous import URLSafeTimedSerializer
# expect: hallucinated-module -- nomod numpy.stats ## scipy.stats, not numpy
from numpy.stats import zscore
# ok: hallucinated-module -- mod numpy.typing
from numpy.typing import NDArray
# ok: hallucinated-module -- mod pandas.tseries.offsets
from pandas.tseries.offsets import BDay
# ok: hallucinated-module, undeclared-dependency -- local fleetops.schemas ## the project's own package
from fleetops.schemas import Address
# ok: hallucinated-module -- mod redis.backoff
from redis.backoff import ExponentialBackoff
# ok: hallucinated-module -- mod redis.retry
from redis.retry import Retry as RedisRetry
# expect: hallucinated-module -- nomod click.validators
from click.validators import validate_email
# expect: hallucinated-module -- nomod dateutil.timezone ## the module is dateutil.tz
from dateutil.timezone import gettz

CONFIG_PATH = Path(os.environ.get("FLEETOPS_CONFIG", "/etc/fleetops/config.toml"))


@dataclass
class Settings:
    database_url: str = "sqlite:///fleet.db"
    redis_url: str = "redis://localhost:6379/0"
    dispatch_url: str = "https://dispatch.example.com/api/"
    dispatch_user: str = ""
    dispatch_password: str = ""
    secret_key: str = "change-me"
    depot_address: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = CONFIG_PATH) -> Self:
        with path.open("rb") as fh:
            # ok: hallucinated-attribute -- has tomllib load
            data = tomllib.load(fh)
        known = {k: v for k, v in data.get("fleetops", {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


def version() -> str:
    # ok: hallucinated-attribute -- has importlib.metadata version
    return metadata.version("fleetops")


def tls_context() -> ssl.SSLContext:
    # ok: unknown-keyword-argument -- accepts ssl.create_default_context cafile
    return ssl.create_default_context(cafile=certifi.where())


def dispatch_auth(settings: Settings) -> HTTPBasicAuth:
    return HTTPBasicAuth(settings.dispatch_user, settings.dispatch_password)


def telematics_auth(settings: Settings) -> BasicAuth:
    return BasicAuth(settings.dispatch_user, settings.dispatch_password)


def telematics_auth_v2(settings: Settings) -> httpx.BasicAuth:
    # ok: hallucinated-attribute -- has httpx BasicAuth
    return httpx.BasicAuth(settings.dispatch_user, settings.dispatch_password)


def templates(root: Path) -> Environment:
    return Environment(loader=FileSystemLoader(str(root)), autoescape=select_autoescape(["html"]))


def signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="fleetops-links")


def depot(settings: Settings) -> Address:
    return Address.model_validate(settings.depot_address)


def next_business_day_offset() -> BDay:
    return BDay(1)


def redis_retry() -> RedisRetry:
    # ok: unknown-keyword-argument -- accepts redis.backoff.ExponentialBackoff cap && accepts redis.backoff.ExponentialBackoff base
    return RedisRetry(ExponentialBackoff(cap=10, base=0.5), retries=3)


def as_array(values: list[float]) -> NDArray[Any]:
    import numpy as np

    return np.asarray(values, dtype=float)


def session_with_auth(settings: Settings) -> requests.Session:
    session = requests.Session()
    # ok: hallucinated-attribute -- has requests.Session() auth ## set to None in Session.__init__; assigning it is the documented way to set default auth
    session.auth = dispatch_auth(settings)
    return session
