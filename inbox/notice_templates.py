"""The words of wait-time notices: built-in wording in en/ja/ko, admins' own per channel and
language, rendered in a sandbox.

Templates are Jinja in a :class:`~jinja2.sandbox.SandboxedEnvironment`: an admin's template may
use the variables below and Jinja's filters, never attributes of Python objects, and every
variable is a plain string. A template that fails to render falls back to the built-in wording,
so a typo never leaves a customer without a notice.

Variables: ``customer_name``, ``first_name``, ``ticket_ref`` ("#123"), ``ticket_id``, ``subject``,
``promise_relative`` ("within about 2 hours"), ``promise_absolute`` ("by 15:30 (JST)"),
``closed_note`` ("We're closed for New Year's Day." or empty), ``team_name``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select

from inbox.extensions import db
from inbox.models.promises import NoticeTemplate

log = logging.getLogger(__name__)

KINDS = ("notice", "update")
LANGUAGES = ("en", "ja", "ko")
# (channel, variant): X answers a public mention in public (nothing personal) and a DM in private.
SHAPES = (("email", "default"), ("x", "public"), ("x", "private"), ("chat", "default"))
VARIABLES = ("customer_name", "first_name", "ticket_ref", "ticket_id", "subject", "promise_relative",
             "promise_absolute", "closed_note", "team_name")
MAX_BODY = 4000

_env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False)

_EMAIL_NOTICE = {
    "en": ("{{ subject or \"We've received your message\" }}",
           "{% if first_name %}Hi {{ first_name }},{% else %}Hello,{% endif %}\n\n"
           "Thank you for writing to us. Your request is {{ ticket_ref }}.\n"
           "{% if closed_note %}{{ closed_note }} {% endif %}"
           "We'll reply {{ promise_relative }} — {{ promise_absolute }}.\n\n"
           "If there's anything to add, just reply to this email.\n\n{{ team_name }}"),
    "ja": ("{{ subject or 'お問い合わせを受け付けました' }}",
           "{% if customer_name %}{{ customer_name }} 様\n\n{% endif %}"
           "お問い合わせいただきありがとうございます。受付番号は {{ ticket_ref }} です。\n"
           "{% if closed_note %}{{ closed_note }}{% endif %}"
           "{{ promise_absolute }}にご返信いたします（{{ promise_relative }}）。\n\n"
           "追加のご連絡は、このメールにそのままご返信ください。\n\n{{ team_name }}"),
    "ko": ("{{ subject or '문의가 접수되었습니다' }}",
           "{% if customer_name %}{{ customer_name }}님, 안녕하세요.\n\n{% endif %}"
           "문의해 주셔서 감사합니다. 접수 번호는 {{ ticket_ref }}입니다.\n"
           "{% if closed_note %}{{ closed_note }} {% endif %}"
           "{{ promise_absolute }} 답변드리겠습니다({{ promise_relative }}).\n\n"
           "추가로 전하실 내용이 있으면 이 메일에 회신해 주세요.\n\n{{ team_name }}"),
}
_EMAIL_UPDATE = {
    "en": ("{{ subject or 'An update on your request' }}",
           "{% if first_name %}Hi {{ first_name }},{% else %}Hello,{% endif %}\n\n"
           "We're sorry: we're running behind and won't make the time we gave you for {{ ticket_ref }}.\n"
           "{% if closed_note %}{{ closed_note }} {% endif %}"
           "We now expect to reply {{ promise_relative }} — {{ promise_absolute }}.\n\n{{ team_name }}"),
    "ja": ("{{ subject or 'お問い合わせ状況のお知らせ' }}",
           "{% if customer_name %}{{ customer_name }} 様\n\n{% endif %}"
           "申し訳ございません。{{ ticket_ref }} について、お伝えした時刻までにご返信できない見込みです。\n"
           "{% if closed_note %}{{ closed_note }}{% endif %}"
           "{{ promise_absolute }}にご返信いたします（{{ promise_relative }}）。\n\n{{ team_name }}"),
    "ko": ("{{ subject or '문의 처리 안내' }}",
           "{% if customer_name %}{{ customer_name }}님, 안녕하세요.\n\n{% endif %}"
           "죄송합니다. {{ ticket_ref }} 문의에 안내드린 시간까지 답변드리기 어렵게 되었습니다.\n"
           "{% if closed_note %}{{ closed_note }} {% endif %}"
           "{{ promise_absolute }} 답변드리겠습니다({{ promise_relative }}).\n\n{{ team_name }}"),
}
# Public posts carry no name and nothing the customer told us: only the time and the reference.
_X_PUBLIC_NOTICE = {
    "en": "Thanks for reaching out! {% if closed_note %}{{ closed_note }} {% endif %}We'll reply "
          "{{ promise_relative }} — {{ promise_absolute }}. Ref {{ ticket_ref }}. "
          "For anything personal, please send us a DM.",
    "ja": "お問い合わせありがとうございます。{% if closed_note %}{{ closed_note }}{% endif %}"
          "{{ promise_absolute }}にご返信します（{{ promise_relative }}）。受付番号 {{ ticket_ref }}。"
          "個人情報はDMでお送りください。",
    "ko": "문의 감사합니다. {% if closed_note %}{{ closed_note }} {% endif %}{{ promise_absolute }} "
          "답변드리겠습니다({{ promise_relative }}). 접수 번호 {{ ticket_ref }}. 개인 정보는 DM으로 보내 주세요.",
}
_X_PUBLIC_UPDATE = {
    "en": "Sorry, we're running behind. We now expect to reply {{ promise_relative }} — {{ promise_absolute }}. "
          "Ref {{ ticket_ref }}.",
    "ja": "申し訳ございません。ご返信が遅れています。{{ promise_absolute }}にご返信します（{{ promise_relative }}）。"
          "受付番号 {{ ticket_ref }}。",
    "ko": "죄송합니다. 답변이 늦어지고 있습니다. {{ promise_absolute }} 답변드리겠습니다({{ promise_relative }}). "
          "접수 번호 {{ ticket_ref }}.",
}
_PRIVATE_NOTICE = {
    "en": "{% if first_name %}Hi {{ first_name }}, thanks{% else %}Thanks{% endif %} for your message "
          "({{ ticket_ref }}). {% if closed_note %}{{ closed_note }} {% endif %}We'll reply {{ promise_relative }} — "
          "{{ promise_absolute }}.",
    "ja": "{% if customer_name %}{{ customer_name }} 様、{% endif %}"
          "お問い合わせありがとうございます（{{ ticket_ref }}）。{% if closed_note %}{{ closed_note }}{% endif %}"
          "{{ promise_absolute }}にご返信します（{{ promise_relative }}）。",
    "ko": "{% if customer_name %}{{ customer_name }}님, {% endif %}문의 감사합니다({{ ticket_ref }}). "
          "{% if closed_note %}{{ closed_note }} {% endif %}"
          "{{ promise_absolute }} 답변드리겠습니다({{ promise_relative }}).",
}
_PRIVATE_UPDATE = {
    "en": "{% if first_name %}{{ first_name }}, we're{% else %}We're{% endif %} sorry: we're running behind on "
          "{{ ticket_ref }}. We now expect to reply {{ promise_relative }} — {{ promise_absolute }}.",
    "ja": "{% if customer_name %}{{ customer_name }} 様、{% endif %}"
          "申し訳ございません。{{ ticket_ref }} のご返信が遅れています。"
          "{{ promise_absolute }}にご返信します（{{ promise_relative }}）。",
    "ko": "{% if customer_name %}{{ customer_name }}님, {% endif %}"
          "죄송합니다. {{ ticket_ref }} 답변이 늦어지고 있습니다. "
          "{{ promise_absolute }} 답변드리겠습니다({{ promise_relative }}).",
}

DEFAULTS: dict[tuple[str, str, str], dict[str, tuple[str | None, str]]] = {}
for _lang in LANGUAGES:
    DEFAULTS.setdefault(("email", "default", "notice"), {})[_lang] = _EMAIL_NOTICE[_lang]
    DEFAULTS.setdefault(("email", "default", "update"), {})[_lang] = _EMAIL_UPDATE[_lang]
    DEFAULTS.setdefault(("x", "public", "notice"), {})[_lang] = (None, _X_PUBLIC_NOTICE[_lang])
    DEFAULTS.setdefault(("x", "public", "update"), {})[_lang] = (None, _X_PUBLIC_UPDATE[_lang])
    for _channel in ("x", "chat"):
        _variant = "private" if _channel == "x" else "default"
        DEFAULTS.setdefault((_channel, _variant, "notice"), {})[_lang] = (None, _PRIVATE_NOTICE[_lang])
        DEFAULTS.setdefault((_channel, _variant, "update"), {})[_lang] = (None, _PRIVATE_UPDATE[_lang])


class NoticeTemplateError(ValueError):
    """An admin's template that cannot be used; the message says why."""


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str
    custom: bool     # from an admin's template (False: the built-in wording)


