"""The adapter every channel uses without provider credentials: deliveries go to the sandbox page."""
from __future__ import annotations

from channels.base import DeliveryResult, Outbound
from inbox import sandbox


class SandboxAdapter:
    def __init__(self, name: str):
        self.name = name

    def send(self, outbound: Outbound) -> DeliveryResult:
        external_id = sandbox.record(outbound)
        return DeliveryResult(external_ids=(external_id,), detail="sandbox")
