"""A verification as the contract's JSON: its state, the rule modules' result once complete, its check with the
payer (when a clearinghouse is configured), its link."""

from datetime import timezone

from flask import current_app, url_for

from service import x12_exchange
from service.errors import reject
from service.verification import inquiries, store
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
    check = None
    if current_app.config["CLEARINGHOUSE"].get("BV_CLEARINGHOUSE"):
        verification, inquiry = with_latest_check(verification)
        check = eligibility_check(verification, inquiry)
    doc = _head(verification)
    if verification.result:
        doc.update(verification.result)
    if verification.status == "failed":
        doc["error"] = {"code": "evaluation_failed", "message": verification.error}
    if check is not None:
        doc["eligibility_check"] = check
    return doc


def with_latest_check(verification):
    """The verification and its latest check with the payer, as of the same moment. The check is read after
    the row; when it shows a 271 fed to the rules, the row is read again: the 271's result was committed with
    the check (service/verification/payer.py), and on PostgreSQL a statement sees what was committed before it
    began, so a check applied between the two reads would otherwise stand beside the result before it."""
    inquiry = inquiries.latest_for(verification.id)
    if inquiry is not None and inquiry.applied_at is not None and inquiry.status == "answered":
        verification = store.get(verification.id) or verification
    return verification, inquiry


CHECK_STATUS = {"queued": "pending", "sent": "pending", "retry_scheduled": "pending", "answered": "answered",
                "failed": "failed"}


def eligibility_check(verification, inquiry) -> dict:
    """The verification's latest check with the payer (`inquiry`, read with it by `with_latest_check`): its
    status, and once the 271 is in the result, what it said (no patient identifier: the eligibility summary
    the rules read)."""
    if inquiry is None:
        return {"status": "not_asked", "asked_at": None, "payer_answered_at": None, "summary": None, "warnings": [],
                "rejections": [], "failure": None, "note": None, "attempts": 0, "reason": None}
    # Pending until the outcome is in the verification (its rules ran again on the 271).
    status = CHECK_STATUS[inquiry.status] if inquiry.applied_at is not None else "pending"
    found = ((verification.result or {}).get("eligibility") or {}) if status == "answered" else {}
    summary = None
    if found:
        figures = found.get("figures") or {}
        summary = {
            "coverage": found.get("status"),
            "payer": (found.get("payer") or {}).get("name"),
            "plan": (found.get("plan") or {}).get("name"),
            "plan_type": (found.get("plan") or {}).get("plan_type"),
            "plan_begin": (found.get("plan") or {}).get("begin"),
            "plan_end": (found.get("plan") or {}).get("end"),
            **{name: (figures.get(name) or {}).get("value") for name in x12_exchange.FIGURES},
            "messages": found.get("messages") or [],
        }
    failure = None
    if inquiry.failure_kind and status != "answered":
        failure = {"kind": inquiry.failure_kind, "detail": inquiry.failure_detail}
    return {
        "status": status,
        "asked_at": timestamp(inquiry.sent_at or inquiry.created_at),
        "payer_answered_at": timestamp(inquiry.answered_at),
        "summary": summary,
        "warnings": found.get("warnings") or [],
        "rejections": found.get("rejections") or [],
        "failure": failure if status == "failed" else None,
        "note": inquiry.failure_detail if status == "pending" and inquiry.failure_kind else None,
        "attempts": inquiry.attempts,
        "reason": inquiry.reason,
    }


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
    """One verification's document, for the caller of this request (service/audit.py records the read)."""
    return document(get(verification_id))
