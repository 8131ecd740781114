"""A stand-in for SendGrid's v3 API on 127.0.0.1 that records what the real client sends."""

from __future__ import annotations

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class FakeSendGrid:
    """Answers each request with the next scripted (status, headers, body); 202 when none is left."""

    def __init__(self) -> None:
        self.requests: queue.Queue[dict[str, Any]] = queue.Queue()
        self.script: list[tuple[int, dict[str, str], bytes]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                fake.requests.put(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body or b"null")}
                )
                status, headers, payload = (
                    fake.script.pop(0) if fake.script else (202, {"X-Message-Id": "sg-accepted-1"}, b"")
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def answer(self, status: int, body: dict | None = None, **headers: str) -> None:
        self.script.append(
            (status, {k.replace("_", "-"): v for k, v in headers.items()}, json.dumps(body).encode() if body else b"")
        )

    def next_request(self, timeout: float = 5) -> dict[str, Any]:
        return self.requests.get(timeout=timeout)
