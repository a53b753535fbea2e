"""Nightly batch jobs: archive exports, run the label printer, reconcile CSVs."""
from __future__ import annotations

import asyncio
import csv
import gzip
import inspect
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

EXPORT_DIR = Path(os.environ.get("FLEETOPS_EXPORTS", "/var/lib/fleetops/exports"))


@dataclass
class JobResult:
    name: str
    ok: bool
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)


def configure_logging(verbose: bool) -> None:
    # ok: unknown-keyword-argument -- runs: logging.basicConfig(force=True, level=20, format="%(message)s") ## basicConfig(**kwargs) pops each keyword and raises ValueError on leftovers
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(message)s", force=True)


def log_failure(job: str, exc: Exception) -> None:
    # expect: unknown-keyword-argument -- raises TypeError: logging.getLogger("probe").error("x", exc=True) ## Logger.error(msg, *args, **kwargs) forwards to _log(), whose keyword is exc_info
    log.error("job %s failed: %s", job, exc, exc=True)


def log_slow(job: str, seconds: float) -> None:
    # ok: unknown-keyword-argument -- runs: logging.getLogger("probe").warning("x", extra={"job": "a"}, stacklevel=2)
    log.warning("job %s took %.1fs", job, seconds, extra={"job": job}, stacklevel=2)


