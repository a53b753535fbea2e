"""Model registry client: downloads trained models and feature configs for the scorer."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import joblib
import requests
import torch
import yaml
from yaml import load

REGISTRY_URL = "https://models.internal.example.com"
CACHE_DIR = Path.home() / ".cache" / "scorer"


class ModelRegistry:
    """Fetches artefacts published by the training pipeline."""

    def __init__(self, base_url: str = REGISTRY_URL) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def _download(self, name: str) -> bytes:
        resp = self.session.get(f"{self.base_url}/artifacts/{name}", timeout=30)
        resp.raise_for_status()
        return resp.content

    def load_model(self, name: str):
        """Download and unpickle a scikit-learn model."""
        blob = self._download(f"{name}.pkl")
        # expect: insecure-deserialization
        return pickle.loads(blob)

    def load_joblib(self, name: str):
        """Models saved with joblib (compressed)."""
        path = CACHE_DIR / f"{name}.joblib"
        path.write_bytes(self._download(f"{name}.joblib"))
        # expect: insecure-deserialization
        return joblib.load(path)

    def load_torch(self, name: str) -> dict:
        """Load a PyTorch checkpoint (state dict only)."""
        path = CACHE_DIR / f"{name}.pt"
        path.write_bytes(self._download(f"{name}.pt"))
        # ok: insecure-deserialization -- weights_only=True restricts unpickling to tensors
        return torch.load(path, map_location="cpu", weights_only=True)

    def load_torch_full(self, name: str):
        """Load a full pickled torch module (architecture + weights)."""
        path = CACHE_DIR / f"{name}.pt"
        path.write_bytes(self._download(f"{name}.pt"))
        # expect: insecure-deserialization
        return torch.load(path, map_location="cpu", weights_only=False)

    def load_feature_config(self, name: str) -> dict:
        """Feature configuration published next to each model."""
        text = self._download(f"{name}.yaml").decode()
        # expect: insecure-deserialization
        return load(text, Loader=yaml.Loader)

    def load_feature_config_safe(self, name: str) -> dict:
        text = self._download(f"{name}.yaml").decode()
        # ok: insecure-deserialization -- safe_load
        return yaml.safe_load(text)

    def load_metrics(self, name: str) -> dict:
        # ok: insecure-deserialization -- JSON
        return json.loads(self._download(f"{name}.metrics.json"))

    def save_local(self, name: str, model) -> Path:
        """Persist a model we trained ourselves into the local cache."""
        path = CACHE_DIR / f"{name}.pkl"
        # ok: insecure-deserialization -- serialising (dumps), not loading
        path.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        return path


def load_thresholds(path: str) -> dict:
    """Thresholds file checked into the repo next to this module."""
    with open(path, encoding="utf-8") as fh:
        # ok: insecure-deserialization -- explicit SafeLoader
        return yaml.load(fh, Loader=yaml.SafeLoader)
