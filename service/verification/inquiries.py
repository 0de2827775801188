"""Eligibility inquiries (the eligibility_inquiries table): every statement a check with the payer runs,
and the dedupe claim that keeps one inquiry from reaching a payer twice within the window.

The dedupe claim is a Redis key named by an HMAC of the inquiry (payer, member id, date of birth,
service types, date of service: no PHI in clear), set only if absent, that lives for the window
and holds the first inquiry's id; while Redis is down, the table's recent rows are asked instead.
"""

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from service import metrics
from service.durability import commit_durably
from service.extensions import db, redis_store
from service.models import EligibilityInquiry, utcnow
from service.redis_store import UNAVAILABLE
from service.signing import sign
from workers.clearinghouse import settings_from_env

log = logging.getLogger(__name__)

PENDING = ("queued", "sent", "retry_scheduled")
SETTLED = ("answered", "failed")


def clearinghouse() -> str:
    """The configured clearinghouse's name (stedi, core, fake), "" when none is (or its settings are incomplete)."""
    try:
        return settings_from_env(current_app.config["CLEARINGHOUSE"]).kind
    except ValueError:
        return ""


def announcement_channel(verification_id) -> str:
    """The "done" channel a settled inquiry is announced on (service/verification/cache.py `announce`)."""
    return f"eligibility:{verification_id}"


def add(verification_id, adapter: str, reason: str) -> EligibilityInquiry:
    """A new inquiry for a verification, committed (before its task is sent)."""
    inquiry = EligibilityInquiry(verification_id=verification_id, adapter=adapter, reason=reason, status="queued",
                                 attempts=0, created_at=utcnow())
    db.session.add(inquiry)
    db.session.commit()
    return inquiry


def get(inquiry_id) -> EligibilityInquiry | None:
    return db.session.get(EligibilityInquiry, inquiry_id)


def latest_for(verification_id) -> EligibilityInquiry | None:
    """The verification's most recent inquiry (what its eligibility_check shows), as the database has it now."""
    return db.session.scalars(
        select(EligibilityInquiry).where(EligibilityInquiry.verification_id == verification_id)
        .order_by(EligibilityInquiry.id.desc()).limit(1).execution_options(populate_existing=True)
    ).first()


def settled(verification_id) -> bool:
    """Whether nothing is pending: the verification's latest inquiry has settled and its outcome is in the
    verification (or it has none)."""
    latest = db.session.execute(
        select(EligibilityInquiry.applied_at).where(EligibilityInquiry.verification_id == verification_id)
        .order_by(EligibilityInquiry.id.desc()).limit(1)).one_or_none()
    return latest is None or latest.applied_at is not None


def followers(inquiry_id) -> list[EligibilityInquiry]:
    """The inquiries that joined this one and have not taken its outcome yet."""
    return list(db.session.scalars(
        select(EligibilityInquiry).where(EligibilityInquiry.joined_inquiry_id == inquiry_id,
                                         EligibilityInquiry.status.in_(PENDING))
        .order_by(EligibilityInquiry.id)
    ))


def followers_settled(inquiry_id) -> list[EligibilityInquiry]:
    """The inquiries that joined this one, took its outcome, and are not yet in their verifications."""
    return list(db.session.scalars(
        select(EligibilityInquiry).where(EligibilityInquiry.joined_inquiry_id == inquiry_id,
                                         EligibilityInquiry.status.in_(SETTLED), EligibilityInquiry.applied_at.is_(None))
        .order_by(EligibilityInquiry.id)
    ))


def dedupe_key(payer_id: str, member_id: str, date_of_birth, service_types, date_of_service) -> str:
    """The HMAC that names an inquiry as the payer would see it."""
    parts = [payer_id, (member_id or "").upper(), str(date_of_birth or ""), ",".join(service_types), str(date_of_service)]
    return sign("eligibility-inquiry", "|".join(parts).encode())


def claim(inquiry: EligibilityInquiry, key: str) -> int:
    """Claim `key` for this inquiry for the dedupe window: the inquiry's own id when it may send, else the id
    of the inquiry sent within the window that it must join."""
    window = current_app.config["ELIGIBILITY_DEDUPE_SECONDS"]
    name = redis_store.key("eligibility", key)
    try:
        if redis_store.client.set(name, str(inquiry.id), nx=True, ex=window):
            return inquiry.id
        holder = redis_store.client.get(name)
        if holder is not None:
            return int(holder)
    except UNAVAILABLE as error:
        log.warning("dedupe claim unavailable (%s): the table is asked instead", type(error).__name__)
    earlier = db.session.scalar(
        select(EligibilityInquiry.id).where(
            EligibilityInquiry.dedupe_key == key, EligibilityInquiry.joined_inquiry_id.is_(None),
            EligibilityInquiry.id != inquiry.id, EligibilityInquiry.created_at >= utcnow() - timedelta(seconds=window),
        ).order_by(EligibilityInquiry.id).limit(1)
    )
    return earlier if earlier is not None else inquiry.id


def join(inquiry: EligibilityInquiry, key: str, leader_id: int) -> None:
    inquiry.dedupe_key = key
    inquiry.joined_inquiry_id = leader_id
    db.session.commit()


def mark_sent(inquiry: EligibilityInquiry, *, key: str, payload_id: str, interchange_control: str) -> None:
    """Record the attempt before the 270 leaves, durably: a send is never made twice unknowingly."""
    inquiry.dedupe_key = key
    inquiry.payload_id = payload_id
    inquiry.interchange_control = interchange_control
    inquiry.attempts += 1
    inquiry.sent_at = utcnow()
    inquiry.status = "sent"
    commit_durably(db.session)


def answered(inquiry: EligibilityInquiry, text: str, *, interchange_control: str, transaction_control: str) -> None:
    inquiry.status = "answered"
    inquiry.answered_at = utcnow()
    inquiry.response_271 = text
    inquiry.response_interchange_control = interchange_control[:16]
    inquiry.response_transaction_control = transaction_control[:16]
    inquiry.failure_kind = inquiry.failure_detail = None
    db.session.commit()
    metrics.eligibility_settled(inquiry.adapter, "answered")


def retry_scheduled(inquiry: EligibilityInquiry, kind: str, detail: str, text: str | None = None) -> None:
    inquiry.status = "retry_scheduled"
    inquiry.failure_kind = kind
    inquiry.failure_detail = detail[:500]
    if text is not None:
        inquiry.response_271 = text
        inquiry.answered_at = utcnow()
    db.session.commit()


def failed(inquiry: EligibilityInquiry, kind: str, detail: str) -> None:
    inquiry.status = "failed"
    inquiry.failure_kind = kind
    inquiry.failure_detail = detail[:500]
    db.session.commit()
    metrics.eligibility_settled(inquiry.adapter, kind)


def take_outcome(follower: EligibilityInquiry, leader: EligibilityInquiry) -> None:
    """A joined inquiry takes the answer (or failure) of the one it joined, in the session (not committed)."""
    for name in ("status", "answered_at", "response_271", "response_interchange_control",
                 "response_transaction_control", "failure_kind", "failure_detail", "payload_id", "interchange_control"):
        setattr(follower, name, getattr(leader, name))


def applied(inquiry_ids) -> None:
    """Note, in the session, that these inquiries' answers are in their verifications (not committed)."""
    db.session.execute(update(EligibilityInquiry).where(EligibilityInquiry.id.in_(list(inquiry_ids)))
                       .values(applied_at=utcnow()))