def archive(paths: list[Path], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    archive_path = dest / f"exports-{time.strftime('%Y%m%d')}.json.gz"
    payload = [{"name": p.name, "size": p.stat().st_size} for p in paths]
    with gzip.open(archive_path, "wt", encoding="utf-8") as fh:
        # ok: unknown-keyword-argument -- runs: json.dumps({"a": 1}, indent=2, default=str, ensure_ascii=False)
        fh.write(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
    return archive_path


def dump_state(state: dict[str, Any]) -> str:
    # expect: unknown-keyword-argument -- raises TypeError: json.dumps({}, pretty=True) ## dumps(**kw) builds a JSONEncoder, which rejects it
    return json.dumps(state, pretty=True)


def load_state(raw: bytes) -> dict[str, Any]:
    # expect: removed-api -- raises TypeError: json.loads("{}", encoding="utf-8") ## ignored since 3.1, removed in Python 3.9
    return json.loads(raw, encoding="utf-8")


def read_manifest(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        # ok: unknown-keyword-argument -- runs: csv.DictReader(io.StringIO("a;b"), delimiter=";", skipinitialspace=True) ## DictReader(f, ..., **kwds) passes format parameters to csv.reader
        reader = csv.DictReader(fh, delimiter=";", skipinitialspace=True)
        return list(reader)


def read_manifest_v0(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        # expect: unknown-keyword-argument -- raises TypeError: csv.DictReader(io.StringIO("a"), delimiter=";", encoding="utf-8") ## encoding belongs to open()
        reader = csv.DictReader(fh, delimiter=";", encoding="utf-8")
        return list(reader)


def write_report(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        # ok: unknown-keyword-argument -- accepts csv.DictWriter extrasaction
        writer = csv.DictWriter(fh, fieldnames=sorted(rows[0]), extrasaction="ignore")
        # ok: hallucinated-attribute -- has csv.DictWriter writeheader
        writer.writeheader()
        writer.writerows(rows)


def print_labels(pdf: Path, printer: str) -> int:
    # ok: unknown-keyword-argument -- accepts subprocess.run capture_output && accepts subprocess.run timeout && accepts subprocess.Popen text ## run(..., **kwargs) forwards text= to Popen
    proc = subprocess.run(["lp", "-d", printer, str(pdf)], capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode != 0:
        log.error("lp failed: %s", proc.stderr.strip())
    return proc.returncode


def print_labels_v0(pdf: Path, printer: str) -> str:
    # expect: unknown-keyword-argument -- raises TypeError: subprocess.Popen(["true"], capture=True) ## run(**kwargs) forwards it to Popen, which rejects it
    proc = subprocess.run(["lp", "-d", printer, str(pdf)], capture=True, timeout=60)
    return proc.stdout


def disk_free(path: Path) -> int:
    # ok: hallucinated-attribute -- has shutil disk_usage
    return shutil.disk_usage(path).free


def cleanup(paths: list[Path]) -> None:
    for path in paths:
        # ok: unknown-keyword-argument -- accepts pathlib.Path.unlink missing_ok
        path.unlink(missing_ok=True)


def cleanup_dir(path: Path) -> None:
    # expect: hallucinated-attribute -- lacks pathlib.Path rmtree ## shutil.rmtree(path)
    path.rmtree()


def read_config(path: Path) -> dict[str, Any]:
    # expect: hallucinated-attribute -- lacks pathlib.Path read_json
    return path.read_json()


def export_files() -> list[Path]:
    # ok: hallucinated-attribute -- has pathlib.Path rglob
    return sorted(EXPORT_DIR.rglob("*.csv"))


def check_settings(settings: Any) -> None:
    # expect: removed-api -- raises ImportError: from collections import Mapping ## the ABC aliases were removed from collections in Python 3.10
    from collections import Mapping

    if not isinstance(settings, Mapping):
        raise TypeError("settings must be a mapping")


def describe_hook(fn: Any) -> list[str]:
    # expect: removed-api -- lacks inspect getargspec ## removed in Python 3.11 (getfullargspec / signature)
    spec = inspect.getargspec(fn)
    return list(spec.args)


def describe_hook_v2(fn: Any) -> list[str]:
    # ok: hallucinated-attribute -- has inspect.Signature parameters
    return list(inspect.signature(fn).parameters)


def cpu_seconds() -> float:
    # expect: removed-api -- lacks time clock ## removed in Python 3.8 (perf_counter / process_time)
    return time.clock()


def temp_workspace() -> Path:
    # ok: unknown-keyword-argument -- accepts tempfile.mkdtemp prefix
    return Path(tempfile.mkdtemp(prefix="fleetops-"))


def result_json(result: JobResult) -> str:
    return json.dumps(asdict(result))


def new_result(name: str, started: float) -> JobResult:
    # expect: unknown-keyword-argument -- nofield JobResult success ## the field is ok
    return JobResult(name=name, success=True, seconds=time.monotonic() - started)


async def run_all(jobs: dict[str, Any]) -> list[JobResult]:
    results = []
    for name, job in jobs.items():
        started = time.monotonic()
        try:
            # ok: unknown-keyword-argument -- accepts asyncio.wait_for timeout
            details = await asyncio.wait_for(job(), timeout=600)
            results.append(JobResult(name=name, ok=True, seconds=time.monotonic() - started, details=details))
        except asyncio.TimeoutError:
            results.append(JobResult(name=name, ok=False, seconds=time.monotonic() - started))
    return results


async def retry_later(delay: float) -> None:
    loop = asyncio.get_running_loop()
    # expect: removed-api -- raises TypeError: asyncio.run(asyncio.sleep(0, loop=None)) ## the loop parameter was removed in Python 3.10
    await asyncio.sleep(delay, loop=loop)


def optional_speedups() -> bool:
    with suppress(ImportError):
        # ok: hallucinated-module, undeclared-dependency -- manual: an optional accelerator inside suppress(ImportError); the package is not installed and the code is written for that case
        import ujson  # noqa: F401

        return True
    return False


def platform_notes() -> dict[str, Any]:
    notes: dict[str, Any] = {"python": sys.version.split()[0]}
    with suppress(AttributeError):
        # ok: hallucinated-attribute -- has os getloadavg ## a platform-specific member probed inside suppress(AttributeError) (missing on Windows)
        notes["load"] = os.getloadavg()
    return notes


def main() -> int:
    configure_logging(verbose="-v" in sys.argv)
    results = asyncio.run(run_all({}))
    # ok: hallucinated-attribute -- has sys.stdout write
    sys.stdout.write(json.dumps([asdict(r) for r in results]) + "\n")
    return 0 if all(r.ok for r in results) else 1
