"""Run Kept on the embedded default: migrate, seed demo data once, start jobs, serve.

``python -m inbox.serve`` (what ``make run`` calls). Binds 127.0.0.1 unless KEPT_HOST says otherwise.
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from flask_migrate import upgrade

from config import ConfigError
from inbox import create_app
from inbox.extensions import socketio


def main() -> None:
    try:
        app = create_app(os.environ.get("KEPT_CONFIG", "default"))
    except ConfigError as error:
        sys.exit(f"Kept cannot start: {error}")
    with app.app_context():
        upgrade()
        if app.config["DEMO_DATA"]:
            _announce_demo_credentials(Path(app.instance_path))
    runner = app.extensions["kept_jobs"]
    runner.start()

    def stop(*_args: object) -> None:
        runner.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"Kept is running at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    try:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, use_reloader=False, log_output=False)
    finally:
        runner.stop()


def _announce_demo_credentials(instance: Path) -> None:
    from inbox import demo

    saved = instance / "demo-credentials.txt"
    accounts = demo.seed()
    if accounts is not None:
        instance.mkdir(parents=True, exist_ok=True)
        saved.write_text(
            f"admin: {accounts.admin_email} / {accounts.admin_password}\n"
            f"agents mika@kept.example, jiwoo@kept.example, sam@kept.example / {accounts.agent_password}\n"
        )
        saved.chmod(0o600)
    if saved.exists():
        print("Demo sign-in (kept in instance/demo-credentials.txt):", flush=True)
        print(saved.read_text(), flush=True)


if __name__ == "__main__":
    main()
