"""Celery on Redis: the same registered jobs, run by workers; periodic jobs by beat.

Start workers with ``celery -A wsgi.celery worker`` and one ``celery -A wsgi.celery beat``.
"""
from __future__ import annotations

from celery import Celery
from flask import Flask


def make_celery(app: Flask) -> Celery:
    from inbox import jobs

    broker = app.config.get("CELERY_BROKER_URL") or app.config["REDIS_URL"]
    celery = Celery(app.import_name, broker=broker, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,  # a worker that dies mid-job leaves it for another; jobs are idempotent
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule={
            spec.name: {"task": "kept.run_job", "schedule": spec.every, "args": (spec.name, [])}
            for spec in jobs.REGISTRY.values()
            if spec.every
        },
    )

    @celery.task(name="kept.run_job")
    def run_job(name: str, args: list) -> None:
        with app.app_context():
            jobs.run_job(name, tuple(args))

    return celery
