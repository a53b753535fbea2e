"""Celery worker for the "bring your own model" inference feature.

Customers upload a model bundle (a tar.gz with a checkpoint and a preprocessing pipeline) or
point us at a URL; the API enqueues ``score_batch`` jobs that this worker runs.  Model ids
are UUIDs assigned by the API; uploads are stored by the API under ``uploads/<model_id>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import pickle
import tarfile
import urllib.request
from pathlib import Path

import joblib
import jsonpickle
import numpy as np
import pandas as pd
import requests
import torch
from celery import Celery
from safetensors.torch import load_file

log = logging.getLogger(__name__)

app = Celery("inference", broker=os.environ.get("BROKER_URL", "redis://localhost:6379/3"))
# expect: insecure-deserialization -- anyone who can reach the broker can run code in workers
app.conf.update(task_serializer="pickle", accept_content=["pickle", "json"], result_serializer="json")

MODEL_ROOT = Path(os.environ.get("MODEL_ROOT", "/var/lib/inference/models"))
CACHE_KEY = os.environ["FEATURE_CACHE_HMAC_KEY"].encode()
BASE_MODELS_URL = "https://models.internal.example.com/base"


def _signed_loads(blob: bytes) -> object:
    """Feature frames cached by our own API, signed with CACHE_KEY."""
    sig, body = blob[:32], blob[32:]
    expected = hmac.new(CACHE_KEY, body, hashlib.sha256).digest()
    if not hmac.compare_digest(sig, expected):
        raise ValueError("feature cache entry failed its signature check")
    # ok: insecure-deserialization -- only bytes we signed ourselves reach pickle
    return pickle.loads(body)


def unpack_bundle(bundle_path: Path, model_id: str) -> Path:
    dest = MODEL_ROOT / model_id
    dest.mkdir(parents=True, exist_ok=True)
    # ok: path-traversal, resource-leak -- the "data" filter rejects ../ and absolute members
    with tarfile.open(bundle_path, "r:gz") as tar:
        tar.extractall(dest, filter="data")
    return dest


def unpack_legacy_bundle(bundle_path: Path, model_id: str) -> Path:
    dest = MODEL_ROOT / "legacy" / model_id
    # expect: resource-leak -- never closed
    tar = tarfile.open(bundle_path)
    # expect: path-traversal -- member names like ../../etc/cron.d/x are written as-is
    tar.extractall(dest)
    return dest


def fetch_bundle(url: str, model_id: str) -> Path:
    target = MODEL_ROOT / "incoming" / f"{model_id}.tar.gz"
    # expect: ssrf -- customer-supplied URL fetched from inside the cluster
    with requests.get(url, stream=True, timeout=(5, 300)) as resp:
        resp.raise_for_status()
        with target.open("wb") as fh:
            # ok: unbounded-materialization -- streamed to disk in chunks
            for chunk in resp.iter_content(chunk_size=1 << 20):
                fh.write(chunk)
    return target


def fetch_base_model(name: str) -> Path:
    target = MODEL_ROOT / "base" / f"{name}.safetensors"
    # expect: race-toctou -- concurrent workers both download into the same file
    if not target.exists():
        # expect: missing-timeout -- urlretrieve cannot take a timeout
        urllib.request.urlretrieve(f"{BASE_MODELS_URL}/{name}.safetensors", target)
    return target


def load_checkpoint(model_dir: Path):
    weights = model_dir / "model.safetensors"
    if weights.exists():
        # ok: insecure-deserialization -- safetensors holds tensors only
        return load_file(weights)
    # expect: insecure-deserialization -- customer checkpoint, full unpickling
    return torch.load(model_dir / "model.pt", map_location="cpu")


def load_checkpoint_strict(model_dir: Path):
    # ok: insecure-deserialization
    return torch.load(model_dir / "model.pt", map_location="cpu", weights_only=True)


def load_pipeline(model_dir: Path):
    # expect: insecure-deserialization -- sklearn pipeline from the customer's bundle
    return joblib.load(model_dir / "preprocess.joblib")


def load_vocab(model_dir: Path) -> np.ndarray:
    # ok: insecure-deserialization -- allow_pickle stays False
    return np.load(model_dir / "vocab.npy")


def load_embeddings(model_dir: Path) -> np.ndarray:
    # expect: insecure-deserialization
    return np.load(model_dir / "embeddings.npz", allow_pickle=True)["arr_0"]


@app.task(bind=True, max_retries=3)
def score_batch(self, job: dict) -> dict:
    model_dir = MODEL_ROOT / job["model_id"]
    model = load_checkpoint(model_dir)
    pipeline = load_pipeline(model_dir)
    if job.get("features_b64"):
        # expect: insecure-deserialization -- the public API forwards this field verbatim
        frame = pickle.loads(base64.b64decode(job["features_b64"]))
    elif job.get("features_cached"):
        frame = _signed_loads(base64.b64decode(job["features_cached"]))
    else:
        # ok: insecure-deserialization
        frame = pd.DataFrame.from_records(json.loads(job["features_json"]))
    scores = model(torch.tensor(pipeline.transform(frame), dtype=torch.float32))
    return {"job_id": job["id"], "scores": scores.tolist()}


@app.task
def replay_job(raw: str) -> dict:
    """Replays a job captured by the debugging proxy (jsonpickle keeps the numpy types)."""
    # expect: insecure-deserialization
    job = jsonpickle.decode(raw)
    return score_batch.run(job)


@app.task
def import_bundle(model_id: str, source: str) -> str:
    if source.startswith(("http://", "https://")):
        bundle = fetch_bundle(source, model_id)
    else:
        bundle = MODEL_ROOT / "uploads" / f"{model_id}.tar.gz"
    model_dir = unpack_bundle(bundle, model_id)
    log.info("model %s unpacked into %s", model_id, model_dir)
    return str(model_dir)


@app.task
def import_history(model_id: str, upload: str) -> int:
    # expect: insecure-deserialization -- read_pickle on an uploaded file
    history = pd.read_pickle(upload)
    history.to_parquet(MODEL_ROOT / model_id / "history.parquet")
    return len(history)
