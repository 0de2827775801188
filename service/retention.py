"""Retention: verifications (they hold PHI) are deleted, with their denial reasons, once older than
the configured number of days. The audit trail, which holds ids only, is kept."""

import logging
from datetime import timedelta

from sqlalchemy import delete, select

from service.extensions import db
from service.models import Verification, VerificationDenial, utcnow

log = logging.getLogger(__name__)


def purge(days: int, *, now=None, batch: int = 500) -> int:
    """Delete every verification created more than `days` days before `now`; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    deleted = 0
    # In batches, each its own transaction, so a large purge never holds a long lock.
    while ids := db.session.scalars(select(Verification.id).where(Verification.created_at < cutoff).limit(batch)).all():
        db.session.execute(delete(VerificationDenial).where(VerificationDenial.verification_id.in_(ids)))
        db.session.execute(delete(Verification).where(Verification.id.in_(ids)))
        db.session.commit()
        deleted += len(ids)
    log.info("retention: deleted %d verifications created before %s", deleted, cutoff.date().isoformat())
    return deleted
