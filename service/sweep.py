"""The sweep: queue again every verification whose task was lost, so each accepted one completes.

A task is lost when the broker was down as the request was saved, when Redis restarted without
its data, or when a worker died holding the message. Such a verification stays `queued` (or
`running`), and an identical request that joined it as a follower waits on the same lost task.
The sweep takes no notice of the in-flight marker: the task is idempotent and finishes a
verification exactly once (a conditional UPDATE), so a second delivery costs one look-up.
"""

import logging
from datetime import timedelta, timezone

from sqlalchemy import func, or_, select, update

from service import queue, webhooks
from service.extensions import db
from service.models import Verification, WebhookDelivery, utcnow
from service.verification.row import UNFINISHED

log = logging.getLogger(__name__)

# A verification whose evaluation was started this often without finishing (its worker killed each
# time, or the time limit hit) is failed rather than queued again.
MAX_ATTEMPTS = 5
EXHAUSTED = "It could not be evaluated after several attempts; it has been logged for review."


def requeue_lost(after_seconds: float, limit: int = 500) -> int:
    """Queue one task per group of identical lost verifications; returns how many verifications it covers."""
    now = utcnow()
    lost = db.session.execute(
        select(Verification.id, Verification.fingerprint, Verification.attempts)
        .where(
            Verification.status.in_(UNFINISHED),
            or_(Verification.dispatched_at.is_(None), Verification.dispatched_at < now - timedelta(seconds=after_seconds)),
        )
        .order_by(Verification.created_at)
        .limit(limit)
    ).all()
    exhausted = [row.id for row in lost if row.attempts >= MAX_ATTEMPTS]
    if exhausted:
        log.error("failing %d verifications after %d attempts each", len(exhausted), MAX_ATTEMPTS)
        db.session.execute(
            update(Verification)
            .where(Verification.id.in_(exhausted), Verification.status.in_(UNFINISHED))
            .values(status="failed", completed_at=now, error=EXHAUSTED)
        )
    groups: dict[str, list] = {}
    for row in lost:
        if row.attempts < MAX_ATTEMPTS:
            groups.setdefault(row.fingerprint, []).append(row.id)
    sent, tasks = [], 0
    for ids in groups.values():
        try:
            queue.verify(ids[0])
        except queue.BROKER_UNAVAILABLE as error:
            log.warning("sweep stopped: broker unavailable (%s)", type(error).__name__)
            break
        sent.extend(ids)
        tasks += 1
    if sent:
        db.session.execute(update(Verification).where(Verification.id.in_(sent)).values(dispatched_at=now))
    db.session.commit()
    if groups:
        log.info("sweep queued %d lost verifications again (%d tasks)", len(sent), tasks)
    return len(sent)


def requeue_webhooks(after_seconds: float, limit: int = 500) -> int:
    """Queue again every pending webhook delivery with no task coming: never sent (the broker was down), or
    not tried again within its backoff and `after_seconds` more (its task lost). Returns how many."""
    now = utcnow()
    candidates = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.created_at, WebhookDelivery.last_attempt_at)
        .where(WebhookDelivery.status == "pending",
               func.coalesce(WebhookDelivery.last_attempt_at, WebhookDelivery.created_at)
               < now - timedelta(seconds=after_seconds))
        .order_by(WebhookDelivery.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    sent = 0
    for delivery in candidates:
        if delivery.attempts and _aware(delivery.last_attempt_at) > now - timedelta(
                seconds=after_seconds + webhooks.retry_delay(delivery.attempts)):
            continue  # its retry may still be waiting out its backoff
        try:
            queue.deliver_webhook(delivery.id)
        except queue.BROKER_UNAVAILABLE as error:
            log.warning("webhook sweep stopped: broker unavailable (%s)", type(error).__name__)
            break
        sent += 1
    if sent:
        log.info("sweep queued %d stuck webhook deliveries again", sent)
    return sent


def _aware(moment):
    """SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
