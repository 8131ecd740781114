"""Delivering outbound mail through SendGrid's v3 Mail Send API."""

from __future__ import annotations

import json
import logging
import urllib.error
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from python_http_client.exceptions import HTTPError
from sendgrid import SendGridAPIClient

from channels.base import EMAIL, DeliveryError, DeliveryResult, Outbound
from channels.email.compose import build_mail, message_id
from channels.email.settings import EmailSettings

log = logging.getLogger(__name__)


class SendGridAdapter:
    name = EMAIL

    def __init__(self, settings: EmailSettings):
        self.settings = settings
        self.client = SendGridAPIClient(settings.sendgrid_api_key, host=settings.sendgrid_api_host)

    def send(self, outbound: Outbound) -> DeliveryResult:
        own_id = message_id(outbound, self.settings)
        body = build_mail(outbound, self.settings).get()
        try:
            response = self.client.client.mail.send.post(request_body=body, timeout=self.settings.sendgrid_timeout)
        except HTTPError as exc:
            raise _delivery_error(exc) from exc
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
            raise DeliveryError(f"SendGrid unreachable: {exc}", retryable=True) from exc
        headers = response.headers
        sendgrid_id = (headers.get("X-Message-Id") if headers is not None else None) or ""
        return DeliveryResult(external_ids=(own_id,), detail=sendgrid_id)


def _delivery_error(exc: HTTPError) -> DeliveryError:
    status = int(exc.status_code)
    reason = f"SendGrid {status}: {_error_text(exc.body)}"
    if status == 429 or status >= 500:
        return DeliveryError(reason, retryable=True, retry_after=_retry_after(exc.headers))
    return DeliveryError(reason, retryable=False)


def _error_text(body: bytes | str | None) -> str:
    """SendGrid's own words: ``{"errors": [{"message": ..., "field": ...}]}``."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        errors = json.loads(text).get("errors") or []
    except (ValueError, AttributeError):
        return text.strip()[:500] or "no detail"
    messages = [
        f"{e.get('message')} ({e['field']})" if e.get("field") else str(e.get("message"))
        for e in errors
        if isinstance(e, dict)
    ]
    return "; ".join(messages)[:500] or text.strip()[:500] or "no detail"


def _retry_after(headers) -> float | None:
    """RFC 9110 section 10.2.3: delay-seconds or an HTTP date."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
