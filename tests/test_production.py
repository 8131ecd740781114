"""The documented production deployment: gunicorn with a gevent worker on PostgreSQL and Redis."""
from __future__ import annotations

import os
import queue
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import socketio

from tests.conftest import POSTGRES_URL, REDIS_URL, csrf_from, free_port, scratch_postgres

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def production_env(tmp_path):  # noqa: ANN001, ANN201
    if not (POSTGRES_URL and REDIS_URL):
        pytest.skip("TEST_DATABASE_URL and TEST_REDIS_URL are needed for the production deployment test")
    with scratch_postgres("kept_production_test") as database_url:
        yield _deployed(database_url, tmp_path)


def _deployed(database_url: str, tmp_path):  # noqa: ANN001, ANN202
    port = free_port()
    env = {**os.environ, "KEPT_CONFIG": "production", "SECRET_KEY": "p" * 40,
           "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
           "PUBLIC_URL": f"http://127.0.0.1:{port}", "INBOUND_EMAIL_USERNAME": "sendgrid",
           "INBOUND_EMAIL_PASSWORD": "inbound-secret", "SESSION_COOKIE_SECURE": "0", "JOB_RUNNER": "celery",
           "KEPT_INSTANCE_DIR": str(tmp_path)}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade"], ["users", "create", "lead@kept.example", "--password", "long password", "--admin"]):
        result = subprocess.run([*flask, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    return env, port


def test_gunicorn_with_a_gevent_worker_serves_pages_webhooks_and_websocket_pushes(production_env):
    env, port = production_env
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/login", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                # Listening is not serving: the worker may still be importing the app (slow on a
                # busy machine), which shows as a read timeout rather than a refused connection.
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        http = requests.Session()
        page = http.get(f"{url}/login")
        http.post(f"{url}/login", data={"email": "lead@kept.example", "password": "long password",
                                        "csrf_token": csrf_from(page.text)}, allow_redirects=False)
        received: queue.Queue = queue.Queue()
        client = socketio.Client(reconnection=False)
        client.on("ticket.created", received.put, namespace="/agents")
        client.connect(url, namespaces=["/agents"], transports=["websocket"],
                       headers={"Cookie": "; ".join(f"{c.name}={c.value}" for c in http.cookies)}, wait_timeout=10)
        try:
            mime = (b"From: Ana <ana@example.com>\r\nTo: support@kept.example\r\nSubject: Broken lid\r\n"
                    b"Message-ID: <prod-1@example.com>\r\n\r\nThe lid arrived broken.\r\n")
            response = requests.post(f"{url}/channels/email/inbound", auth=("sendgrid", "inbound-secret"),
                                     files={"email": ("email", mime), "to": (None, "support@kept.example")})
            assert response.status_code == 200, response.text
            row = received.get(timeout=10)
            assert row["subject"] == "Broken lid"
        finally:
            client.disconnect()
    finally:
        server.terminate()
        server.wait(timeout=10)
