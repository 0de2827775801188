"""Webhooks: POSTing a finished verification or batch to its callback_url, signed, retried with backoff.

The body is the verification's document (or the batch's progress, without items): results carry
no patient identifiers, and the request is never sent. `X-Signature: sha256=<hex HMAC-SHA256 of the
body>` under the secret of the key (or staff user) that asked; `X-Webhook-Delivery` is the same on
every attempt of one delivery, so a receiver can drop repeats. Only hosts on the allowlist are
called, redirects are not followed, and the allowlist is checked again before every attempt.

Each attempt resolves the host once, refuses it unless every address it resolves to is public (no
private, loopback, link-local, multicast or reserved address: a name on the allowlist cannot be
pointed inside the network), and connects to that very address, so a second lookup (DNS rebinding)
never decides where the body goes; TLS still checks the certificate against the host's name.
Loopback is allowed only when WEBHOOK_ALLOW_LOOPBACK says so (the tests' receivers).
"""

import ipaddress
import logging
import random
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import orjson
import requests
from flask import current_app
from requests.adapters import HTTPAdapter

from schemas.callbacks import DEFAULT_PORTS, refusal
from service import batches, metrics
from service.extensions import db
from service.models import ApiKey, StaffUser, WebhookDelivery, utcnow
from service.signing import body_signature, webhook_secret
from service.verification import document as verification_documents

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 600


class Refused(Exception):
    """The host resolves to an address the service must not call."""


class Deadline:
    """Cuts a POST's connection still open at its deadline. requests' timeouts are per read: a receiver
    that trickles a header line every few seconds never reaches one, and would hold the worker until
    the task's time limit."""

    def __init__(self, seconds: float):
        self.passed = False
        self._connections = []
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> "Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def watch(self, pool):
        """Have `pool`'s connections cut at the deadline."""
        if getattr(pool, "deadline", None) is not self:
            deadline = self

            class Watched(pool.ConnectionCls):
                def connect(self):
                    deadline._connections.append(self)
                    super().connect()

            pool.ConnectionCls, pool.deadline = Watched, self
        return pool

    def _cut(self) -> None:
        self.passed = True
        for connection in self._connections:
            if (sock := getattr(connection, "sock", None)) is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once
                except OSError:
                    pass


class DeadlineExceeded(Exception):
    """The receiver did not answer within WEBHOOK_TIMEOUT_SECONDS in all."""


class Pinned(HTTPAdapter):
    """HTTP(S) whose connections a Deadline cuts; for HTTPS to an address, with SNI and the certificate
    checked against the host's name."""

    def __init__(self, deadline: Deadline, hostname: str | None = None):
        self._deadline = deadline
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        if self._hostname is not None:
            kwargs.update(server_hostname=self._hostname, assert_hostname=self._hostname)
        super().init_poolmanager(*args, **kwargs)

    def get_connection_with_tls_context(self, *args, **kwargs):
        return self._deadline.watch(super().get_connection_with_tls_context(*args, **kwargs))


def public_address(hostname: str, port: int) -> str:
    """The one address this attempt connects to: the host resolved once, every address it gave checked.
    Raises Refused for a forbidden address, OSError when the name does not resolve."""
    infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    allow_loopback = current_app.config["WEBHOOK_ALLOW_LOOPBACK"]
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        address = getattr(address, "ipv4_mapped", None) or address
        if address.is_loopback and allow_loopback:
            continue
        if address.is_loopback or not address.is_global or address.is_multicast:
            raise Refused("The host resolves to a private, loopback, link-local, multicast or reserved address.")
    return infos[0][4][0]


def post_pinned(url: str, address: str, payload: bytes, headers: dict, seconds: float) -> int:
    """POST to `url` over a connection to `address`, whatever the name resolves to by now; its status code,
    within `seconds` in all (DeadlineExceeded otherwise)."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: it would choose the address itself
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    with session, Deadline(seconds) as deadline:
        session.mount(f"{parts.scheme}://", Pinned(deadline, parts.hostname if parts.scheme == "https" else None))
        try:
            # The body is not read: the status says whether it landed.
            with session.post(urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), data=payload,
                              headers={**headers, "Host": host}, allow_redirects=False, stream=True,
                              timeout=(min(3.05, seconds), seconds)) as response:
                status = response.status_code
        except (requests.RequestException, OSError):
            if deadline.passed:
                raise DeadlineExceeded from None
            raise
    if deadline.passed:
        raise DeadlineExceeded
    return status


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


def attempt_seconds() -> float:
    """An attempt's deadline in all: WEBHOOK_TIMEOUT_SECONDS, and always ended well before the task's soft time
    limit (TASK_TIME_LIMIT - 5), so a slow receiver costs an attempt, never the task."""
    return min(current_app.config["WEBHOOK_TIMEOUT_SECONDS"], max(1.0, current_app.config["TASK_TIME_LIMIT"] - 10.0))


def retry_delay(attempts: int) -> float:
    """The longest wait before the next attempt after `attempts` (backoff's jitter only shortens it)."""
    return min(current_app.config["WEBHOOK_RETRY_SECONDS"] * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)


def backoff(attempts: int) -> float:
    """Seconds before the next attempt: doubling from WEBHOOK_RETRY_SECONDS, capped, with jitter."""
    return retry_delay(attempts) * random.uniform(0.5, 1.0)  # nosec B311 -- jitter spreads retries; nothing secret depends on it


def deliver(delivery_id: int) -> None:
    """One attempt at a delivery; raises RetryLater when it failed and attempts remain."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        return
    host = urlsplit(delivery.url).hostname
    if (reason := refusal(delivery.url)) is not None:
        _close(delivery, "failed", error=reason[:300])
        metrics.webhooks.labels("refused").inc()
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
    if delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        # Its attempts all ended without an answer recorded (a worker killed each time): the sweep sent it again.
        _close(delivery, "failed", error=delivery.last_error or "No answer recorded after every attempt.")
        metrics.webhooks.labels("gave_up").inc()
        return
    # Counted before the POST: an attempt cut short (its worker killed, its time limit hit) still counts.
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    db.session.commit()
    parts = urlsplit(delivery.url)
    try:
        address = public_address(parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])
        status = post_pinned(delivery.url, address, payload, headers, attempt_seconds())
        delivery.last_status_code = status
        # A redirect counts as a failure: following it could lead off the allowlist.
        error = None if 200 <= status < 300 else f"HTTP {status}"
    except Refused as refused:
        _close(delivery, "failed", error=str(refused))
        log.warning("webhook delivery %s to %s not sent: %s", delivery.id, host, refused)
        return
    except (requests.RequestException, OSError, DeadlineExceeded) as failure:
        # The exception's text may quote the URL (which may carry the receiver's token): keep its kind only.
        error = type(failure).__name__
    if error is None:
        _close(delivery, "delivered")
        metrics.webhooks.labels("delivered").inc()
        return
    delivery.last_error = error
    if delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        _close(delivery, "failed", error=error)
        metrics.webhooks.labels("gave_up").inc()
        log.warning("webhook delivery %s to %s gave up after %s attempts: %s", delivery.id, host, delivery.attempts, error)
        return
    db.session.commit()
    metrics.webhooks.labels("retrying").inc()
    log.info("webhook delivery %s to %s failed (attempt %s): %s", delivery.id, host, delivery.attempts, error)
    raise RetryLater(backoff(delivery.attempts))


def _close(delivery: WebhookDelivery, status: str, *, error: str | None = None) -> None:
    delivery.status = status
    if status == "delivered":
        delivery.delivered_at = utcnow()
    else:
        delivery.last_error = error
    db.session.commit()
