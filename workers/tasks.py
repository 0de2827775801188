"""Celery tasks: thin, idempotent, given ids only (never PHI); the work is in plain functions."""

from uuid import UUID

import redis.exceptions
import sqlalchemy.exc
from celery import shared_task
from flask import current_app

from service import retention, sweep, webhooks
from service.verification import payer, run

# Worth another try: the database or Redis was briefly unreachable.
TRANSIENT_ERRORS = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# Every task: acknowledged only once done (a lost worker's task runs again), retried on transient errors.
RELIABLE = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="workers.tasks.verify", **RELIABLE)
def verify(verification_id: str) -> None:
    """Run the rule modules on one verification and store the result."""
    run.run(UUID(verification_id))


@shared_task(name="workers.tasks.verify_many", **RELIABLE)
def verify_many(verification_ids: list[str]) -> None:
    """Run the rule modules on a chunk of a batch's verifications (finished ones are skipped)."""
    run.run_many([UUID(verification_id) for verification_id in verification_ids])


@shared_task(name="workers.tasks.deliver_webhook", bind=True, **RELIABLE)
def deliver_webhook(self, delivery_id: int) -> None:
    """POST one finished verification or batch to its callback_url; failed attempts come back with backoff."""
    try:
        webhooks.deliver(delivery_id)
    except webhooks.RetryLater as later:
        # The attempts are counted in the database (WEBHOOK_MAX_ATTEMPTS), not by Celery.
        raise self.retry(countdown=later.seconds, max_retries=None) from later


@shared_task(name="workers.tasks.sweep")
def requeue_lost() -> int:
    """Queue again the verifications and webhook deliveries whose task was lost, and fail the eligibility inquiries
    whose task was lost (Celery beat runs it every SWEEP_INTERVAL_SECONDS)."""
    config = current_app.config
    after = config["SWEEP_AFTER_SECONDS"]
    return (sweep.requeue_lost(after) + sweep.requeue_webhooks(after)
            + sweep.fail_lost_inquiries(config["ELIGIBILITY_LOST_SECONDS"]))


@shared_task(name="workers.tasks.purge")
def purge_expired() -> int:
    """Delete verifications older than RETENTION_DAYS (Celery beat runs it nightly)."""
    return retention.purge(current_app.config["RETENTION_DAYS"])


@shared_task(name="workers.tasks.check_eligibility", bind=True, **RELIABLE)
def check_eligibility(self, inquiry_id: int) -> None:
    """Send one eligibility inquiry's 270 through the clearinghouse (or join an identical one) and feed the
    271 to the rules; its own queue, so a slow payer holds up no verification."""
    try:
        payer.check(inquiry_id)
    except payer.RetryLater as later:
        # The bounds are counted in the inquiry's row (ELIGIBILITY_SEND_RETRIES, one AAA 42 retry), not by Celery.
        raise self.retry(countdown=later.seconds, max_retries=None) from later
    except TRANSIENT_ERRORS:
        raise
    except Exception:
        payer.broken(inquiry_id)
        raise
