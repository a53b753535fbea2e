"""The language server's API stage, in a worker process of its own.

The API checks run jedi: seconds for a file's first pass, then 100-300 ms per
edited function. In a thread of the server they shared the GIL with the local
checks, so every keystroke typed while jedi worked took two to five times as
long (the first keystrokes after opening a large file: 60-80 ms instead of 15).
In a process they run on the other core and the local checks never wait for them.

One worker serves all documents, one request at a time (as the single API thread
did). Cancellation crosses the process boundary through one shared integer: the
server writes the id of the request it abandons, and the worker's cancellation
check (``Cancelled`` between jedi sites) compares its request's id with it. A
worker that dies (killed, out of memory, a crash inside jedi) is replaced on the
next request, and the user is told once.
"""
from __future__ import annotations

import itertools
import logging
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from caveat.engine.analyzer import Analysis, Cancelled
from caveat.project import Settings

log = logging.getLogger("caveat.lsp")

POLL_SECONDS = 0.02  # how often the waiting thread looks at the server's cancellation flag

_abandoned = None  # in the worker: the shared id of the last request the server abandoned


def _start_worker(abandoned) -> None:
    global _abandoned
    _abandoned = abandoned
    import caveat.providers.api  # noqa: F401 - jedi and the provider load before the first request
    from caveat.engine.gc_tuning import tune_for_analysis

    tune_for_analysis()


def _analyse(request: int, text: str, path: str, settings: Settings):
    from caveat.providers.api import provider_for

    def cancelled() -> bool:
        return _abandoned.value >= request

    raw, notes = provider_for(settings).analyze(text, path, settings, cancelled)
    return list(raw), list(notes)


def _ready() -> bool:
    return True


class WorkerUnavailable(Exception):
    """No worker process can be started here (the server then runs the API stage itself)."""


class ApiProcess:
    """``analyze`` has ``Engine.analyze_api``'s contract; call it from one thread at a time."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")  # the server has threads: no fork
        self._abandoned = self._context.RawValue("q", 0)  # one per worker: see _executor
        self._ids = itertools.count(1)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.restarts = 0
        self.completed = 0  # requests answered: a worker that never answered is not retried forever

    def start(self) -> None:
        """Start the worker now (it imports jedi), so the first request does not wait for it."""
        try:
            self._executor().submit(_ready)
        except (WorkerUnavailable, BrokenProcessPool, RuntimeError):
            pass  # the first request reports it

    def analyze(self, text: str, path: str, settings: Settings,
                is_cancelled: Callable[[], bool] = lambda: False) -> Analysis:
        try:
            return self._request(text, path, settings, is_cancelled)
        except BrokenProcessPool:
            pass
        self._replace()
        note = (f"API checks: the worker process stopped unexpectedly and was restarted "
                f"(restart {self.restarts})")
        try:  # once more, in the new worker: a crash the request itself causes is not retried again
            analysis = self._request(text, path, settings, is_cancelled)
        except BrokenProcessPool:
            self._replace()
            if not self.completed:
                raise WorkerUnavailable("the worker process stops before it can answer") from None
            return Analysis([], [note, f"API checks of {path or 'this file'} stopped the worker twice; "
                                       f"they are skipped until the next edit"])
        return Analysis([], [note, *analysis.notes], raw=analysis.raw)

    def _request(self, text: str, path: str, settings: Settings, is_cancelled: Callable[[], bool]) -> Analysis:
        request = next(self._ids)
        executor = self._executor()
        try:
            future = executor.submit(_analyse, request, text, path, settings)
        except (OSError, ValueError) as error:  # the worker could not be started (spawned on first submit)
            self.close()
            raise WorkerUnavailable(repr(error)) from error
        while True:
            try:
                raw, notes = future.result(timeout=POLL_SECONDS)
                self.completed += 1
                return Analysis([], notes, raw=raw)
            except FutureTimeout:
                if is_cancelled():
                    self._abandoned.value = request  # the worker stops at its next check
                    future.cancel()
                    raise Cancelled() from None

    def close(self) -> None:
        """Stop the worker without waiting for the request it may be running."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        self._abandoned.value = 2**62
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:  # jedi may be inside one long inference: do not wait for it
            process.terminate()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                try:
                    self._abandoned = self._context.RawValue("q", 0)  # a stopped worker's may say "all abandoned"
                    self._pool = ProcessPoolExecutor(1, mp_context=self._context, initializer=_start_worker,
                                                     initargs=(self._abandoned,))
                except (OSError, ValueError, ImportError) as error:  # no semaphores, no /dev/shm, ...
                    raise WorkerUnavailable(repr(error)) from error
            return self._pool

    def _replace(self) -> None:
        log.error("the API worker process died; starting a new one")
        self.restarts += 1
        self.close()
