"""The sweep: queue again every verification whose task was lost, so each accepted one completes; and
settle every eligibility inquiry whose task was lost, so its check does not stay pending for good.

A task is lost when the broker was down as the request was saved, when Redis restarted without
its data, or when a worker died holding the message. Such a verification stays `queued` (or
`running`), and an identical request that joined it as a follower waits on the same lost task.
The sweep takes no notice of the in-flight marker: the task is idempotent and finishes a
verification exactly once (a conditional UPDATE), so a second delivery costs one look-up.
"""

import logging
from datetime import timedelta, timezone

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from service import metrics, queue, webhooks
from service.extensions import db
from service.models import EligibilityInquiry, Verification, WebhookDelivery, utcnow
from service.verification import inquiries, payer
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


LOST_INQUIRY = ("This check stopped without an answer: its task was lost (the broker restarted, or a worker "
                "stopped). Ask again.")


def fail_lost_inquiries(after_seconds: float, limit: int = 500) -> int:
    """Fail every pending eligibility inquiry that has not moved for `after_seconds` (queued and never picked
    up, sent by a worker that died, or a retry that never came), and settle it: its check then shows the
    failure, and staff can ask again. Nothing is sent to the payer from here: what reached the payer once is
    not sent twice unknowingly. Also settles answered or failed inquiries whose answer never reached their
    verification. Returns how many inquiries were failed."""
    config = current_app.config
    cutoff = utcnow() - timedelta(seconds=after_seconds)
    # A retry waits out its backoff (or the AAA 42 delay) first.
    longest_retry = max(config["ELIGIBILITY_RETRY_SECONDS"],
                        config["ELIGIBILITY_BACKOFF_SECONDS"] * 2 ** config["ELIGIBILITY_SEND_RETRIES"])
    inquiry = EligibilityInquiry
    # Followers take their leader's outcome when it is settled.
    leader = inquiry.joined_inquiry_id.is_(None)
    stuck = or_(
        and_(inquiry.status == "queued", inquiry.created_at < cutoff),
        and_(inquiry.status == "sent", inquiry.sent_at < cutoff),
        and_(inquiry.status == "retry_scheduled",
             func.coalesce(inquiry.sent_at, inquiry.created_at) < cutoff - timedelta(seconds=longest_retry)),
    )
    candidates = db.session.scalars(select(inquiry.id).where(leader, stuck).order_by(inquiry.id).limit(limit)).all()
    failed = []
    if candidates:
        # The conditions again: a task that moved one meanwhile keeps it.
        failed = db.session.execute(update(inquiry).where(inquiry.id.in_(candidates), leader, stuck).values(
            status="failed", failure_kind="lost", failure_detail=LOST_INQUIRY).returning(inquiry.id, inquiry.adapter)).all()
        db.session.commit()
        for _, clearinghouse in failed:
            metrics.eligibility_settled(clearinghouse, "lost")
    unapplied = db.session.scalars(select(inquiry.id).where(
        leader, inquiry.status.in_(inquiries.SETTLED), inquiry.applied_at.is_(None),
        func.coalesce(inquiry.answered_at, inquiry.sent_at, inquiry.created_at) < cutoff,
    ).order_by(inquiry.id).limit(limit)).all()
    for inquiry_id in sorted({*(inquiry_id for inquiry_id, _ in failed), *unapplied}):
        try:
            payer.settle(inquiries.get(inquiry_id))
        except payer.RetryLater:
            db.session.rollback()  # its verification has not finished: a later sweep settles it
    if failed:
        log.warning("sweep failed %d eligibility inquiries whose task was lost", len(failed))
    return len(failed)


def _aware(moment):
    """SQLite hands back naive datetimes (stored in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
