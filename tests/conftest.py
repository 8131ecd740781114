"""Fixtures: a real database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set), real
servers on 127.0.0.1, and helpers to sign agents in.

Every test that takes ``app`` runs once per database. Tests that need PostgreSQL or Redis skip
with the reason when the variable is not set; ``.ci/run`` sets both.
"""
from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from inbox import create_app
from inbox.extensions import db
from inbox.models import Agent, Team

SHARED = Path(__file__).resolve().parents[2] / "shared"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")

DATABASES = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "config(**settings): settings laid over the testing config")
    config.addinivalue_line("markers", "sqlite_only: the behaviour is database-independent; run once")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames:
        dbs = ["sqlite"] if metafunc.definition.get_closest_marker("sqlite_only") else DATABASES
        metafunc.parametrize("database", dbs, indirect=True)


_postgres_checked = False


def _ensure_postgres_database(url: str) -> None:
    """Create the test database named in TEST_DATABASE_URL when the server lacks it."""
    global _postgres_checked
    if _postgres_checked:
        return
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    target = make_url(url)
    try:
        create_engine(target).connect().close()
    except OperationalError:
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
    _postgres_checked = True


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL variant not run (.ci/run sets it)")
        _ensure_postgres_database(POSTGRES_URL)
        return POSTGRES_URL
    return f"sqlite:///{tmp_path / 'kept-test.sqlite3'}"


_postgres_schema_ready = False


def _reset_postgres(app) -> None:  # noqa: ANN001
    """Create the schema once per run, then empty every table before each test."""
    global _postgres_schema_ready
    if not _postgres_schema_ready:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        _postgres_schema_ready = True
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator:
    marker = request.node.get_closest_marker("config")
    overrides = dict(marker.kwargs) if marker else {}
    settings = {
        "SQLALCHEMY_DATABASE_URI": database,
        "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        **overrides,
    }
    application = create_app("testing", **settings)
    with application.app_context():
        if database.startswith("postgresql"):
            _reset_postgres(application)
        else:
            db.create_all()
        yield application
        db.session.remove()
        application.extensions["kept_jobs"].stop()
        beat = application.extensions.get("kept_presence_beat")
        if beat is not None:
            beat.stop()
        db.engine.dispose()


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


@pytest.fixture
def make_agent(app):  # noqa: ANN001, ANN201
    def make(email: str = "agent@kept.example", *, password: str = "correct horse battery", role: str = "agent",
             teams: list[Team] | None = None, name: str | None = None, **fields) -> Agent:  # noqa: ANN003
        agent = Agent(email=email, name=name or email.split("@")[0].title(), role=role, teams=teams or [], **fields)
        agent.set_password(password, method=app.config["PASSWORD_HASH_METHOD"])
        db.session.add(agent)
        db.session.commit()
        return agent

    return make


@pytest.fixture
def make_team(app):  # noqa: ANN001, ANN201
    def make(name: str = "Support", **fields) -> Team:  # noqa: ANN003
        team = Team(name=name, **fields)
        db.session.add(team)
        db.session.commit()
        return team

    return make


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf-token" content="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str = "correct horse battery") -> str:  # noqa: ANN001
    """Sign in through the real login form; returns a CSRF token for later unsafe requests."""
    page = client.get("/login")
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302, response.text
    return csrf_from(client.get("/queue").text)


@contextmanager
def scratch_postgres(name: str) -> Iterator[str]:
    """The URL of an empty PostgreSQL database of its own, for a test that runs the app's
    migrations or a server process on it; dropped afterwards (connections left open included),
    so runs leave no databases behind."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The app served by a real threaded HTTP server (with Socket.IO) in this process."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:  # noqa: ANN001
    app.config["PUBLIC_URL"] = "http://127.0.0.1"
    server = LiveServer(app).start()
    app.extensions["kept_jobs"].start()
    yield server
    server.stop()


def session_cookie_for(live: LiveServer, email: str, password: str = "correct horse battery") -> str:
    """Sign in over HTTP and return the session cookie header, for python-socketio clients."""
    import requests

    http = requests.Session()
    page = http.get(f"{live.url}/login")
    response = http.post(f"{live.url}/login", data={"email": email, "password": password,
                                                     "csrf_token": csrf_from(page.text)}, allow_redirects=False)
    assert response.status_code == 302, response.text
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)
