"""POST /api/v1/batches (a CSV or a JSON list of appointments), GET /api/v1/batches (the history) and
GET /api/v1/batches/<id>."""

from uuid import UUID

from flask import current_app, request

from schemas.batches import (
    CSV_HEADER,
    BatchAcceptedSchema,
    BatchCreateQuerySchema,
    BatchListQuerySchema,
    BatchPageSchema,
    BatchQuerySchema,
    BatchSchema,
)
from schemas.errors import ErrorSchema
from service import auth, batches, exports
from service.api.responses import json_response
from service.api_docs import Blueprint
from service.auth import principal, requires
from service.roles import has_role

blp = Blueprint(
    "batches",
    __name__,
    url_prefix="/api/v1/batches",
    description="Many appointments checked at once: bad rows reported by row and field, good rows still run.",
)

UPLOAD = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": CSV_HEADER + "\nDana,Reyes,1979-03-14,va_ccn,TriWest,,123456789,,in_network,"
            "96365;J3490;99214,550.00;;180.00,F43.10,2026-12-01,6\n",
        },
        "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/VerificationRequest"}}},
    },
}


@blp.before_request
def allow_batch_sized_bodies():
    # A 10,000-row upload is larger than any single request: only this area reads bodies that big.
    request.max_content_length = current_app.config["BATCH_MAX_BODY_BYTES"]


@blp.route("", methods=["POST"])
@requires("intake")
@blp.arguments(BatchCreateQuerySchema, location="query", as_kwargs=True)
@blp.doc(requestBody=UPLOAD)
@blp.response(202, BatchAcceptedSchema, description="Accepted: poll the Location for progress and results.")
@blp.alt_response(413, schema=ErrorSchema, description="More rows (or bytes) than a batch may hold.")
def create(callback_url):
    """Check many appointments: a CSV with the documented header, or a JSON list of verification requests.

    CSV columns: `first_name,last_name,date_of_birth,program,carrier,plan_type,member_id,group_number,
    network_status,services,charges,diagnoses,date_of_service,sessions`, with `services`, `charges` and
    `diagnoses` separated by `;` (an empty charge is filled from the clinic's fee schedule). Optional extra
    columns: `veteran, relationship, beneficiary_category, coverage_start, coverage_end, units,
    authorization_type, authorization_number, authorization_valid_from, authorization_valid_to,
    approved_visits, used_visits, approved_codes, scheduled_on`; others are ignored. Row 1 is the line after
    the header.
    """
    batch = batches.accept(request.mimetype, request.get_data(), callback_url=callback_url, **principal())
    document = batches.accepted(batch)
    return json_response(document, 202, {"Location": document["links"]["self"]})


@blp.route("", methods=["GET"])
@requires("intake")
@blp.arguments(BatchListQuerySchema, location="query", as_kwargs=True)
@blp.response(200, BatchPageSchema)
def history(page, per_page):
    """The clinic's batches, newest first: when, who uploaded each, its rows and progress, counts by
    determination. No row's data: open a batch (its `links.self`) for its rows."""
    items, total = batches.history(page=page, per_page=per_page)
    return json_response({"items": items, "page": page, "per_page": per_page, "total": total})


@blp.route("/<uuid:batch_id>")
@requires("intake")
@blp.arguments(BatchQuerySchema, location="query", as_kwargs=True)
@blp.response(200, BatchSchema)
@blp.alt_response(200, content_type="text/csv", schema={"type": "string"},
                  description="Progress and a page of results as JSON; every row as CSV with ?format=csv or Accept: text/csv.")
@blp.alt_response(404, response="NOT_FOUND")
def batch(batch_id: UUID, format, page, per_page):
    """Progress (done of total, per determination), bad rows, and the results a page at a time; or all as CSV."""
    found = batches.get(batch_id)
    if exports.wants_csv(format, request.accept_mimetypes):
        with_patients = has_role(auth.caller_role(), "billing")
        return exports.csv_response(batches.csv_lines(found, with_patients=with_patients), f"batch-{found.id}")
    return json_response(batches.document(found, page=page, per_page=per_page))
