"""Signing outbound webhooks the Standard Webhooks way (v1: HMAC-SHA256), so receivers can verify
them with any Standard Webhooks library: the signed bytes are `{webhook-id}.{webhook-timestamp}.{body}`
and the secret is `whsec_` followed by 24 to 64 random bytes in base64."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh endpoint secret (32 random bytes), as shown to people."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_key(secret: str) -> bytes:
    """The key inside a `whsec_…` secret; ValueError, in words, if it isn't one."""
    raw = secret.strip().removeprefix(PREFIX)
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not a webhook secret (whsec_ followed by base64)") from None
    if not 24 <= len(key) <= 64:
        raise ValueError("must hold 24 to 64 random bytes (response-bot webhooks secret NAME makes one)")
    return key


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header's value for this attempt."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "Content-Type": "application/json",
    }
