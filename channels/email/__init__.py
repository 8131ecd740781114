"""The email channel: SendGrid Inbound Parse in, SendGrid v3 Mail Send out.

``make_adapter`` is imported by the outbox worker, which has no use for the webhook views, so the
blueprint (and Flask with it) is only loaded when the app asks for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels.base import EMAIL, Adapter
from channels.email.settings import EmailSettings


def make_adapter(config: Mapping[str, Any]) -> Adapter:
    """SendGrid when an API key is configured, else the sandbox mailbox admins can read."""
    settings = EmailSettings.from_config(config)
    if not settings.sendgrid_api_key:
        from channels.sandbox import SandboxAdapter

        return SandboxAdapter(EMAIL)
    from channels.email.sendgrid_adapter import SendGridAdapter

    return SendGridAdapter(settings)


def __getattr__(name: str) -> Any:
    if name == "blueprint":
        from channels.email.views import blueprint

        return blueprint
    raise AttributeError(name)
