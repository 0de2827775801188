"""Billing review: GET /api/v1/verifications (search) and GET /api/v1/denial-reasons."""

from flask import request

from schemas.queries import PeriodQuerySchema, VerificationListQuerySchema
from schemas.verification_result import DenialReasonSummarySchema, VerificationPageSchema
from service import billing, exports
from service.api.responses import json_response
from service.api_docs import Blueprint
from service.auth import requires
from service.verification.document import document

blp = Blueprint("billing", __name__, url_prefix="/api/v1", description="Denials across many verifications.")


@blp.route("/verifications", methods=["GET"])
@requires("billing")
@blp.arguments(VerificationListQuerySchema, location="query", as_kwargs=True)
@blp.response(200, VerificationPageSchema)
@blp.alt_response(200, content_type="text/csv", schema={"type": "string"},
                  description="A page of verifications as JSON; every match as CSV with ?format=csv or Accept: text/csv.")
def list_verifications(page, per_page, format, **filters):
    """Verifications, newest first, filtered by determination, program, carrier, CARC and creation date.

    Each item carries `patient` (name, date of birth, member id, payer, date of service): billing works on
    patients, not ids. As CSV (`?format=csv` or `Accept: text/csv`): every match, not paged, one line each.
    """
    if exports.wants_csv(format, request.accept_mimetypes):
        return exports.csv_response(billing.export(**filters), "verifications")
    items, total = billing.search(page=page, per_page=per_page, **filters)
    documents = [document(v) | {"patient": exports.patient(v)} for v in items]
    return json_response({"items": documents, "page": page, "per_page": per_page, "total": total})


@blp.route("/denial-reasons")
@requires("billing")
@blp.arguments(PeriodQuerySchema, location="query", as_kwargs=True)
@blp.response(200, DenialReasonSummarySchema)
def denial_reasons(**period):
    """How often each denial reason (CARC) was given, per program."""
    return json_response({"items": billing.denial_summary(**period)})
