"""HMACs under the app's secret: fingerprints, idempotency keys, sign-in failure counters and webhook secrets."""

import hashlib
import hmac

from flask import current_app


def sign(purpose: str, payload: bytes) -> str:
    """HMAC-SHA256 under the app's secret, one purpose per use so digests never collide across uses."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def webhook_secret(owner: str) -> str:
    """The secret that signs webhooks for `owner` ("key:<prefix>" or "user:<username>"): derived, never stored."""
    return "whsec_" + sign("webhook", owner.encode())


def body_signature(secret: str, body: bytes) -> str:
    """The X-Signature header's value: `sha256=` and the hex HMAC-SHA256 of the body under the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
