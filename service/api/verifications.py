"""POST /api/v1/verifications, GET /api/v1/verifications/<id>, and its check with the payer
(POST/GET /api/v1/verifications/<id>/eligibility-check)."""

from uuid import UUID

import flask
from flask import url_for

from schemas.queries import CreateQuerySchema, IdempotencyHeaderSchema
from schemas.verification_request import VerificationRequestSchema
from schemas.verification_result import EligibilityCheckAnswerSchema, QueuedVerificationSchema, VerificationSchema
from service.api.responses import json_response
from service.api_docs import Blueprint
from service.auth import principal, requires
from service.verification import accept, document
from service.verification.row import FINISHED

blp = Blueprint(
    "verifications",
    __name__,
    url_prefix="/api/v1/verifications",
    description="What a payer will pay for the planned treatment, line by line, and why not.",
)


@blp.route("", methods=["POST"])
@requires("intake")
@blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True, memoize=True)
@blp.arguments(CreateQuerySchema, location="query", as_kwargs=True, memoize=True)
@blp.arguments(VerificationRequestSchema, memoize=True)
@blp.response(200, VerificationSchema, description="Finished: from the cache, an identical earlier request, or within `wait`.")
@blp.alt_response(202, schema=QueuedVerificationSchema, description="Accepted; poll the Location. With a clearinghouse "
                  "configured, also while the payer's 271 is awaited: the body then holds the rules' answer on the data "
                  "given, and `eligibility_check.status` is pending.")
@blp.alt_response(409, response="CONFLICT", description="Idempotency-Key reused with a different body.")
def create(request, wait, idempotency_key):
    """Check coverage for a patient's planned treatment."""
    verification = accept.submit(request, idempotency_key=idempotency_key, wait=wait, **principal())
    answer = document.document(verification)
    if verification.status in FINISHED and _payer_done(answer):
        return json_response(answer)
    return json_response(answer, 202, {"Location": document.link(verification)})


def _payer_done(answer: dict) -> bool:
    """False while the payer's answer is still awaited: the verification is not final until it comes."""
    return (answer.get("eligibility_check") or {}).get("status") != "pending"


@blp.route("/<uuid:verification_id>")
@requires("intake")
@blp.response(200, VerificationSchema)
@blp.alt_response(404, response="NOT_FOUND")
def verification(verification_id: UUID):
    """One verification, by id."""
    return json_response(document.read(verification_id))


def _check_answer(verification) -> dict:
    verification, inquiry = document.with_latest_check(verification)
    result = verification.result or {}
    return {"id": str(verification.id), "status": verification.status, "determination": result.get("determination"),
            "eligibility_status": result.get("eligibility_status"),
            "eligibility_check": document.eligibility_check(verification, inquiry),
            "links": {"self": document.link(verification)}}


@blp.route("/<uuid:verification_id>/eligibility-check", methods=["GET", "POST"])
@requires("intake")
@blp.arguments(CreateQuerySchema, location="query", as_kwargs=True)
@blp.response(200, EligibilityCheckAnswerSchema, description="POST: the payer answered (or the check failed) within "
              "`wait`: the 271's summary and the rules' answer on it. GET: the latest check, once settled.")
@blp.alt_response(202, schema=EligibilityCheckAnswerSchema, description="The payer has not answered yet: poll with GET.")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT", description="POST: no clearinghouse configured, or nobody to ask (self-pay).")
def eligibility_check(verification_id: UUID, wait):
    """Check with the payer. POST sends the verification's 270 through the clearinghouse (unless a check is still
    pending) and its 271 feeds the rules; GET reads the latest check. Either waits up to `wait` seconds for it."""
    if flask.request.method == "POST":
        verification = accept.check_with_payer(verification_id, wait)
    else:
        verification = accept.waited_for_payer(document.get(verification_id), wait)
    answer = _check_answer(verification)
    if answer["eligibility_check"]["status"] == "pending":
        location = url_for("verifications.eligibility_check", verification_id=verification_id)
        return json_response(answer, 202, {"Location": location})
    return json_response(answer)
