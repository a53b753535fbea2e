"""Server-side session and job payload handling for the Flask shop."""

from __future__ import annotations

import base64
import json
import marshal
import pickle
import shelve

import jsonpickle
import msgpack
import yaml
from flask import Flask, request
from redis import Redis

app = Flask(__name__)
redis = Redis(host="localhost", port=6379, socket_timeout=5)


class RedisSessionStore:
    """Keeps session dictionaries in Redis under ``session:<id>``."""

    def load(self, session_id: str) -> dict:
        raw = redis.get(f"session:{session_id}")
        if raw is None:
            return {}
        # ok: insecure-deserialization -- JSON
        return json.loads(raw)

    def save(self, session_id: str, data: dict) -> None:
        redis.setex(f"session:{session_id}", 3600, json.dumps(data))


@app.post("/cart/restore")
def restore_cart():
    """Restore a cart exported from another device (base64 blob in the body)."""
    blob = base64.b64decode(request.get_data())
    # expect: insecure-deserialization
    cart = pickle.loads(blob)
    return {"items": len(cart["items"])}


@app.post("/cart/import")
def import_cart():
    """Import a cart saved by the mobile app."""
    # expect: insecure-deserialization
    cart = jsonpickle.decode(request.get_data(as_text=True))
    return {"items": len(cart.items)}


@app.post("/cart/import-msgpack")
def import_cart_msgpack():
    # ok: insecure-deserialization -- msgpack only produces plain data
    cart = msgpack.unpackb(request.get_data(), raw=False)
    return {"items": len(cart["items"])}


@app.post("/admin/settings/import")
def import_settings():
    """Bulk import of shop settings from a YAML file uploaded by an admin."""
    upload = request.files["settings"]
    # expect: insecure-deserialization
    settings = yaml.unsafe_load(upload.stream)
    return {"keys": sorted(settings)}


@app.post("/admin/settings/import-full")
def import_settings_full():
    """Same import with full YAML tags enabled for the legacy export format."""
    upload = request.files["settings"]
    # expect: insecure-deserialization
    settings = yaml.load(upload.stream, Loader=yaml.FullLoader)
    return {"keys": sorted(settings)}


def run_job(payload: bytes) -> None:
    """Worker side of the partner job relay: partners post (code, args) pairs over HTTPS."""
    code_blob, args = payload[:-64], payload[-64:]
    # expect: insecure-deserialization
    code = marshal.loads(code_blob)
    print(code, args)


def legacy_profile(user_id: str) -> dict:
    """Read a profile from the legacy shelve database that this server wrote itself."""
    # ok: insecure-deserialization -- server-owned file; the user id is only a key
    with shelve.open("/var/lib/shop/legacy_profiles") as db:
        return dict(db.get(user_id, {}))
