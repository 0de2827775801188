"""The tables: verifications with their denial reasons and eligibility inquiries, API keys, staff users and their
sessions, batches, webhook deliveries, the audit trail and the clinic's settings."""

import uuid
from datetime import datetime, timezone

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public part of the key, used to find the row; the rest is only ever stored hashed.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))


class StaffUser(db.Model):
    """A person who signs in to the console; the password is stored only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))


class StaffSession(db.Model):
    """A staff user signed in: the session cookie carries a random token, this row only its hash. Signing out,
    a new password or a disabled account deletes the row, and the cookie then opens nothing."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # Moved forward at most once a minute by the requests the session makes: the idle timeout counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # created_at plus the absolute lifetime: no activity extends it.
    expires_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), index=True)


class Batch(db.Model):
    """Many appointments checked at once; each good row is a verification with this batch_id."""

    __tablename__ = "batches"

    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # Set once, by whichever worker finishes the last row: the batch webhook goes out exactly then.
    completed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Rows uploaded, good and bad.
    total: Mapped[int] = mapped_column(default=0)
    # The bad rows: [{"row": 7, "fields": {"member_id": ["…"]}}]; messages never quote the value.
    errors: Mapped[list] = mapped_column(JSON, default=list)
    callback_url: Mapped[str | None] = mapped_column(String(2000))


class Verification(db.Model):
    __tablename__ = "verifications"
    __table_args__ = (
        UniqueConstraint("api_key_id", "idempotency_key", name="uq_verifications_idempotency"),
        Index("ix_verifications_created_at", "created_at"),
        Index("ix_verifications_fingerprint_status", "fingerprint", "status"),
        Index("ix_verifications_batch_row", "batch_id", "batch_row"),
    )

    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    # HMAC of the client's Idempotency-Key header, scoped to the API key.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    # HMAC of the canonical request alone (idempotency compares bodies with it) ...
    request_digest: Mapped[str] = mapped_column(String(64))
    # ... and with the rule versions: the cache key, shared by identical requests.
    fingerprint: Mapped[str] = mapped_column(String(64))
    cached: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    # When a task was last sent for it (or it joined an identical request's task); NULL: none was,
    # the broker being down. The sweep re-queues it when NULL, or when this is too long ago.
    dispatched_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # The validated request in its canonical JSON form. It holds PHI: never log it.
    request: Mapped[dict] = mapped_column(JSON)
    program: Mapped[str | None] = mapped_column(String(32), index=True)
    carrier: Mapped[str | None] = mapped_column(String(100))
    determination: Mapped[str | None] = mapped_column(String(32), index=True)
    rule_module: Mapped[str | None] = mapped_column(String(64))
    rule_version: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))
    # Who asked: an API key or a signed-in staff user.
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id"))
    # The row of the batch upload this verification came from (1 = the first appointment).
    batch_row: Mapped[int | None]
    # Where the finished result is POSTed (an allowlisted host).
    callback_url: Mapped[str | None] = mapped_column(String(2000))

    denials: Mapped[list["VerificationDenial"]] = relationship(
        back_populates="verification", cascade="all, delete-orphan"
    )


class VerificationDenial(db.Model):
    """One CARC (with its RARC) a verification's result gave, for billing's filters and counts."""

    __tablename__ = "verification_denials"

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("verifications.id", ondelete="CASCADE"), index=True
    )
    carc: Mapped[str] = mapped_column(String(8), index=True)
    rarc: Mapped[str | None] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(String(300))

    verification: Mapped[Verification] = relationship(back_populates="denials")


class WebhookDelivery(db.Model):
    """One POST of a finished verification or batch to its callback_url, retried until it lands or gives up."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # verification.completed or batch.completed
    event: Mapped[str] = mapped_column(String(40))
    verification_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("verifications.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Whose secret signs it.
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # pending | delivered | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
class EligibilityInquiry(db.Model):
    """One 270 asked of a payer through the clearinghouse for a verification, and what came back.

    The row is committed before the 270 is sent, so a send is never made twice unknowingly; an
    inquiry that joined an identical one sent within the dedupe window (`joined_inquiry_id`) sends
    nothing and takes that one's answer. No credential is ever stored; the 271 is kept without its
    addresses (N3/N4), as a pasted one is."""

    __tablename__ = "eligibility_inquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verifications.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # The adapter that sent it: stedi, core or fake.
    adapter: Mapped[str] = mapped_column(String(16))
    # queued | sent | answered | failed | retry_scheduled
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # automatic (a new verification, a clearinghouse configured) or staff ("Check with payer").
    reason: Mapped[str] = mapped_column(String(16), default="automatic")
    # HMAC of payer, member id, date of birth, service types and date of service: never PHI in clear.
    dedupe_key: Mapped[str | None] = mapped_column(String(64), index=True)
    joined_inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("eligibility_inquiries.id", ondelete="SET NULL"))
    # The 270's CORE PayloadID and ISA13; the 271's ISA13 and ST02.
    payload_id: Mapped[str | None] = mapped_column(String(64))
    interchange_control: Mapped[str | None] = mapped_column(String(16))
    response_interchange_control: Mapped[str | None] = mapped_column(String(16))
    response_transaction_control: Mapped[str | None] = mapped_column(String(16))
    # Sends made (counted before each one).
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # When the 271 was merged into the verification's request and the rules ran again.
    applied_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # not_sent | timeout | envelope_rejected | rejected_999 | rejected_ta1 | unable_to_respond | not_asked | error | lost
    failure_kind: Mapped[str | None] = mapped_column(String(32))
    failure_detail: Mapped[str | None] = mapped_column(String(500))
    # The payer's 271 without its N3/N4 segments. It holds PHI (names, member id), like the request does.
    response_271: Mapped[str | None] = mapped_column(Text)


class AuditEvent(db.Model):
    """Who created or saw which verification (or batch, or list), when and from where: ids only (no PHI),
    kept after the verification is purged. One event per response (service/audit.py)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, index=True)
    # create | read | list (a page of billing's search) | export (CSV) | settings (the clinic's, changed)
    action: Mapped[str] = mapped_column(String(16))
    # The route that answered (e.g. eligibility.fhir); NULL on a create.
    endpoint: Mapped[str | None] = mapped_column(String(64))
    # No foreign keys: the event outlives the verification or batch it names.
    verification_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid, index=True)
    batch_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid, index=True)
    # A list's or an export's filters, as a query string (they hold no PHI); for settings, the details changed.
    query: Mapped[str | None] = mapped_column(String(500))
    # The client's address, as the server saw it.
    remote_addr: Mapped[str | None] = mapped_column(String(45))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    # A staff user signed in to the web console (users.id; no foreign key, like verification_id).
    staff_user_id: Mapped[int | None] = mapped_column(index=True)


class ClinicSettings(db.Model):
    """The clinic's own details as an admin set them on the settings page: one row (id 1). A NULL column is
    not set here, and the environment's value (BV_CLINIC_*) applies (service/clinic.py)."""

    __tablename__ = "clinic_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    npi: Mapped[str | None] = mapped_column(String(10))
    tin: Mapped[str | None] = mapped_column(String(11))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(30))
    updated_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
