"""X webhook security: the CRC challenge and the request signature.

Both follow X's "Securing webhooks" guide and are the same for the Account Activity API and the
V2 webhooks of the X Activity API: base64 of HMAC-SHA256 keyed with the app's consumer secret,
prefixed ``sha256=``. X re-runs the CRC hourly and disables a webhook that fails it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def sign(secret: str, message: bytes | str) -> str:
    """``sha256=`` + base64(HMAC-SHA256(secret, message)), X's format for both CRC and bodies."""
    if isinstance(message, str):
        message = message.encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def crc_response(secret: str, crc_token: str) -> dict[str, str]:
    """The JSON body that answers X's ``GET ?crc_token=…`` challenge."""
    return {"response_token": sign(secret, crc_token)}


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is X's signature of the raw ``body``, compared in constant time."""
    if not header or not secret:
        return False
    return hmac.compare_digest(sign(secret, body).encode("ascii"), header.strip().encode("utf-8", "replace"))
