"""The sandbox mailbox: what channels would have sent, readable by admins on an install without
provider credentials. Recording is idempotent on the delivery's key, like a real provider would be."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from channels.base import Outbound
from inbox.extensions import db
from inbox.models import SandboxDelivery


def record(outbound: Outbound) -> str:
    existing = db.session.scalar(
        select(SandboxDelivery).where(SandboxDelivery.idempotency_key == outbound.idempotency_key)
    )
    if existing is None:
        payload = asdict(outbound)
        payload["attachments"] = [
            {"filename": a.filename, "content_type": a.content_type, "size": len(a.data)} for a in outbound.attachments
        ]
        existing = SandboxDelivery(
            channel=outbound.channel,
            idempotency_key=outbound.idempotency_key,
            recipient=outbound.recipient.external_id,
            subject=outbound.subject,
            text=outbound.text,
            html=outbound.html,
            payload=payload,
            ticket_id=outbound.ticket_id,
        )
        db.session.add(existing)
        db.session.flush()
    return f"sandbox-{outbound.channel}-{existing.id}"
