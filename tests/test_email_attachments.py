"""Attachments: stored outside the database, typed by their bytes, served only as downloads."""

from __future__ import annotations

import base64
import json
import re
from html import unescape
from pathlib import Path

import pytest
from flask import render_template_string
from sqlalchemy import select

from inbox.extensions import db
from inbox.models import Message, MessageAttachment
from tests.conftest import login
from tests.email_fixtures import mails
from tests.email_fixtures.posts import raw_post

PDF = mails.PDF


def deliver(client, app, mime: bytes) -> Message:
    user, password = app.config["INBOUND_EMAIL_USERNAME"], app.config["INBOUND_EMAIL_PASSWORD"]
    body, content_type = raw_post(mime)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    response = client.post(
        "/channels/email/inbound", data=body, content_type=content_type, headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 200, response.text
    return db.session.get(Message, response.json["message_id"])


def files_of(message: Message) -> dict[str, MessageAttachment]:
    rows = db.session.scalars(select(MessageAttachment).where(MessageAttachment.message_id == message.id))
    return {row.filename: row for row in rows}


def test_files_are_kept_outside_the_database_under_their_hash(client, app):
    rows = files_of(deliver(client, app, mails.nested_mail()))
    pdf = rows["請求書 2026.pdf"]
    assert (Path(app.config["ATTACHMENTS_DIR"]) / pdf.storage_key).read_bytes() == PDF
    assert pdf.size == len(PDF)


def test_a_path_in_a_file_name_is_dropped_and_non_ascii_names_are_kept(client, app):
    rows = files_of(deliver(client, app, mails.nested_mail()))
    assert set(rows) == {"photo.png", "請求書 2026.pdf", "passwd"}


def test_the_content_type_comes_from_the_bytes_not_the_sender(client, app):
    mime = mails.with_attachment(mails.PNG, "holiday.txt", "application/octet-stream")
    row = files_of(deliver(client, app, mime))["holiday.txt"]
    assert row.content_type == "image/png"


@pytest.mark.config(ATTACHMENT_MAX_BYTES=10)
def test_an_oversized_file_is_skipped_and_noted_but_the_mail_is_kept(client, app):
    message = deliver(client, app, mails.with_attachment(PDF, "big.pdf", "application/pdf"))
    assert files_of(message) == {}
    assert message.meta["skipped_attachments"] == ["big.pdf"]


def test_downloads_need_a_signed_in_agent(client, app):
    row = files_of(deliver(client, app, mails.nested_mail()))["請求書 2026.pdf"]
    response = client.get(f"/attachments/{row.id}")
    assert response.status_code in (302, 401)
    assert PDF not in response.data


def test_a_download_is_an_attachment_that_the_browser_may_not_sniff(client, app, make_agent):
    row = files_of(deliver(client, app, mails.nested_mail()))["請求書 2026.pdf"]
    make_agent()
    login(client, "agent@kept.example")
    response = client.get(f"/attachments/{row.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8%202026.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Content-Security-Policy"].startswith("sandbox")


def test_an_html_attachment_is_downloaded_never_rendered(client, app, make_agent):
    evil = b"<html><script>alert(document.cookie)</script></html>"
    row = files_of(deliver(client, app, mails.with_attachment(evil, "invoice.html", "text/html")))["invoice.html"]
    make_agent()
    login(client, "agent@kept.example")
    response = client.get(f"/attachments/{row.id}")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def inline_urls(app, message: Message) -> dict[str, str]:
    with app.test_request_context("/"):
        return json.loads(render_template_string("{{ message_cid_map(m) | tojson }}", m=message))


def test_an_inline_image_has_a_signed_url_that_works_without_a_session(client, app):
    message = deliver(client, app, mails.nested_mail())
    url = inline_urls(app, message)["photo1@example.com"]
    response = client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200 and response.data == mails.PNG
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_tampered_inline_url_is_refused(client, app):
    message = deliver(client, app, mails.nested_mail())
    url = inline_urls(app, message)["photo1@example.com"].removeprefix("http://localhost")
    row_id = int(re.search(r"/attachments/(\d+)/", url).group(1))
    other = url.replace(f"/attachments/{row_id}/", f"/attachments/{row_id + 1}/")
    assert client.get(other).status_code == 404
    assert client.get(url[:-3] + "abc").status_code == 404


def test_only_images_are_served_inline(client, app):
    message = deliver(client, app, mails.nested_mail())
    pdf = files_of(message)["請求書 2026.pdf"]
    with app.test_request_context("/"):
        url = render_template_string("{{ inline_image_url(r) }}", r=pdf)
    assert client.get(url.removeprefix("http://localhost")).status_code == 404


def test_the_agent_view_frame_resolves_cid_images_and_blocks_remote_ones(client, app):
    mime = mails.html_mail(
        '<p>Hi</p><img src="cid:photo1@example.com"><img src="https://tracker.example/p.gif">', with_image=True
    )
    message = deliver(client, app, mime)
    with app.test_request_context("/queue"):
        html = render_template_string("{{ message_html_frame(m) }}", m=message)
    srcdoc = unescape(re.search(r'srcdoc="([^"]*)"', html).group(1))
    assert "/inline/" in srcdoc and "cid:" not in srcdoc
    assert "tracker.example" not in srcdoc
    assert "remote_images=" in html
    with app.test_request_context(f"/queue?remote_images={message.id}"):
        shown = render_template_string("{{ message_html_frame(m) }}", m=message)
    assert "tracker.example" in unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
