"""Background jobs: plain functions, run in-process on the embedded default or on Celery at scale.

A job is registered by name with :func:`job` (optionally periodic) and started with
:func:`enqueue`, now or at an instant. The runner is chosen by configuration:

- ``inprocess``: one daemon thread with a timer heap, started with the server (embedded default);
- ``celery``: a task per call on the Redis broker, periodic jobs through Celery beat;
- ``manual``: jobs wait until a test runs them, so nothing races an assertion.

Jobs must be safe to run twice (at-least-once delivery on Celery, restarts in-process): each one
re-reads the database and claims its work with a conditional update.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from inbox.extensions import db
from inbox.models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    every: float | None = None


REGISTRY: dict[str, JobSpec] = {}


def job(name: str, every: float | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as a job; ``every`` seconds makes it periodic."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = JobSpec(name, func, every)
        return func

    return register


def run_job(name: str, args: tuple = ()) -> Any:
    """Run one job in the current app context and leave the session clean for the next."""
    try:
        return REGISTRY[name].func(*args)
    except Exception:
        db.session.rollback()
        raise
    finally:
        db.session.remove()


def runner(app: Flask | None = None) -> Runner:
    app = app or current_app
    return app.extensions["kept_jobs"]


def enqueue(name: str, *args: Any, at: datetime | None = None) -> None:
    if name not in REGISTRY:
        raise KeyError(f"unknown job {name!r}")
    runner().submit(name, tuple(args), at)


class Runner:
    def submit(self, name: str, args: tuple, at: datetime | None) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Begin running jobs (no-op for runners that live elsewhere)."""

    def stop(self) -> None:
        """Stop cleanly, letting a running job finish."""


class ManualRunner(Runner):
    """Holds jobs until :meth:`run_due` is called; for tests."""

    def __init__(self, app: Flask):
        self.app = app
        self.queue: list[tuple[datetime, int, str, tuple]] = []
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def submit(self, name: str, args: tuple, at: datetime | None) -> None:
        with self._lock:
            heapq.heappush(self.queue, (at or utcnow(), next(self._seq), name, args))

    def run_due(self, now: datetime | None = None) -> int:
        """Run every job due by ``now`` (including ones they enqueue); returns how many ran."""
        ran = 0
        while True:
            with self._lock:
                if not self.queue or self.queue[0][0] > (now or utcnow()):
                    return ran
                _, _, name, args = heapq.heappop(self.queue)
            with self.app.app_context():
                run_job(name, args)
            ran += 1


class InProcessRunner(Runner):
    """A daemon thread with a timer heap: periodic jobs and jobs at an instant, in this process."""

    def __init__(self, app: Flask):
        self.app = app
        self._heap: list[tuple[float, int, str, tuple]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def submit(self, name: str, args: tuple, at: datetime | None) -> None:
        when = (at or utcnow()).timestamp()
        with self._cv:
            heapq.heappush(self._heap, (when, next(self._seq), name, args))
            self._cv.notify()

    def start(self) -> None:
        if self._thread is not None:
            return
        now = utcnow().timestamp()
        for spec in REGISTRY.values():
            if spec.every:
                with self._cv:
                    heapq.heappush(self._heap, (now, next(self._seq), spec.name, ()))
        self._thread = threading.Thread(target=self._loop, name="kept-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._stopping:
                    wait = self._heap[0][0] - utcnow().timestamp() if self._heap else None
                    if wait is not None and wait <= 0:
                        break
                    # Sleeps until the next due job or a submit; costs nothing while nothing is due.
                    self._cv.wait(timeout=wait)
                if self._stopping:
                    return
                _, _, name, args = heapq.heappop(self._heap)
            spec = REGISTRY.get(name)
            with self.app.app_context():
                try:
                    run_job(name, args)
                except Exception:
                    log.exception("job %s failed", name)
            if spec and spec.every and not args:
                self.submit(name, (), datetime.fromtimestamp(utcnow().timestamp() + spec.every, tz=utcnow().tzinfo))


class CeleryRunner(Runner):
    """Jobs as Celery tasks on Redis; see :mod:`inbox.celery_app` for the worker side."""

    def __init__(self, app: Flask):
        from inbox.celery_app import make_celery

        self.celery = make_celery(app)

    def submit(self, name: str, args: tuple, at: datetime | None) -> None:
        self.celery.send_task("kept.run_job", args=(name, list(args)), eta=at)


def make_runner(app: Flask) -> Runner:
    kind = app.config.get("JOB_RUNNER") or ("celery" if app.config.get("REDIS_URL") else "inprocess")
    runners = {"manual": ManualRunner, "inprocess": InProcessRunner, "celery": CeleryRunner}
    if kind not in runners:
        raise ValueError(f"JOB_RUNNER must be one of {', '.join(runners)}, got {kind!r}")
    return runners[kind](app)


@event.listens_for(Session, "after_commit")
def _kick_outbox(session: Session) -> None:
    # A committed outbox row is delivered at once rather than at the next periodic sweep.
    if session.info.pop("kept_kick_outbox", False) and has_app_context():
        try:
            enqueue("outbox.deliver_due")
        except Exception:  # the periodic sweep will pick it up
            log.exception("could not schedule outbox delivery")
