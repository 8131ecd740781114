"""X's webhook CRC answer and request signature, against the published test vectors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels.x.signature import crc_response, sign, signature_valid

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "x-webhook" / "autohook_signature_vectors.json"


@pytest.fixture
def vectors() -> dict:
    if not VECTORS.exists():
        pytest.skip(f"corpus missing: {VECTORS}")
    return json.loads(VECTORS.read_text())


def test_signatures_match_xs_published_vectors(vectors):
    for vector in vectors["vectors"]:
        assert sign(vectors["consumer_secret"], vector["body"].encode()) == vector["expected_header"]


def test_a_body_with_its_published_signature_is_accepted(vectors):
    for vector in vectors["vectors"]:
        assert signature_valid(vectors["consumer_secret"], vector["body"].encode(), vector["expected_header"])


def test_a_changed_body_is_rejected(vectors):
    vector = vectors["vectors"][1]
    tampered = vector["body"].replace("two", "three").encode()

    assert not signature_valid(vectors["consumer_secret"], tampered, vector["expected_header"])


def test_a_signature_made_with_another_secret_is_rejected(vectors):
    vector = vectors["vectors"][0]

    assert not signature_valid("not-test", vector["body"].encode(), vector["expected_header"])


def test_a_missing_signature_is_rejected():
    assert not signature_valid("test", b"{}", None)
    assert not signature_valid("test", b"{}", "")


def test_the_crc_answer_is_the_signed_token(vectors):
    # The CRC uses the same HMAC as bodies (X "Securing webhooks"; autohook validateWebhook), so
    # a token equal to a vector's body must answer with that vector's signature.
    vector = vectors["vectors"][0]

    assert crc_response(vectors["consumer_secret"], vector["body"]) == {"response_token": vector["expected_header"]}
