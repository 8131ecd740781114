"""The website chat widget: a Socket.IO namespace for visitors, and deliveries back to them.

``static/widget.js`` opens ``/chat`` (:mod:`channels.chat.namespace`); visitors' messages go
through :func:`inbox.ingest.ingest` like every channel's; agents' replies come back through the
outbox to :class:`channels.chat.adapter.ChatAdapter`, which emits them to the visitor's room.
The wait a visitor is told lives in :mod:`channels.chat.waits`; leaving, abandoning and moving
to email in :mod:`channels.chat.presence`. The protocol is documented in the README.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from channels.base import Adapter
from channels.chat import namespace, presence, waits  # noqa: F401 - presence and waits register jobs
from channels.chat.adapter import ChatAdapter
from channels.chat.typing import agent_typing
from channels.chat.views import blueprint

__all__ = ["agent_typing", "blueprint", "init_app", "make_adapter"]


def make_adapter(config: Mapping[str, Any]) -> Adapter:
    # Emitting to the visitor's room is the real delivery: there is no provider to sandbox.
    return ChatAdapter()


def init_app(app: Flask) -> None:
    namespace.register()
