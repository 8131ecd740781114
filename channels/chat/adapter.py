"""Agents' replies to the widget: emitting to the visitor's room is the delivery.

Through Flask-SocketIO's message queue (Redis) the emit reaches the visitor's socket on whichever
web process holds it, also from a Celery worker. A visitor with no tab open misses the live event
but reads the reply in the history their next connection loads, so the delivery stands.
"""
from __future__ import annotations

from channels.base import CHAT, DeliveryError, DeliveryResult, Outbound
from channels.chat.conversation import message_payload
from channels.chat.rooms import NAMESPACE, visitor_room
from inbox.extensions import db, socketio
from inbox.models import Message


class ChatAdapter:
    name = CHAT

    def send(self, outbound: Outbound) -> DeliveryResult:
        message = db.session.get(Message, outbound.message_id) if outbound.message_id else None
        if message is None:
            raise DeliveryError("chat replies are delivered from a stored message", retryable=False)
        try:
            socketio.emit("message", message_payload(message), to=visitor_room(outbound.recipient.external_id),
                          namespace=NAMESPACE)
        except Exception as error:  # the message queue is down: try again later
            raise DeliveryError(f"could not emit to the visitor: {error}", retryable=True) from error
        return DeliveryResult(external_ids=(f"chat-{outbound.idempotency_key}",), detail="emitted to the visitor")
