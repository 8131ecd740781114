"""How fast the email channel turns SendGrid posts into Inbound values, and the webhook end to end.

Usage: .venv/bin/python benchmarks/bench_email.py   (prints figures; asserts nothing)
"""
from __future__ import annotations

import base64
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from channels.email.formdata import parse_form_data  # noqa: E402
from channels.email.inbound import read_inbound  # noqa: E402
from channels.email.quoting import latest_reply  # noqa: E402
from channels.email.settings import EmailSettings  # noqa: E402
from tests.email_fixtures import mails  # noqa: E402
from tests.email_fixtures.posts import corpus_posts, raw_post  # noqa: E402

JAPANESE = "お世話になっております。注文番号１２３の商品がまだ届きません。" * 20


def timed(label: str, body: bytes, content_type: str, runs: int = 50) -> None:
    settings = EmailSettings()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        read_inbound(parse_form_data(body, content_type), body, settings)
        samples.append(time.perf_counter() - start)
    print(f"{label:<44} {len(body) / 1024:8.1f} KB  median {statistics.median(samples) * 1000:7.2f} ms"
          f"  p95 {sorted(samples)[int(runs * 0.95) - 1] * 1000:7.2f} ms")


def main() -> None:
    print("parse a POST into an Inbound (form-data split, MIME, charsets, quoting, auto-detection)")
    for path in corpus_posts():
        body = path.read_bytes()
        if body:
            timed(f"corpus {path.parent.name[-8:]}/{path.name}", body, "multipart/form-data; boundary=xYzZY")
    cases = {
        "ISO-2022-JP mail": mails.charset_mail(JAPANESE, "ISO-2022-JP", codec="iso2022_jp", subject="件名",
                                               name="山田", transfer="7bit"),
        "Shift_JIS mail labelled UTF-8 (lying)": mails.charset_mail(JAPANESE, "utf-8", codec="cp932", subject="x",
                                                                    name="y", transfer="8bit"),
        "nested multipart with attachments": mails.nested_mail(),
        "DSN bounce": mails.dsn_bounce("kept.t1.abc@kept.example"),
    }
    for label, mime in cases.items():
        body, content_type = raw_post(mime)
        timed(label, body, content_type)
    big = mails.with_attachment(b"\0" * (20 * 1024 * 1024), "big.bin", "application/octet-stream")
    body, content_type = raw_post(big)
    timed("20 MB attachment", body, content_type, runs=5)

    quote = (Path(__file__).resolve().parents[2] / "shared/corpora/reply-parsing-github/email_long_quote.txt")
    if quote.exists():
        text = quote.read_text(errors="replace")
        start = time.perf_counter()
        latest_reply(text)
        print(f"quote folding of a {len(text) / 1024:.0f} KB reply: {(time.perf_counter() - start) * 1000:.1f} ms")

    webhook()


def webhook(runs: int = 200) -> None:
    """POST /channels/email/inbound through the test client into SQLite, committed."""
    from inbox import create_app
    from inbox.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3", ATTACHMENTS_DIR=tmp)
        with app.app_context():
            db.create_all()
        client = app.test_client()
        token = base64.b64encode(
            f"{app.config['INBOUND_EMAIL_USERNAME']}:{app.config['INBOUND_EMAIL_PASSWORD']}".encode()
        ).decode()
        samples = []
        for n in range(runs):
            body, content_type = raw_post(mails.plain_mail(f"Message {n}", Message_ID=f"<bench-{n}@example.com>"))
            start = time.perf_counter()
            response = client.post("/channels/email/inbound", data=body, content_type=content_type,
                                   headers={"Authorization": f"Basic {token}"})
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200
        app.extensions["kept_jobs"].stop()
    print(f"webhook to committed ticket message (SQLite, {runs} posts): median "
          f"{statistics.median(samples) * 1000:.1f} ms, p95 {sorted(samples)[int(runs * 0.95) - 1] * 1000:.1f} ms, "
          f"{runs / sum(samples):.0f} mails/s in one thread")


if __name__ == "__main__":
    main()
