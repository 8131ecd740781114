"""Attachments for agents, and mail HTML in the agent view.

Files are always served as downloads (``Content-Disposition: attachment``) with
``X-Content-Type-Options: nosniff`` and a sandbox CSP, so an uploaded HTML or SVG file can never
run in our origin (FreeScout CVE-2026-32754, Chatwoot CVE-2021-3741 were exactly that).

Inline ``cid:`` images are shown inside the sandboxed mail frame, whose opaque origin means the
browser sends no session cookie with the image request; those images get short-lived signed
URLs instead, minted only while rendering a page for a signed-in agent.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup

from inbox import attachments, tickets
from inbox.extensions import db
from inbox.html import IFRAME_SANDBOX, frame_policy, has_remote_images, mail_document, mail_frame
from inbox.models import Message, MessageAttachment

bp = Blueprint("attachments", __name__)

# Raster images only: an SVG can carry script, and an <img> of anything else shows nothing.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}
_SALT = "kept.inline-attachment"


@bp.get("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int) -> Response:
    row = db.session.get(MessageAttachment, attachment_id) or abort(404)
    response = _serve(row)
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@bp.get("/attachments/<int:attachment_id>/inline/<token>")
def inline(attachment_id: int, token: str) -> Response:
    try:
        signed_id = _serializer().loads(token, max_age=current_app.config.get("INLINE_IMAGE_URL_MAX_AGE", 12 * 3600))
    except BadSignature:
        abort(404)
    if signed_id != attachment_id:
        abort(404)
    row = db.session.get(MessageAttachment, attachment_id) or abort(404)
    if row.content_type not in INLINE_TYPES:
        abort(404)
    # Requested from the mail frame's opaque origin, so no Cross-Origin-Resource-Policy here.
    return _serve(row)


@bp.get("/messages/<int:message_id>/html")
@login_required
def message_html(message_id: int) -> Response:
    """The sanitised mail as its own document, for a client-side view to frame with ``src=``.

    The response header repeats the frame's sandbox, so the document stays script-less and
    origin-less even when an agent opens it in a tab of its own.
    """
    message = db.session.get(Message, message_id) or abort(404)
    if not tickets.visible_to(current_user, message.ticket):
        abort(404)
    allow_remote = request.args.get("remote_images") == "1"
    origins = (_origin(),)
    document = mail_document(
        message.html or "", message_cid_map(message), allow_remote_images=allow_remote, image_origins=origins
    )
    response = Response(document, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        f"sandbox {IFRAME_SANDBOX}; {frame_policy(origins, allow_remote)}; frame-ancestors 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global()
def inline_image_url(row: MessageAttachment) -> str:
    return url_for("attachments.inline", attachment_id=row.id, token=_serializer().dumps(row.id), _external=True)


@bp.app_template_global()
def message_cid_map(message: Message) -> dict[str, str]:
    """Content-ID → signed URL for the message's inline images."""
    return {
        row.content_id.strip("<>"): inline_image_url(row)
        for row in message.attachments
        if row.content_id and row.content_type in INLINE_TYPES
    }


@bp.app_template_global()
def message_html_frame(message: Message, allow_remote_images: bool | None = None) -> Markup:
    """The message's HTML in a sandboxed frame, with a link to load remote images on request.

    Remote images load only when the page URL carries ``remote_images=<message id>``: that is
    the link this renders, so the agent's click is what lets the sender's server see the visit.
    """
    if allow_remote_images is None:
        allow_remote_images = request.args.get("remote_images") == str(message.id)
    frame = mail_frame(
        message.html or "",
        message_cid_map(message),
        allow_remote_images=allow_remote_images,
        image_origins=(_origin(),),
        title=message.subject or _("Message"),
    )
    if allow_remote_images or not has_remote_images(message.html):
        return frame
    args = {**request.args.to_dict(), "remote_images": str(message.id)}
    link = url_for(request.endpoint, **(request.view_args or {}), **args) if request.endpoint else "?"
    notice = Markup('<p class="mail-remote-images"><a href="{}">{}</a></p>').format(
        link, _("This message has remote images, blocked to protect your privacy. Show them")
    )
    return notice + frame


def _serve(row: MessageAttachment) -> Response:
    response = send_file(
        attachments.path_of(row),
        mimetype=row.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=row.filename,
        max_age=0,
        conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # If a browser renders the file anyway (a built-in PDF viewer), nothing in it may run.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _origin() -> str:
    return "{0.scheme}://{0.netloc}".format(urlsplit(request.host_url))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)
