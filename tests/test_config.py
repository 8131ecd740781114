"""Settings: production refuses to start on missing or invalid settings, naming the variable."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def start_production(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_URL"}}
    return subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, "KEPT_CONFIG": "production", **env}, timeout=60)


def test_production_without_a_secret_key_fails_naming_the_variable():
    result = start_production()
    assert result.returncode != 0
    assert "SECRET_KEY is required in production" in result.stderr.splitlines()[-1]


def test_production_with_a_bad_database_url_fails_naming_the_variable():
    result = start_production(SECRET_KEY="x" * 40, DATABASE_URL="mysql://db/kept", REDIS_URL="redis://127.0.0.1:6379/0",
                              PUBLIC_URL="https://kept.example", INBOUND_EMAIL_PASSWORD="s3cret")
    assert result.returncode != 0
    assert "DATABASE_URL must be" in result.stderr.splitlines()[-1]


def test_a_bad_default_time_zone_is_refused_at_start():
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "INBOX_DEFAULT_TIMEZONE": "Mars/Olympus"}, timeout=60)
    assert result.returncode != 0 and "INBOX_DEFAULT_TIMEZONE" in result.stderr.splitlines()[-1]
