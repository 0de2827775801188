"""A verification as the contract's JSON: its state, the rule modules' result once complete, its link."""

from datetime import timezone

import orjson
from flask import url_for

from service import audit
from service.errors import reject
from service.json_text import SerializedJSON
from service.verification import store
from service.verification.row import Row


def timestamp(moment) -> str | None:
    """ISO 8601 in UTC; SQLite hands back naive datetimes, which were stored as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def document(verification) -> dict:
    """The contract's JSON for one verification (a Row, or a Verification read by the ORM)."""
    doc = _head(verification)
    if verification.result:
        doc.update(verification.result if not isinstance(verification.result, SerializedJSON)
                   else orjson.loads(verification.result))
    if verification.status == "failed":
        doc["error"] = {"code": "evaluation_failed", "message": verification.error}
    return doc


def document_json(verification: Row) -> bytes:
    """`document()` serialized. A result still as the cache held it goes out as it is, never parsed: the
    head's JSON object and the result's are joined (results never hold the head's keys)."""
    if not isinstance(verification.result, SerializedJSON):
        return orjson.dumps(document(verification))
    return orjson.dumps(_head(verification))[:-1] + b"," + verification.result.encode()[1:]


def _head(verification) -> dict:
    return {
        "id": str(verification.id),
        "status": verification.status,
        "created_at": timestamp(verification.created_at),
        "completed_at": timestamp(verification.completed_at),
        "cached": verification.cached,
        "links": {"self": link(verification)},
    }


def link(verification) -> str:
    """Where the verification is read (GET), as the API answers it."""
    return url_for("verifications.verification", verification_id=verification.id)


def get(verification_id) -> Row:
    """The verification, or a 404."""
    verification = store.get(verification_id)
    if verification is None:
        reject(404, "No verification has that id.")
    return verification


def read(verification_id) -> dict:
    """One verification's document, for the caller of this request; the read goes in the audit trail."""
    verification = get(verification_id)
    doc = document(verification)
    audit.record("read", [verification.id])
    return doc
