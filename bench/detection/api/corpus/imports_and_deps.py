"""Utilities whose imports were suggested by an assistant."""
from __future__ import annotations

import os
import sys

# expect: hallucinated-module
import requests_retry_helper
# expect: hallucinated-module
from flask_restfull import Api
# expect: hallucinated-module -- a typo of pydantic
from pydanttic import BaseModel
# ok: hallucinated-module
import numpy as np
# ok: hallucinated-module, undeclared-dependency
from packaging.version import Version
# expect: undeclared-dependency -- python-dateutil is installed but not declared
from dateutil import parser as date_parser
# expect: undeclared-dependency -- itsdangerous is installed (Flask needs it) but not declared
from itsdangerous import URLSafeTimedSerializer
# expect: undeclared-dependency
import attrs
# ok: undeclared-dependency
import rich
# ok: undeclared-dependency, hallucinated-module
import tomllib

try:
    # ok: hallucinated-module -- optional accelerator
    import orjson as fastjson
except ImportError:
    fastjson = None

# expect: version-mismatch -- uv.lock pins semver 3.0.2
import semver


def describe() -> str:
    return " ".join(map(str, (os.name, sys.version, np.pi, Version("1"), date_parser, URLSafeTimedSerializer,
                              attrs, rich, tomllib, fastjson, semver, requests_retry_helper, Api, BaseModel)))
