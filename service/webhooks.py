"""Webhooks: POSTing a finished verification or batch to its callback_url, signed, retried with backoff.

The body is the verification's document (or the batch's progress, without items): results carry
no patient identifiers, and the request is never sent. `X-Signature: sha256=<hex HMAC-SHA256 of the
body>` under the secret of the key (or staff user) that asked; `X-Webhook-Delivery` is the same on
every attempt of one delivery, so a receiver can drop repeats. Only hosts on the allowlist are
called, redirects are not followed, and the allowlist is checked again before every attempt.
"""

import logging
import random
from urllib.parse import urlsplit

import orjson
import requests
from flask import current_app

from schemas.callbacks import refusal
from service import batches
from service.extensions import db
from service.models import ApiKey, StaffUser, WebhookDelivery, utcnow
from service.signing import body_signature, webhook_secret
from service.verification import document as verification_documents

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600


class RetryLater(Exception):
    """The delivery failed; try again in `seconds`."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds


def secret_of(api_key_id=None, staff_user_id=None) -> str:
    """The signing secret of a key (by its public prefix) or of a staff user (by username)."""
    if api_key_id is not None:
        return webhook_secret(f"key:{db.session.get(ApiKey, api_key_id).prefix}")
    return webhook_secret(f"user:{db.session.get(StaffUser, staff_user_id).username}")


def body(delivery: WebhookDelivery) -> bytes:
    # Links in the documents are built as the API builds them, outside any request here.
    with current_app.test_request_context():
        if delivery.verification_id is not None:
            document = verification_documents.document(verification_documents.get(delivery.verification_id))
        else:
            document = batches.document(batches.get(delivery.batch_id), per_page=0)
    return orjson.dumps(document)


def backoff(attempts: int) -> float:
    """Seconds before the next attempt: doubling from WEBHOOK_RETRY_SECONDS, capped, with jitter."""
    delay = min(current_app.config["WEBHOOK_RETRY_SECONDS"] * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
    return delay * random.uniform(0.5, 1.0)  # nosec B311 -- jitter spreads retries; nothing secret depends on it


def deliver(delivery_id: int) -> None:
    """One attempt at a delivery; raises RetryLater when it failed and attempts remain."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return
    host = urlsplit(delivery.url).hostname
    if (reason := refusal(delivery.url)) is not None:
        _close(delivery, "failed", error=reason[:300])
        log.warning("webhook delivery %s to %s not sent: %s", delivery.id, host, reason)
        return
    payload = body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "benefits-verification-webhooks",
        "X-Signature": body_signature(secret_of(delivery.api_key_id, delivery.staff_user_id), payload),
        "X-Webhook-Event": delivery.event,
        "X-Webhook-Delivery": str(delivery.id),
    }
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    try:
        with requests.post(delivery.url, data=payload, headers=headers, allow_redirects=False, stream=True,
                           timeout=(3.05, current_app.config["WEBHOOK_TIMEOUT_SECONDS"])) as response:
            delivery.last_status_code = response.status_code
            # A redirect counts as a failure: following it could lead off the allowlist.
            error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    except requests.RequestException as failure:
        # The exception's text may quote the URL (which may carry the receiver's token): keep its kind only.
        error = type(failure).__name__
    if error is None:
        _close(delivery, "delivered")
        return
    delivery.last_error = error
    if delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        _close(delivery, "failed", error=error)
        log.warning("webhook delivery %s to %s gave up after %s attempts: %s", delivery.id, host, delivery.attempts, error)
        return
    db.session.commit()
    log.info("webhook delivery %s to %s failed (attempt %s): %s", delivery.id, host, delivery.attempts, error)
    raise RetryLater(backoff(delivery.attempts))


def _close(delivery: WebhookDelivery, status: str, *, error: str | None = None) -> None:
    delivery.status = status
    if status == "delivered":
        delivery.delivered_at = utcnow()
    else:
        delivery.last_error = error
    db.session.commit()
