"""Entry point for servers and workers.

- web:    ``KEPT_CONFIG=production gunicorn -k gevent -w 1 -b 0.0.0.0:8000 wsgi:app`` (one gevent
          worker per process; run several processes behind a proxy with sticky sessions)
- worker: ``celery -A wsgi.celery worker``;  periodic jobs: ``celery -A wsgi.celery beat``
"""
import os
import sys

from config import ConfigError
from inbox import create_app
from inbox.celery_app import make_celery
from inbox.extensions import socketio

try:
    app = create_app(os.environ.get("KEPT_CONFIG", "default"))
except ConfigError as error:
    # One clear line for the operator instead of a traceback.
    sys.exit(f"Kept cannot start: {error}")
_runner = app.extensions["kept_jobs"]
celery = getattr(_runner, "celery", None) or (make_celery(app) if app.config.get("REDIS_URL") else None)

__all__ = ["app", "celery", "socketio"]
