"""Kept: the app factory. Extensions, blueprints, CLI — nothing else."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_login import current_user

from config import BASE_DIR, CONFIGS, INSTANCE_DIR, Config, ConfigError

__all__ = ["ConfigError", "create_app"]


def create_app(config: str | type[Config] | dict[str, Any] | None = None, **overrides: Any) -> Flask:
    """Build the app from a config name ("default", "testing", "production"), a config class, or
    a mapping of settings laid over the default."""
    config_class, extra = _resolve(config)
    config_class.validate()
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config_class)
    app.config.update(extra)
    app.config.update(overrides)
    if not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)

    from inbox import jobs

    app.extensions["kept_jobs"] = jobs.make_runner(app)
    return app


def _resolve(config: Any) -> tuple[type[Config], dict[str, Any]]:
    if config is None:
        return CONFIGS["default"], {}
    if isinstance(config, str):
        if config not in CONFIGS:
            raise ConfigError(f"unknown configuration {config!r}; use one of {', '.join(CONFIGS)}")
        return CONFIGS[config], {}
    if isinstance(config, dict):
        base = CONFIGS[config.get("NAME", "default")]
        return base, config
    return config, {}


def _init_extensions(app: Flask) -> None:
    import socketio as socketio_server

    from inbox import models  # noqa: F401 - every model registered on the metadata
    from inbox.extensions import babel, csrf, db, login_manager, migrate, socketio
    from inbox.models import Agent

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # Web threads, the job thread and the CLI share one SQLite file: wait on locks rather than fail.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
            "connect_args": {"timeout": 30, "check_same_thread": False},
        }
    db.init_app(app)
    if uri.startswith("sqlite"):
        _sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_agent(agent_id: str) -> Agent | None:
        agent = db.session.get(Agent, int(agent_id))
        return agent if agent and agent.active else None

    def select_locale() -> str:
        if current_user and getattr(current_user, "is_authenticated", False):
            return current_user.language
        return request.accept_languages.best_match(app.config["LANGUAGES"]) or "en"

    babel.init_app(app, locale_selector=select_locale)

    from inbox import realtime

    queue: dict[str, Any] = {"message_queue": app.config["REDIS_URL"]} if app.config.get("REDIS_URL") else {
        # The SocketIO object keeps its options between init_app calls; without a queue, say so
        # explicitly, or an earlier app's Redis manager would be reused.
        "client_manager": socketio_server.Manager()
    }
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        cors_allowed_origins=realtime.make_origin_check(app),
        # Sessions are read from the Flask cookie at connect; the socket never writes to it.
        manage_session=False,
        **queue,
    )
    realtime.register_agent_namespace()


def _sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    from inbox.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        # WAL lets the job thread write while web threads read.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from channels import registry
    from inbox.extensions import csrf
    from inbox.web import admin, admin_notices, api, api_workspace, attachments, auth, sandbox, workspace
    from inbox.web import reports as report_pages
    from inbox.web import surveys as survey_pages

    app.register_blueprint(auth.bp)
    app.register_blueprint(workspace.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(api_workspace.bp, url_prefix="/api")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(admin_notices.bp, url_prefix="/admin/notices")
    from inbox.web import admin_sla
    app.register_blueprint(admin_sla.bp, url_prefix="/admin/sla")
    app.register_blueprint(sandbox.bp, url_prefix="/sandbox")
    app.register_blueprint(survey_pages.bp)
    app.register_blueprint(report_pages.bp, url_prefix="/admin/reports")
    app.register_blueprint(attachments.bp)
    # The API checks CSRF itself: bearer-token calls need none, cookie-session calls do.
    csrf.exempt(api.bp)
    for name, blueprint in registry.blueprints(app):
        # Provider webhooks authenticate by signature or basic auth, never by browser cookie.
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint, url_prefix=f"/channels/{name}")
    registry.init_channels(app)
    api.register_openapi(app)


def _register_cli(app: Flask) -> None:
    from inbox import cli

    cli.register(app)
