"""What follows a verification's end: its webhook, and its batch's completion (with the batch's
webhook). Most verifications need neither, and cost nothing here."""

import logging

from sqlalchemy import select

from service import queue
from service.durability import commit_durably
from service.extensions import db
from service.models import Batch, Verification, WebhookDelivery
from service.verification import store

log = logging.getLogger(__name__)


def followed_up(done) -> None:
    """Schedule the webhooks and complete the batches of these just-finished verifications (each item has
    `id`, `callback_url` and `batch_id`: a Finished, or a Row)."""
    called = [verification.id for verification in done if verification.callback_url]
    batched = [verification.id for verification in done if verification.batch_id]
    if called:
        verifications_finished(called)
    if batched:
        batches_finished(store.complete_batches(batched))


def verifications_finished(verification_ids) -> None:
    """Schedule a delivery for each of these finished verifications that has a callback_url."""
    _schedule_verifications("verification.completed", verification_ids)


def verifications_updated(verification_ids) -> None:
    """Schedule a "verification.updated" delivery for each of these verifications that has a callback_url: a
    completed verification whose eligibility check with the payer has settled (its result may have changed)."""
    _schedule_verifications("verification.updated", verification_ids)


def _schedule_verifications(event: str, verification_ids) -> None:
    asked = db.session.execute(
        select(Verification.id, Verification.callback_url, Verification.api_key_id, Verification.staff_user_id).where(
            Verification.id.in_(list(verification_ids)), Verification.callback_url.is_not(None)
        )
    ).all()
    _schedule([
        WebhookDelivery(event=event, verification_id=row.id, url=row.callback_url,
                        api_key_id=row.api_key_id, staff_user_id=row.staff_user_id)
        for row in asked
    ])


def batches_finished(batch_ids) -> None:
    """Schedule a delivery for each of these completed batches that has a callback_url."""
    asked = db.session.scalars(select(Batch).where(Batch.id.in_(list(batch_ids)), Batch.callback_url.is_not(None)))
    _schedule([
        WebhookDelivery(event="batch.completed", batch_id=batch.id, url=batch.callback_url,
                        api_key_id=batch.api_key_id, staff_user_id=batch.staff_user_id)
        for batch in asked
    ])


def _schedule(deliveries: list[WebhookDelivery]) -> None:
    if not deliveries:
        return
    db.session.add_all(deliveries)
    commit_durably(db.session)
    try:
        for delivery in deliveries:
            queue.deliver_webhook(delivery.id)
    except queue.BROKER_UNAVAILABLE as error:
        log.warning("%d webhook deliveries saved but not queued (%s); the sweep will queue them",
                    len(deliveries), type(error).__name__)