def default(channel: str, variant: str, language: str, kind: str) -> tuple[str | None, str]:
    table = DEFAULTS[(channel, variant, kind)]
    return table.get(language) or table["en"]


def stored(channel: str, variant: str, language: str, kind: str) -> NoticeTemplate | None:
    return db.session.scalar(select(NoticeTemplate).where(
        NoticeTemplate.channel == channel, NoticeTemplate.variant == variant,
        NoticeTemplate.language == language, NoticeTemplate.kind == kind))


def render_text(source: str, variables: dict[str, Any]) -> str:
    """Render one template string; raises NoticeTemplateError with Jinja's reason."""
    try:
        return _env.from_string(source).render(**{k: variables.get(k, "") for k in VARIABLES}).strip()
    except TemplateError as error:
        raise NoticeTemplateError(str(error)) from error


def render(channel: str, variant: str, language: str, kind: str, variables: dict[str, Any]) -> Rendered:
    """The notice in the admin's wording if there is one that renders, else the built-in one."""
    row = stored(channel, variant, language, kind)
    if row is not None:
        try:
            subject = render_text(row.subject, variables) if row.subject else None
            return Rendered(subject, render_text(row.body, variables), True)
        except NoticeTemplateError:
            log.warning("notice template %s/%s/%s/%s does not render; using the built-in wording",
                        channel, variant, language, kind, exc_info=True)
    subject_src, body_src = default(channel, variant, language, kind)
    return Rendered(render_text(subject_src, variables) if subject_src else None,
                    render_text(body_src, variables), False)


def save(channel: str, variant: str, language: str, kind: str, subject: str | None, body: str,
         sample: dict[str, Any], agent_id: int | None = None) -> NoticeTemplate | None:
    """Store an admin's template after rendering it with ``sample``; an empty body restores the
    built-in wording. The caller commits."""
    if (channel, variant) not in SHAPES or language not in LANGUAGES or kind not in KINDS:
        raise NoticeTemplateError("unknown template")
    body = (body or "").strip()
    row = stored(channel, variant, language, kind)
    if not body:
        if row is not None:
            db.session.delete(row)
        return None
    if len(body) > MAX_BODY:
        raise NoticeTemplateError(f"a notice must be at most {MAX_BODY} characters")
    if subject:
        render_text(subject, sample)
    render_text(body, sample)
    if row is None:
        row = NoticeTemplate(channel=channel, variant=variant, language=language, kind=kind)
        db.session.add(row)
    row.subject = (subject or "").strip() or None
    row.body = body
    row.updated_by_id = agent_id
    return row
